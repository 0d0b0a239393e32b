import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IdentityRef } from '../profile/identity-resolver.js';
import type { MembershipRow, SegmentStore } from './segment-store.js';
import type { MembershipReader } from './membership-view.js';

export interface SegmentStoreHarness {
  /** A fresh, empty store. */
  create(): Promise<SegmentStore>;
  /** The same data through a new adapter instance (a restart). */
  reopen(s: SegmentStore): Promise<SegmentStore>;
  destroy(s: SegmentStore): Promise<void>;
  /** The membership read port over the same data (another connection). */
  reader(s: SegmentStore): Promise<MembershipReader>;
}

const T0 = Date.UTC(2026, 0, 2); // past 2^31: qualification times and dues are 64-bit
const row = (segmentId: string, pid: string, status: MembershipRow['status'], at = T0, ref: IdentityRef = { namespace: 'Email', id: `${pid}@x.com` }): MembershipRow => ({
  segmentId, pid, ref, status, lastQualificationTime: at, version: 1,
});
const ids = (rows: MembershipRow[]) => rows.map((r) => `${r.pid}/${r.segmentId}:${r.status}`);
const sortedIds = (rows: MembershipRow[]) => ids(rows).sort();
const ev = (id: string) => ({ _id: id, eventType: 'segmentMembership.realized' });

/** Runs `fn` as the runtime does: begin, prefetch what it reads, the synchronous part, commit. */
async function unit<T>(s: SegmentStore, read: { sb: string; pids?: string[]; refs?: IdentityRef[] } | undefined, fn: () => T): Promise<T> {
  await s.begin();
  try {
    if (read) await s.prefetch(read.sb, read.pids ?? [], read.refs ?? []);
    const out = fn();
    await s.commit();
    return out;
  } catch (e) {
    await s.rollback();
    throw e;
  }
}

