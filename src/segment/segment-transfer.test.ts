import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../store/postgres/testing/pg-test-schema.js';
import { transferContract } from '../store/transfer.contract.js';
import { allRows } from '../store/transfer.js';
import type { IdentityRef } from '../profile/identity-resolver.js';
import { SqliteSegmentStore } from './sqlite-segment-store.js';
import { PgSegmentStore } from './pg-segment-store.js';
import type { MembershipRow, SegmentStore } from './segment-store.js';

type Store = SqliteSegmentStore | PgSegmentStore;
const h = sqliteAdapterHarness('segment', (db) => new SqliteSegmentStore(db));
const pg = pgFreshSchemas('segment_transfer');
const openPg = async () => PgSegmentStore.open({ pool: pg.pool, schema: await pg.fresh() });

const T0 = Date.UTC(2026, 0, 2); // past 2^31: times are 64-bit
const SB = ['sb1', 'sb\u00002'];
const SEGMENTS = ['seg-a', 'seg\u0000b', 'seg-c'];
const STATUSES = ['realized', 'existing', 'exited'] as const;
const pids = Array.from({ length: 700 }, (_, i) => (i === 3 ? 'pid\u0000odd' : `pid${i}`));
const refOf = (pid: string): IdentityRef => ({ namespace: 'Email', id: `${pid}@x.com` });

async function unit(s: SegmentStore, sb: string, ps: string[], fn: () => void): Promise<void> {
  await s.begin();
  await s.prefetch(sb, ps, ps.map(refOf));
  fn();
  await s.commit();
}

async function seed(s: Store): Promise<void> {
  for (const sb of SB) {
    await s.rememberSandbox(sb);
    await unit(s, sb, pids, () => {
      pids.forEach((pid, i) => {
        for (const [j, segmentId] of SEGMENTS.entries())
          if ((i + j) % 2 === 0) s.putMembership(sb, { segmentId, pid, ref: refOf(pid), status: STATUSES[(i + j) % 3]!, lastQualificationTime: T0 + i, version: 1 + (i % 4) });
        if (i % 7 === 0) s.setTimer(sb, refOf(pid), T0 + 1000 * i);
        if (i % 50 === 0) s.addOutbox(sb, T0 + i, { _id: `ev-${sb}-${i}`, eventType: 'segmentMembership.realized', note: 'ü\u0000' });
      });
    });
  }
  await s.trimOutbox(5); // the outbox starts past 1: the lake flushed the first rows
  await s.markOpen(); // stopped uncleanly: the target recovers as the source would
}

const sortedRows = (rows: MembershipRow[]) => [...rows].sort((a, b) => (`${a.pid}/${a.segmentId}` < `${b.pid}/${b.segmentId}` ? -1 : 1));

async function check(a: Store, b: Store): Promise<void> {
  for (const sb of [...SB, 'never']) {
    assert.deepEqual(sortedRows(await b.membershipsOfPids(sb, pids)), sortedRows(await a.membershipsOfPids(sb, pids)), `memberships ${JSON.stringify(sb)}`);
    for (const seg of [...SEGMENTS, 'none']) {
      assert.deepEqual(await b.members(sb, seg), await a.members(sb, seg));
      assert.deepEqual(await b.memberships(sb, seg), await a.memberships(sb, seg));
    }
    assert.deepEqual(await b.counts(sb), await a.counts(sb));
  }
  const byKey = (ts: Awaited<ReturnType<SegmentStore['dueTimers']>>) => [...ts].sort((x, y) => x.due - y.due || (`${x.sandboxId}/${x.ref.id}` < `${y.sandboxId}/${y.ref.id}` ? -1 : 1));
  assert.deepEqual(byKey(await b.dueTimers(T0 + 10_000_000, 10_000)), byKey(await a.dueTimers(T0 + 10_000_000, 10_000)));
  assert.equal(await b.nextDue(), await a.nextDue());
  assert.deepEqual(await b.readOutbox(0, 1000), await a.readOutbox(0, 1000));
  assert.equal(await b.firstOutboxSeq(), await a.firstOutboxSeq());
  assert.deepEqual(await b.activeSandboxes(), await a.activeSandboxes());
  assert.deepEqual([await b.markOpen(), await a.markOpen()], [true, true], 'the unclean stop moves with the state');
}

transferContract<Store>(
  'segment',
  { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteSegmentStore) },
  { name: 'postgres', create: openPg, destroy: async (s) => s.close() },
  seed,
  check,
  [
    ['a membership of an unknown status', [{ t: 'membership', sandbox: 's', segment: 'g', pid: 'p', namespace: 'n', id: 'i', status: 'maybe', qualifiedAt: 1, version: 1 }]],
    ['a timer whose due time is text', [{ t: 'timer', sandbox: 's', namespace: 'n', id: 'i', due: '1' }]],
    ['an outbox row at number 0', [{ t: 'outbox', seq: 0, sandbox: 's', ts: 1, record: '{}', id: 'e' }]],
    ['an outbox row whose record is not JSON', [{ t: 'outbox', seq: 3, sandbox: 's', ts: 1, record: '{', id: 'e' }]],
    ['a meta value holding NUL', [{ t: 'meta', k: 'open', v: '\u0000' }]],
    ['an active sandbox without its id', [{ t: 'active' }]],
  ],
);

describe('segment import: the outbox numbers on after the imported rows', () => {
  for (const [name, create, destroy] of [
    ['sqlite', () => h.create(), (s: Store) => h.destroy(s as SqliteSegmentStore)],
    ['postgres', openPg, (s: Store) => s.close()],
  ] as const)
    it(`${name}: the next audience event gets the number after the largest imported`, async () => {
      const src = await h.create();
      const dst = await create();
      try {
        await unit(src, 'sb', [], () => {
          for (let i = 0; i < 12; i++) src.addOutbox('sb', T0, { _id: `e${i}` });
        });
        await src.trimOutbox(10);
        await dst.importRows(await allRows(src));
        await unit(dst, 'sb', [], () => dst.addOutbox('sb', T0, { _id: 'next' }));
        assert.deepEqual((await dst.readOutbox(0, 100)).map((r) => `${r.seq}:${r.id}`), ['11:e10', '12:e11', '13:next']);
      } finally {
        await h.destroy(src);
        await destroy(dst);
      }
    });
});
