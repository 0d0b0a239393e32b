import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StepEvent } from '../journey-types.js';
import type { InboxItem, JourneyStore, JourneyUnit } from './journey-store.js';
import { inboxItem, instance, KEY, stepEvent, T0, waiting } from './testing/journey-store-fixtures.js';

export interface JourneyStoreHarness {
  /** A fresh, empty store. */
  create(): Promise<JourneyStore>;
  /** The same data through a new adapter instance (a restart). */
  reopen(s: JourneyStore): Promise<JourneyStore>;
  destroy(s: JourneyStore): Promise<void>;
  /** Makes the store's database refuse (a trigger raising) any outbox row of the step event with this id. */
  refuseStepEvent(s: JourneyStore, eventId: string): Promise<void>;
}

const item = inboxItem;
const keys = (items: InboxItem[]) => items.map((i) => `${i.sandboxId}/${i.dedupeKey}`);
const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id);
const increasing = (seqs: number[]) => seqs.every((s, i) => i === 0 || s > seqs[i - 1]!);

/** The contract every JourneyStore adapter runs. */
export function journeyStoreContract(name: string, h: JourneyStoreHarness): void {
  /** A fresh store per test; a test that reopens it returns the store it ends with. */
  const withStore = (fn: (s: JourneyStore) => Promise<JourneyStore | void>) => async () => {
    let s = await h.create();
    try {
      s = (await fn(s)) ?? s;
    } finally {
      await h.destroy(s);
    }
  };

  describe(`JourneyStore contract: ${name}`, () => {
    describe('inbox', () => {
      it('enqueue answers how many were new: a (sandbox, dedupeKey) seen before is skipped, in one batch or a later one', withStore(async (s) => {
        assert.equal(await s.enqueue([item('a'), item('b'), item('a', { payload: '{"second":true}' })]), 2);
        assert.equal(await s.enqueue([item('b'), item('c')]), 1);
        assert.equal(await s.enqueue([item('a', { sandboxId: 'other' })]), 1, 'the same key in another sandbox is another input');
        const all = await s.readInbox(0, 100);
        assert.deepEqual(keys(all), ['sb/a', 'sb/b', 'sb/c', 'other/a']);
        assert.ok(increasing(all.map((i) => i.seq)));
        assert.deepEqual(all[0], { seq: all[0]!.seq, ...item('a') }, 'every field round-trips; the first delivery is kept');
      }));

      it('consumed items are hidden yet still deduplicate; trimInbox forgets consumed ones enqueued before a time, and their keys', withStore(async (s) => {
        await s.enqueue([item('a'), item('b', { at: T0 + 10 }), item('c', { at: T0 + 20 })]);
        const [a, b, c] = await s.readInbox(0, 10);
        await s.commit({ consumed: [a!.seq, b!.seq] });
        assert.deepEqual(keys(await s.readInbox(0, 10)), ['sb/c']);
        assert.equal(await s.enqueue([item('a'), item('b')]), 0, 'a replayed input that was consumed is not enqueued again');
        assert.equal(await s.trimInbox(T0 + 10), 1, 'only a: consumed and enqueued before T0+10');
        assert.equal(await s.enqueue([item('a'), item('b')]), 1, 'a is accepted again, b is still known');
        const after = await s.readInbox(0, 10);
        assert.deepEqual(keys(after), ['sb/c', 'sb/a']);
        assert.ok(after[1]!.seq > c!.seq, 'a new seq, after everything before it');
        assert.equal(await s.trimInbox(T0 + 1000), 1, 'b; unconsumed items are never trimmed');
        assert.deepEqual(keys(await s.readInbox(0, 10)), ['sb/c', 'sb/a']);
      }));

      it('reads unconsumed items in seq order after a seq, up to a limit', withStore(async (s) => {
        await s.enqueue(['a', 'b', 'c', 'd', 'e'].map((k, i) => item(k, { personKey: i % 2 ? 'Email:b' : KEY, kind: i % 2 ? 'audience' : 'event' })));
        const seq = (await s.readInbox(0, 10)).map((i) => i.seq);
        await s.commit({ consumed: [seq[2]!] });
        const cases: Array<[after: number, limit: number, want: string[]]> = [
          [0, 10, ['a', 'b', 'd', 'e']],
          [seq[0]!, 10, ['b', 'd', 'e']],
          [seq[1]!, 1, ['d']],
          [0, 2, ['a', 'b']],
          [seq[4]!, 10, []],
        ];
        for (const [afterSeq, limit, want] of cases) assert.deepEqual((await s.readInbox(afterSeq, limit)).map((i) => i.dedupeKey), want, `after ${afterSeq}, limit ${limit}`);
      }));

      it('seqs never go back, even once every item was consumed and trimmed, across a restart', withStore(async (s) => {
        await s.enqueue([item('a'), item('b')]);
        const before = await s.readInbox(0, 10);
        await s.commit({ consumed: before.map((i) => i.seq) });
        assert.equal(await s.trimInbox(T0 + 1), 2);
        s = await h.reopen(s);
        await s.enqueue([item('c')]);
        const [c] = await s.readInbox(0, 10);
        assert.ok(c!.seq > before[1]!.seq);
        return s;
      }));
    });

    describe('instances', () => {
      it('inserted, read by id with every field, replaced by id', withStore(async (s) => {
        const full = waiting('i1', T0 + 60_000, { wait: { kind: 'action', due: T0 + 1, attempt: 2 }, trigger: { _id: 'e1', nested: { list: [1, 'ü-😀', null], nul: '\u0000' } }, instanceType: 'batch', inTest: true, steps: 3 });
        await s.commit({ instances: [full, instance('i2')] });
        assert.deepEqual(await s.instance('i1'), full);
        const ended = { ...full, status: 'ended' as const, endedAt: T0 + 5, steps: 4, nodeId: 'n9' };
        await s.commit({ instances: [ended] });
        assert.deepEqual(await s.instance('i1'), ended);
        assert.deepEqual(ids(await s.instancesOfVersion('sb', 'v1')), ['i1', 'i2'], 'replaced, not added');
        await s.commit({ instances: [instance('i3', { steps: 1 }), instance('i3', { steps: 2 })] });
        assert.equal((await s.instance('i3'))?.steps, 2, 'the last write of an id in a unit wins');
      }));

      it('instancesOf: every instance of several person keys, oldest entry first; other people and sandboxes are invisible', withStore(async (s) => {
        await s.commit({ instances: [
          instance('late', { enteredAt: T0 + 30, personKey: 'ECID:1' }),
          instance('ended', { enteredAt: T0 + 10, status: 'ended', endedAt: T0 + 11 }),
          instance('early', { enteredAt: T0, journeyId: 'j2' }),
          instance('mid', { enteredAt: T0 + 20, personKey: 'ECID:1', journeyId: 'j3' }),
          instance('stranger', { enteredAt: T0 + 1, personKey: 'ECID:2' }),
          instance('elsewhere', { enteredAt: T0 + 2, sandboxId: 'other' }),
        ] });
        assert.deepEqual(ids(await s.instancesOf('sb', [KEY, 'ECID:1'])), ['early', 'ended', 'mid', 'late']);
        assert.deepEqual(ids(await s.instancesOf('sb', ['ECID:1', 'ECID:1', 'absent'])), ['mid', 'late']);
        assert.deepEqual(ids(await s.instancesOf('other', [KEY])), ['elsewhere']);
      }));

      it('activeInstance and lastInstance per (journey, person key), any version', withStore(async (s) => {
        await s.commit({ instances: [
          instance('j1-old', { status: 'ended', enteredAt: T0, endedAt: T0 + 1 }),
          waiting('j1-now', T0 + 100, { enteredAt: T0 + 10, versionId: 'v2' }),
          instance('j2-old', { journeyId: 'j2', status: 'ended', enteredAt: T0 + 5, endedAt: T0 + 6 }),
          instance('j1-other', { personKey: 'ECID:9', enteredAt: T0 + 50 }),
        ] });
        const cases: Array<[sb: string, journey: string, key: string, active: string | undefined, last: string | undefined]> = [
          ['sb', 'j1', KEY, 'j1-now', 'j1-now'],
          ['sb', 'j2', KEY, undefined, 'j2-old'],
          ['sb', 'j3', KEY, undefined, undefined],
          ['sb', 'j1', 'ECID:9', 'j1-other', 'j1-other'],
          ['other', 'j1', KEY, undefined, undefined],
        ];
        for (const [sb, j, key, active, last] of cases) {
          assert.equal((await s.activeInstance(sb, j, key))?.id, active, `active ${sb}/${j}/${key}`);
          assert.equal((await s.lastInstance(sb, j, key))?.id, last, `last ${sb}/${j}/${key}`);
          assert.equal((await s.lastInstances(sb, j, [key, 'absent', key])).get(key)?.id, last, `lastInstances ${sb}/${j}/${key}`);
        }
        const many = await s.lastInstances('sb', 'j1', ['ECID:9', KEY, 'absent']);
        assert.deepEqual([...many].map(([k, i]) => [k, i.id]).sort(), [['ECID:9', 'j1-other'], [KEY, 'j1-now']].sort());
        await s.commit({ instances: [instance('j1-now', { status: 'ended', enteredAt: T0 + 10, versionId: 'v2' })] });
        assert.equal(await s.activeInstance('sb', 'j1', KEY), undefined);
        assert.equal((await s.lastInstance('sb', 'j1', KEY))?.id, 'j1-now');
      }));

      it('instancesOfVersion: by id, filtered by status, paged with after and limit', withStore(async (s) => {
        await s.commit({ instances: [
          instance('e', { status: 'ended' }), waiting('b', T0), instance('d'), instance('a', { status: 'ended' }), instance('c'),
          instance('x', { versionId: 'v2' }), instance('y', { sandboxId: 'other' }),
        ] });
        const cases: Array<[q: Parameters<JourneyStore['instancesOfVersion']>[2], want: string[]]> = [
          [undefined, ['a', 'b', 'c', 'd', 'e']],
          [{ status: 'active' }, ['b', 'c', 'd']],
          [{ status: 'ended' }, ['a', 'e']],
          [{ limit: 2 }, ['a', 'b']],
          [{ after: 'b', limit: 2 }, ['c', 'd']],
          [{ after: 'c', status: 'ended' }, ['e']],
          [{ after: 'e' }, []],
        ];
        for (const [q, want] of cases) assert.deepEqual(ids(await s.instancesOfVersion('sb', 'v1', q)), want, JSON.stringify(q));
        assert.deepEqual(ids(await s.instancesOfVersion('other', 'v1')), ['y']);
      }));
    });

    describe('due waits', () => {
      it('only active instances with a wait, earliest first, up to a limit; 64-bit times', withStore(async (s) => {
        assert.ok(T0 > 2 ** 31);
        await s.commit({ instances: [
          waiting('timer', T0 + 30),
          instance('event', { status: 'waiting', wait: { kind: 'event', eventType: 'click', due: T0 + 10 } }),
          instance('action', { status: 'running', wait: { kind: 'action', due: T0 + 20, attempt: 1 } }),
          waiting('ended', T0 + 1, { status: 'ended', endedAt: T0 }),
          instance('no-wait'),
          waiting('future', Date.UTC(2100, 0, 1)),
          waiting('elsewhere', T0 + 15, { sandboxId: 'other' }),
        ] });
        const cases: Array<[now: number, limit: number, want: string[]]> = [
          [T0 + 30, 100, ['event', 'elsewhere', 'action', 'timer']],
          [T0 + 29, 100, ['event', 'elsewhere', 'action']],
          [T0 + 30, 2, ['event', 'elsewhere']],
          [T0 + 9, 100, []],
          [Number.MAX_SAFE_INTEGER, 100, ['event', 'elsewhere', 'action', 'timer', 'future']],
        ];
        for (const [now, limit, want] of cases) assert.deepEqual(ids(await s.due(now, limit)), want, `now T0+${now - T0}, limit ${limit}`);
        assert.equal(await s.nextDue(), T0 + 10);
        await s.commit({ instances: [instance('event', { status: 'ended', endedAt: T0 + 3, wait: { kind: 'event', eventType: 'click', due: T0 + 10 } }), waiting('timer', T0 + 5)] });
        assert.equal(await s.nextDue(), T0 + 5, 'an ended instance leaves the wheel; a new wait moves an instance in it');
        assert.deepEqual(ids(await s.due(T0 + 15, 10)), ['timer', 'elsewhere']);
        s = await h.reopen(s);
        assert.deepEqual(ids(await s.due(T0 + 15, 10)), ['timer', 'elsewhere'], 'the wheel is durable');
        return s;
      }));
    });

    describe('step-event outbox', () => {
      const unitOf = (from: number, n: number): JourneyUnit => ({ stepEvents: Array.from({ length: n }, (_, i) => stepEvent(`i1:${from + i}`, { timestamp: T0 + from + i })) });

      it('appends in unit order across commits, every field round-trips; reads after a seq up to a limit', withStore(async (s) => {
        const odd = stepEvent('i1:0', { action: { actionID: 'a1', actionName: 'Call', actionType: 'http', actionExecutionTime: 12, actionExecutionError: 'http', actionExecutionErrorCode: '500', attempts: 3 }, eventName: 'ü "quoted" \u0000', reentrance: false });
        await s.commit({ stepEvents: [odd, ...unitOf(1, 2).stepEvents!] });
        await s.commit(unitOf(3, 2));
        const rows = await s.readOutbox(0, 100);
        assert.deepEqual(rows.map((r) => r.event.id), ['i1:0', 'i1:1', 'i1:2', 'i1:3', 'i1:4']);
        assert.deepEqual(rows[0]!.event, odd);
        assert.ok(increasing(rows.map((r) => r.seq)));
        const seq = rows.map((r) => r.seq);
        const cases: Array<[after: number, limit: number, want: number[]]> = [[seq[1]!, 10, seq.slice(2)], [0, 2, seq.slice(0, 2)], [seq[1]!, 1, [seq[2]!]], [seq[4]!, 10, []]];
        for (const [afterSeq, limit, want] of cases) assert.deepEqual((await s.readOutbox(afterSeq, limit)).map((r) => r.seq), want);
      }));

      it('trimOutbox removes rows up to a seq; seqs keep increasing once everything is trimmed, and across a restart', withStore(async (s) => {
        await s.commit(unitOf(0, 4));
        const seq = (await s.readOutbox(0, 10)).map((r) => r.seq);
        await s.trimOutbox(seq[1]!);
        assert.deepEqual((await s.readOutbox(0, 10)).map((r) => r.seq), seq.slice(2));
        await s.trimOutbox(seq[3]!);
        assert.deepEqual(await s.readOutbox(0, 10), []);
        s = await h.reopen(s);
        await s.commit(unitOf(4, 1));
        const [next] = await s.readOutbox(0, 10);
        assert.ok(next!.seq > seq[3]!, 'a new event is after what the lake has');
        return s;
      }));
    });

    describe('cursors', () => {
      it('0 until set; set by a unit, replaced, independent, kept across a restart', withStore(async (s) => {
        assert.equal(await s.cursor('audience-events'), 0);
        await s.commit({ cursors: { 'audience-events': 5, other: T0 } });
        await s.commit({ cursors: { 'audience-events': 9 } });
        s = await h.reopen(s);
        assert.equal(await s.cursor('audience-events'), 9);
        assert.equal(await s.cursor('other'), T0);
        assert.equal(await s.cursor('never'), 0);
        return s;
      }));
    });

    describe('commit is atomic', () => {
      /** Store state a unit may change, for before/after comparisons. */
      const snapshot = async (s: JourneyStore) => ({
        instances: await s.instancesOfVersion('sb', 'v1'),
        outbox: await s.readOutbox(0, 100),
        inbox: await s.readInbox(0, 100),
        cursor: await s.cursor('c'),
        nextDue: await s.nextDue(),
      });
      const seed = async (s: JourneyStore) => {
        await s.enqueue([item('in-1')]);
        await s.commit({ instances: [instance('old')], stepEvents: [stepEvent('old:0')], cursors: { c: 1 } });
        const [inbox] = await s.readInbox(0, 1);
        return (bad: Partial<JourneyUnit>): JourneyUnit => ({
          instances: [waiting('new', T0 + 5), instance('old', { status: 'ended', endedAt: T0 }), ...(bad.instances ?? [])],
          stepEvents: [stepEvent('new:0'), ...(bad.stepEvents ?? [])],
          consumed: [inbox!.seq],
          cursors: { c: 2 },
        });
      };

      it('every part of a unit is there together, and after a restart', withStore(async (s) => {
        const unit = await seed(s);
        await s.commit(unit({}));
        s = await h.reopen(s);
        const now = await snapshot(s);
        assert.deepEqual(now.instances.map((i) => `${i.id}:${i.status}`), ['new:waiting', 'old:ended']);
        assert.deepEqual(now.outbox.map((r) => r.event.id), ['old:0', 'new:0']);
        assert.deepEqual(now.inbox, []);
        assert.equal(now.cursor, 2);
        assert.equal(now.nextDue, T0 + 5);
        return s;
      }));

      it('a unit the database refuses part of (a trigger) applies nothing; the same unit without it commits', withStore(async (s) => {
        const unit = await seed(s);
        const before = await snapshot(s);
        await h.refuseStepEvent(s, 'bad:0');
        await assert.rejects(s.commit(unit({ stepEvents: [stepEvent('bad:0'), stepEvent('new:1')] })));
        assert.deepEqual(await snapshot(s), before);
        await s.commit(unit({}));
        assert.equal((await snapshot(s)).cursor, 2);
      }));

      const unserialisable: Array<{ name: string; bad: Partial<JourneyUnit> }> = [
        { name: 'an instance whose trigger holds a BigInt', bad: { instances: [instance('bigint', { trigger: { n: 10n } })] } },
        { name: 'a step event with a cycle', bad: { stepEvents: [(() => { const e = stepEvent('cyc:0') as StepEvent & { self?: unknown }; e.self = e; return e; })()] } },
      ];
      for (const c of unserialisable)
        it(`a unit that cannot be serialised (${c.name}) is refused whole`, withStore(async (s) => {
          const unit = await seed(s);
          const before = await snapshot(s);
          await assert.rejects(s.commit(unit(c.bad)), TypeError);
          assert.deepEqual(await snapshot(s), before);
          assert.equal(await s.instance('bigint'), undefined);
        }));

      it('a unit of 5,000 instances and 5,000 step events (batch entry) commits whole', withStore(async (s) => {
        const n = 5000;
        const pad = (i: number) => String(i).padStart(5, '0');
        await s.commit({
          instances: Array.from({ length: n }, (_, i) => waiting(`b${pad(i)}`, T0 + i, { personKey: `Email:${i}`, instanceType: 'batch' })),
          stepEvents: Array.from({ length: n }, (_, i) => stepEvent(`b${pad(i)}:0`)),
        });
        assert.equal((await s.instancesOfVersion('sb', 'v1')).length, n);
        assert.deepEqual(ids(await s.due(T0 + n, 3)), ['b00000', 'b00001', 'b00002']);
        assert.equal((await s.due(T0 + n, n)).length, n);
        const out = await s.readOutbox(0, n + 1);
        assert.equal(out.length, n);
        assert.equal(out.at(-1)!.event.id, `b${pad(n - 1)}:0`, 'in order');
      }));
    });

    it('sandboxes are isolated: the same keys, journeys and versions in two sandboxes', withStore(async (s) => {
      assert.equal(await s.enqueue([item('k'), item('k', { sandboxId: 'sb2' })]), 2);
      await s.commit({ instances: [instance('i-sb'), instance('i-sb2', { sandboxId: 'sb2' })] });
      for (const [sb, id] of [['sb', 'i-sb'], ['sb2', 'i-sb2']] as const) {
        assert.deepEqual(ids(await s.instancesOf(sb, [KEY])), [id]);
        assert.equal((await s.activeInstance(sb, 'j1', KEY))?.id, id);
        assert.equal((await s.lastInstance(sb, 'j1', KEY))?.id, id);
        assert.deepEqual(ids(await s.instancesOfVersion(sb, 'v1')), [id]);
      }
      assert.deepEqual(ids(await s.instancesOf('sb3', [KEY])), []);
    }));

    describe('invalid input', () => {
      const cases: Array<{ name: string; run: (s: JourneyStore) => Promise<void> }> = [
        { name: 'empty arrays and an empty unit change nothing', run: async (s) => {
          assert.equal(await s.enqueue([]), 0);
          assert.deepEqual(await s.instancesOf('sb', []), []);
          assert.equal((await s.lastInstances('sb', 'j1', [])).size, 0);
          await s.commit({});
          await s.commit({ instances: [], stepEvents: [], consumed: [], cursors: {} });
          assert.deepEqual(await s.readOutbox(0, 10), []);
          assert.deepEqual(await s.readInbox(0, 10), []);
        } },
        { name: 'unknown ids, sandboxes, journeys, versions and cursors', run: async (s) => {
          assert.equal(await s.instance('nope'), undefined);
          assert.equal(await s.activeInstance('sb', 'nope', KEY), undefined);
          assert.equal(await s.lastInstance('nowhere', 'j1', KEY), undefined);
          assert.equal((await s.lastInstances('nowhere', 'j1', [KEY, ''])).size, 0);
          assert.deepEqual(await s.instancesOfVersion('sb', 'nope', { status: 'active' }), []);
          assert.equal(await s.cursor('never set'), 0);
          await s.commit({ consumed: [123_456] }); // consuming what is not there is harmless
        } },
        { name: 'a limit of 0 or below reads nothing', run: async (s) => {
          await s.enqueue([item('a')]);
          await s.commit({ instances: [waiting('w', T0)], stepEvents: [stepEvent('w:0')] });
          for (const limit of [0, -1, Number.NaN]) {
            assert.deepEqual(await s.readInbox(0, limit), []);
            assert.deepEqual(await s.readOutbox(0, limit), []);
            assert.deepEqual(await s.due(Number.MAX_SAFE_INTEGER, limit), []);
            assert.deepEqual(await s.instancesOfVersion('sb', 'v1', { limit }), []);
          }
          assert.equal((await s.readInbox(0, Number.POSITIVE_INFINITY)).length, 1, 'no bound');
        } },
        { name: 'reading after a huge seq, due before time began', run: async (s) => {
          await s.enqueue([item('a')]);
          await s.commit({ instances: [waiting('w', T0)], stepEvents: [stepEvent('w:0')] });
          for (const after of [Number.MAX_SAFE_INTEGER, 2 ** 62, Number.POSITIVE_INFINITY]) {
            assert.deepEqual(await s.readInbox(after, 10), []);
            assert.deepEqual(await s.readOutbox(after, 10), []);
          }
          assert.deepEqual(await s.due(0, 10), []);
          assert.deepEqual(await s.due(-1, 10), []);
        } },
        { name: 'trimming an empty store, nothing waiting', run: async (s) => {
          assert.equal(await s.trimInbox(Number.MAX_SAFE_INTEGER), 0);
          await s.trimOutbox(Number.MAX_SAFE_INTEGER);
          assert.deepEqual(await s.due(Number.MAX_SAFE_INTEGER, 10), []);
          assert.equal(await s.nextDue(), undefined);
        } },
        { name: 'ids and keys with NUL, quotes, unicode and 2,000 characters round-trip', run: async (s) => {
          const odd = ['a"b\'c', '\u0000nul', '\u0001lead', 'ü-😀', 'x'.repeat(2000)];
          assert.equal(await s.enqueue(odd.map((v) => item(v, { sandboxId: v, personKey: v, payload: JSON.stringify({ v }) }))), odd.length);
          assert.equal(await s.enqueue(odd.map((v) => item(v, { sandboxId: v }))), 0);
          assert.deepEqual((await s.readInbox(0, 10)).map((i) => [i.sandboxId, i.personKey, i.dedupeKey, JSON.parse(i.payload)]), odd.map((v) => [v, v, v, { v }]));
          await s.commit({ instances: odd.map((v) => instance(v, { sandboxId: v, personKey: v, journeyId: v, versionId: v })), cursors: Object.fromEntries(odd.map((v, i) => [v, i + 1])) });
          for (const [i, v] of odd.entries()) {
            assert.equal((await s.instance(v))?.id, v);
            assert.deepEqual(ids(await s.instancesOf(v, [v])), [v]);
            assert.equal((await s.activeInstance(v, v, v))?.id, v);
            assert.deepEqual(ids(await s.instancesOfVersion(v, v)), [v]);
            assert.equal(await s.cursor(v), i + 1);
          }
        } },
        { name: 'lone surrogates in ids, keys and payloads do not fail a unit (stored as U+FFFD, as UTF-8 text holds them)', run: async (s) => {
          const odd = instance('id-\ud800', { personKey: 'k-\udc00', journeyId: 'j-\ud800', trigger: { v: '\udfff' } });
          await s.commit({ instances: [odd], stepEvents: [stepEvent('id-\ud800:0', { nodeName: '\ud800' })], cursors: { 'c-\ud800': 1 } });
          assert.deepEqual(await s.instance('id-\ud800'), odd, 'the document keeps them');
          assert.deepEqual(ids(await s.instancesOf('sb', ['k-\udc00'])), ['id-\ud800']);
          assert.equal((await s.activeInstance('sb', 'j-\ud800', 'k-\udc00'))?.id, 'id-\ud800');
          assert.equal((await s.readOutbox(0, 10))[0]?.event.nodeName, '\ud800');
          assert.equal(await s.cursor('c-\ud800'), 1);
          assert.equal(await s.enqueue([item('d-\ud800', { personKey: 'k-\udc00', payload: '{"v":"\ud800"}' })]), 1);
          assert.equal(await s.enqueue([item('d-\ud800')]), 0);
        } },
      ];
      for (const c of cases) it(c.name, withStore(c.run));
    });
  });
}