/** The contract every SegmentStore adapter (and its MembershipReader) runs. */
export function segmentStoreContract(name: string, h: SegmentStoreHarness): void {
  /** A fresh store per test; a test that reopens it returns the store it ends with. */
  const withStore = (fn: (s: SegmentStore) => Promise<SegmentStore | void>) => async () => {
    let s = await h.create();
    try {
      s = (await fn(s)) ?? s;
    } finally {
      await h.destroy(s);
    }
  };
  const reopened = async (s: SegmentStore, fn: (again: SegmentStore) => Promise<void>) => {
    const again = await h.reopen(s);
    await fn(again);
    return again;
  };

  describe(`SegmentStore contract: ${name}`, () => {
    describe('memberships', () => {
      it('puts, reads by profile id, members and memberships of a segment (by profile id), counts per status', withStore(async (s) => {
        await unit(s, undefined, () => {
          s.putMembership('sb', row('s1', 'p2', 'realized'));
          s.putMembership('sb', row('s1', 'p1', 'existing'));
          s.putMembership('sb', row('s1', 'p3', 'exited'));
          s.putMembership('sb', row('s2', 'p1', 'realized'));
          s.putMembership('other', row('s1', 'p1', 'realized'));
        });
        assert.deepEqual(ids(await s.members('sb', 's1')), ['p1/s1:existing', 'p2/s1:realized']);
        assert.deepEqual(ids(await s.memberships('sb', 's1')), ['p1/s1:existing', 'p2/s1:realized', 'p3/s1:exited']);
        assert.deepEqual(sortedIds(await s.membershipsOfPids('sb', ['p1', 'p3', 'absent'])), ['p1/s1:existing', 'p1/s2:realized', 'p3/s1:exited']);
        assert.deepEqual(await s.counts('sb'), new Map([['s1', { existing: 1, realized: 1, exited: 1 }], ['s2', { realized: 1 }]]));
        assert.deepEqual(await s.counts('other'), new Map([['s1', { realized: 1 }]]));
        const [m] = await s.membershipsOfPids('sb', ['p2']);
        assert.deepEqual(m, row('s1', 'p2', 'realized'), 'every field round-trips');
      }));

      it('an upsert replaces the row; a delete removes it; a re-key (delete + put) in one unit', withStore(async (s) => {
        await unit(s, undefined, () => s.putMembership('sb', row('s1', 'old', 'realized')));
        await unit(s, { sb: 'sb', pids: ['old', 'new'] }, () => {
          const prev = s.membershipsOfPid('sb', 'old')[0]!;
          s.transaction(() => {
            s.deleteMembership('sb', 's1', 'old');
            s.putMembership('sb', { ...prev, pid: 'new', status: 'exited', version: 2 });
          });
          assert.deepEqual(ids(s.membershipsOfPid('sb', 'old')), [], 'the unit reads its own writes');
          assert.deepEqual(ids(s.membershipsOfPid('sb', 'new')), ['new/s1:exited']);
        });
        assert.deepEqual(ids(await s.memberships('sb', 's1')), ['new/s1:exited']);
        assert.equal((await s.membershipsOfPids('sb', ['new']))[0]!.version, 2);
      }));

      it('a profile id written earlier in the unit and loaded only later shows the unit\'s writes', withStore(async (s) => {
        await unit(s, undefined, () => {
          s.putMembership('sb', row('s1', 'p1', 'realized'));
          s.putMembership('sb', row('s2', 'p1', 'realized'));
        });
        s = await reopened(s, async () => {}); // empty read caches
        await s.begin();
        s.deleteMembership('sb', 's1', 'p1');
        s.putMembership('sb', row('s3', 'p1', 'realized'));
        await s.prefetch('sb', ['p1'], []);
        assert.deepEqual(sortedIds(s.membershipsOfPid('sb', 'p1')), ['p1/s2:realized', 'p1/s3:realized']);
        await s.commit();
        assert.deepEqual(sortedIds(await s.membershipsOfPids('sb', ['p1'])), ['p1/s2:realized', 'p1/s3:realized']);
        return s;
      }));

      it('dropSegment removes a segment\'s rows in a sandbox and nothing else', withStore(async (s) => {
        await unit(s, undefined, () => {
          for (const seg of ['s1', 's2']) for (const p of ['p1', 'p2']) s.putMembership('sb', row(seg, p, 'realized'));
          s.putMembership('other', row('s1', 'p1', 'realized'));
        });
        await unit(s, { sb: 'sb', pids: ['p1'] }, () => assert.equal(s.membershipsOfPid('sb', 'p1').length, 2));
        await s.dropSegment('sb', 's1');
        assert.deepEqual(await s.memberships('sb', 's1'), []);
        assert.equal((await s.memberships('sb', 's2')).length, 2);
        assert.equal((await s.memberships('other', 's1')).length, 1);
        await unit(s, { sb: 'sb', pids: ['p1'] }, () => assert.deepEqual(ids(s.membershipsOfPid('sb', 'p1')), ['p1/s2:realized'], 'cached reads forget the rows'));
      }));

      it('ids with NUL, quotes, unicode and 2,000 characters round-trip', withStore(async (s) => {
        const odd = ['a"b', '\u0000nul', '\u0001lead', 'ü-😀', 'x'.repeat(2000)];
        await unit(s, undefined, () => {
          for (const [i, v] of odd.entries()) s.putMembership(v, row(v, v, 'realized', T0 + i, { namespace: v, id: v }));
        });
        for (const [i, v] of odd.entries()) {
          assert.deepEqual(await s.membershipsOfPids(v, [v]), [row(v, v, 'realized', T0 + i, { namespace: v, id: v })]);
          assert.deepEqual(await s.counts(v), new Map([[v, { realized: 1 }]]));
        }
        await unit(s, { sb: odd[1]!, pids: [odd[1]!], refs: [{ namespace: odd[1]!, id: odd[1]! }] }, () => {
          assert.equal(s.membershipsOfPid(odd[1]!, odd[1]!).length, 1);
          s.setTimer(odd[1]!, { namespace: odd[1]!, id: odd[1]! }, T0);
        });
        assert.deepEqual(await s.dueTimers(T0), [{ sandboxId: odd[1]!, ref: { namespace: odd[1]!, id: odd[1]! }, due: T0 }]);
      }));
    });

    describe('unit of work', () => {
      it('commit makes memberships, timers and outbox events durable together (across a restart)', withStore(async (s) => {
        await unit(s, { sb: 'sb', pids: ['p1'], refs: [{ namespace: 'Email', id: 'a' }] }, () => {
          s.putMembership('sb', row('s1', 'p1', 'realized'));
          s.setTimer('sb', { namespace: 'Email', id: 'a' }, T0 + 5);
          s.addOutbox('sb', T0, ev('e1'));
        });
        s = await reopened(s, async () => {});
        assert.deepEqual(ids(await s.membershipsOfPids('sb', ['p1'])), ['p1/s1:realized']);
        assert.equal(await s.nextDue(), T0 + 5);
        assert.deepEqual((await s.readOutbox(0, 10)).map((r) => r.id), ['e1']);
        return s;
      }));

      it('rollback discards the unit\'s writes and the read caches (its write-through rows are not seen again)', withStore(async (s) => {
        const a = { namespace: 'Email', id: 'a' };
        await unit(s, undefined, () => s.putMembership('sb', row('s1', 'p1', 'realized')));
        await s.begin();
        await s.prefetch('sb', ['p1'], [a]);
        s.putMembership('sb', row('s1', 'p1', 'exited'));
        s.putMembership('sb', row('s2', 'p1', 'realized'));
        s.setTimer('sb', a, T0);
        s.addOutbox('sb', T0, ev('gone'));
        assert.equal(s.membershipsOfPid('sb', 'p1').length, 2);
        await s.rollback();
        await unit(s, { sb: 'sb', pids: ['p1'], refs: [a] }, () => {
          assert.deepEqual(ids(s.membershipsOfPid('sb', 'p1')), ['p1/s1:realized']);
          assert.equal(s.timerOf('sb', a), undefined);
        });
        assert.deepEqual(await s.readOutbox(0, 10), []);
        assert.equal(await s.nextDue(), undefined);
      }));

      it('a transaction() that throws undoes only its own writes; the unit commits the rest', withStore(async (s) => {
        await unit(s, { sb: 'sb', pids: ['p1', 'p2'] }, () => {
          s.putMembership('sb', row('s1', 'p1', 'realized'));
          assert.throws(() => s.transaction(() => {
            s.putMembership('sb', row('s1', 'p2', 'realized'));
            s.deleteMembership('sb', 's1', 'p1');
            s.addOutbox('sb', T0, ev('half'));
            throw new Error('evaluation failed');
          }), /evaluation failed/);
          assert.deepEqual(ids(s.membershipsOfPid('sb', 'p1')), ['p1/s1:realized']);
          assert.deepEqual(ids(s.membershipsOfPid('sb', 'p2')), []);
          s.transaction(() => s.addOutbox('sb', T0, ev('kept')));
        });
        assert.deepEqual(ids(await s.memberships('sb', 's1')), ['p1/s1:realized']);
        assert.deepEqual((await s.readOutbox(0, 10)).map((r) => r.id), ['kept']);
      }));
    });

    describe('timers', () => {
      it('set, read, replaced, removed; due ones oldest first with a limit; the next due', withStore(async (s) => {
        const r = (id: string) => ({ namespace: 'Email', id });
        await unit(s, { sb: 'sb', refs: [r('a'), r('b'), r('c')] }, () => {
          assert.equal(s.timerOf('sb', r('a')), undefined);
          s.setTimer('sb', r('a'), T0 + 30);
          s.setTimer('sb', r('b'), T0 + 10);
          s.setTimer('sb', r('c'), T0 + 20);
          s.setTimer('sb', r('a'), T0 + 5); // replaced
          s.setTimer('other', r('a'), T0 + 50);
          assert.equal(s.timerOf('sb', r('a')), T0 + 5);
        });
        assert.equal(await s.nextDue(), T0 + 5);
        assert.deepEqual((await s.dueTimers(T0 + 20)).map((t) => `${t.sandboxId}/${t.ref.id}@${t.due - T0}`), ['sb/a@5', 'sb/b@10', 'sb/c@20']);
        assert.deepEqual((await s.dueTimers(T0 + 100, 2)).map((t) => t.ref.id), ['a', 'b']);
        await unit(s, undefined, () => s.setTimer('sb', r('a'), undefined));
        assert.equal(await s.nextDue(), T0 + 10);
        s = await reopened(s, async () => {});
        await unit(s, { sb: 'sb', refs: [r('a'), r('b')] }, () => {
          assert.equal(s.timerOf('sb', r('a')), undefined);
          assert.equal(s.timerOf('sb', r('b')), T0 + 10);
        });
        return s;
      }));
    });

    describe('outbox', () => {
      const add = (s: SegmentStore, n: number, from = 0) => unit(s, undefined, () => {
        for (let i = from; i < from + n; i++) s.addOutbox('sb', 1000 + i, ev(`e${i}`));
      });

      it('keeps each event with its id, in sequence order', withStore(async (s) => {
        await add(s, 3);
        const rows = await s.readOutbox(0, 10);
        assert.deepEqual(rows.map((r) => [r.seq, r.id, r.sandboxId, r.ts, (JSON.parse(r.record) as { _id: string })._id]), [[1, 'e0', 'sb', 1000, 'e0'], [2, 'e1', 'sb', 1001, 'e1'], [3, 'e2', 'sb', 1002, 'e2']]);
        assert.deepEqual((await s.readOutbox(2, 10)).map((r) => r.seq), [3]);
        assert.deepEqual((await s.readOutbox(0, 2)).map((r) => r.seq), [1, 2]);
      }));

      it('sequence numbers never go back, even once everything flushed is trimmed (and across a restart)', withStore(async (s) => {
        await add(s, 5);
        await s.trimOutbox(5);
        assert.equal(await s.firstOutboxSeq(), 5, 'the newest row stays');
        s = await reopened(s, async () => {});
        await add(s, 1, 5);
        assert.deepEqual((await s.readOutbox(5, 10)).map((r) => [r.seq, r.id]), [[6, 'e5']], 'a new event is after what the lake has');
        return s;
      }));

      it('trims a slice: rows up to the given sequence number go, the rest stay', withStore(async (s) => {
        await add(s, 10);
        await s.trimOutbox(4);
        assert.equal(await s.firstOutboxSeq(), 5);
        assert.equal((await s.readOutbox(0, 100)).length, 6);
      }));
    });

    describe('open mark and active sandboxes', () => {
      it('markOpen answers whether the last process left it open; markClosed is a clean stop', withStore(async (s) => {
        assert.equal(await s.markOpen(), false, 'a new store');
        assert.equal(await s.markOpen(), true, 'still open (no clean stop)');
        s = await reopened(s, async (again) => assert.equal(await again.markOpen(), true, 'a crash: found open after a restart'));
        await s.markClosed();
        s = await reopened(s, async (again) => assert.equal(await again.markOpen(), false, 'closed cleanly'));
        return s;
      }));

      it('remembers sandboxes once each, listed in order, across a restart', withStore(async (s) => {
        assert.deepEqual(await s.activeSandboxes(), []);
        for (const sb of ['sb-b', 'sb-a', 'sb-b']) await s.rememberSandbox(sb);
        s = await reopened(s, async () => {});
        await s.rememberSandbox('sb-a');
        assert.deepEqual(await s.activeSandboxes(), ['sb-a', 'sb-b']);
        return s;
      }));
    });

    describe('membership read port', () => {
      it('answers committed rows of several profile ids; an open unit\'s writes are not seen', withStore(async (s) => {
        const reader = await h.reader(s);
        try {
          assert.deepEqual(await reader.membershipsOfPids('sb', ['p1']), []);
          await unit(s, undefined, () => {
            s.putMembership('sb', row('s1', 'p1', 'realized'));
            s.putMembership('sb', row('s2', 'p2', 'exited'));
            s.putMembership('other', row('s3', 'p1', 'realized'));
          });
          assert.deepEqual(sortedIds(await reader.membershipsOfPids('sb', ['p1', 'p2', 'p9'])), ['p1/s1:realized', 'p2/s2:exited']);
          assert.deepEqual(await reader.membershipsOfPids('sb', ['p1']), [row('s1', 'p1', 'realized')]);
          await s.begin();
          s.putMembership('sb', row('s4', 'p1', 'realized'));
          assert.deepEqual(ids(await reader.membershipsOfPids('sb', ['p1'])), ['p1/s1:realized'], 'uncommitted');
          await s.commit();
          assert.deepEqual(sortedIds(await reader.membershipsOfPids('sb', ['p1'])), ['p1/s1:realized', 'p1/s4:realized']);
        } finally {
          await reader.close();
        }
      }));

      it('pages through the current members of a segment by profile id', withStore(async (s) => {
        const reader = await h.reader(s);
        try {
          assert.deepEqual(await reader.membersPage('sb', 's1', '', 10), []);
          await unit(s, undefined, () => {
            for (const [pid, status] of [['p3', 'realized'], ['p1', 'existing'], ['p2', 'exited'], ['p4', 'realized'], ['p0', 'realized']] as const) s.putMembership('sb', row('s1', pid, status));
            s.putMembership('sb', row('s2', 'p1', 'realized'));
            s.putMembership('other', row('s1', 'p9', 'realized'));
          });
          assert.deepEqual(ids(await reader.membersPage('sb', 's1', '', 2)), ['p0/s1:realized', 'p1/s1:existing']);
          assert.deepEqual(ids(await reader.membersPage('sb', 's1', 'p1', 10)), ['p3/s1:realized', 'p4/s1:realized']);
          assert.deepEqual(await reader.membersPage('sb', 's1', 'p4', 10), []);
          assert.deepEqual(await reader.membersPage('sb', 's1', '', 0), [], 'limit 0');
          assert.deepEqual(await reader.membersPage('sb', 'nope', '', 10), [], 'unknown segment');
        } finally {
          await reader.close();
        }
      }));
    });

    describe('invalid input', () => {
      const cases: Array<{ name: string; run: (s: SegmentStore) => Promise<void> }> = [
        { name: 'trimming an empty outbox, or past its end, is harmless', run: async (s) => {
          await s.trimOutbox(100);
          assert.equal(await s.firstOutboxSeq(), 1);
          await unit(s, undefined, () => ['a', 'b'].forEach((id) => s.addOutbox('sb', 1, ev(id))));
          await s.trimOutbox(1_000);
          assert.deepEqual((await s.readOutbox(0, 10)).map((r) => r.seq), [2]);
        } },
        { name: 'reading past the outbox\'s end', run: async (s) => assert.deepEqual(await s.readOutbox(1_000, 10), []) },
        { name: 'no timer at all: nothing due, no next', run: async (s) => {
          assert.deepEqual(await s.dueTimers(Number.MAX_SAFE_INTEGER), []);
          assert.equal(await s.nextDue(), undefined);
        } },
        { name: 'no profile ids, unknown ones, an unknown sandbox or segment', run: async (s) => {
          assert.deepEqual(await s.membershipsOfPids('sb', []), []);
          assert.deepEqual(await s.membershipsOfPids('nowhere', ['p1']), []);
          assert.deepEqual(await s.members('sb', 'nope'), []);
          assert.deepEqual(await s.counts('nowhere'), new Map());
          await s.dropSegment('sb', 'nope');
        } },
        { name: 'removing what is not there: a membership, a timer', run: async (s) => {
          await unit(s, undefined, () => {
            s.deleteMembership('sb', 's1', 'p1');
            s.setTimer('sb', { namespace: 'Email', id: 'none' }, undefined);
          });
          assert.deepEqual(await s.memberships('sb', 's1'), []);
        } },
        { name: 'commit and rollback without a unit, an empty unit', run: async (s) => {
          await s.commit();
          await s.rollback();
          await unit(s, { sb: 'sb' }, () => undefined);
          assert.deepEqual(await s.readOutbox(0, 10), []);
        } },
      ];
      for (const c of cases) it(c.name, withStore(c.run));
    });
  });
}
