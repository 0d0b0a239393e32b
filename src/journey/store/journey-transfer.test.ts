import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';
import { transferContract } from '../../store/transfer.contract.js';
import { allRows } from '../../store/transfer.js';
import type { JourneyInstance } from '../journey-types.js';
import { instance, stepEvent } from './testing/journey-store-fixtures.js';
import { SqliteJourneyStore } from './sqlite-journey-store.js';
import { PgJourneyStore } from './pg-journey-store.js';

type Store = SqliteJourneyStore | PgJourneyStore;
const h = sqliteAdapterHarness('journey', (db) => new SqliteJourneyStore(db));
const pg = pgFreshSchemas('journey_transfer');
const openPg = async () => PgJourneyStore.open({ pool: pg.pool, schema: await pg.fresh() });

const T0 = Date.UTC(2026, 0, 2); // past 2^31: times are 64-bit
const SB = ['sb1', 'sb\u00002'];
const N = 700; // instances per sandbox: more than one export batch in all
const keyOf = (i: number) => (i === 3 ? 'Email:odd\u0000' : `Email:p${i}`);
const byId = (xs: JourneyInstance[]) => [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

async function seed(s: Store): Promise<void> {
  for (const sb of SB) {
    await s.enqueue(Array.from({ length: 40 }, (_, i) => ({ sandboxId: sb, personKey: keyOf(i), kind: i % 2 ? 'audience' : 'event', dedupeKey: `in-${i}\u0000`, payload: JSON.stringify({ i, s: 'ü' }), at: T0 + i })));
    const instances = Array.from({ length: N }, (_, i) =>
      instance(`${sb}-i${i}`, {
        sandboxId: sb, personKey: keyOf(i), journeyId: `j${i % 3}`, versionId: `v${i % 5}`, enteredAt: T0 + i,
        ...(i % 4 === 0 ? { status: 'ended' as const, endedAt: T0 + i + 1 } : i % 4 === 1 ? { status: 'waiting' as const, wait: { kind: 'timer' as const, due: T0 + 1000 * i } } : {}),
        trigger: { _id: `ev-${i}`, note: 'ü\u0000' },
      }),
    );
    await s.commit({ instances, stepEvents: instances.filter((_, i) => i % 10 === 0).map((x) => stepEvent(`${x.id}:0`, { sandboxId: sb })), cursors: { [`audience:${sb}`]: T0 + 7 } });
  }
  const inbox = await s.readInbox(0, 1000);
  await s.commit({ consumed: inbox.filter((_, i) => i % 3 === 0).map((x) => x.seq) });
  await s.trimInbox(T0 + 10); // consumed items of the first ten: their keys forgotten
  await s.trimOutbox(5); // the lake copied the first rows
}

async function check(a: Store, b: Store): Promise<void> {
  // (consumed items, which only deduplicate, are compared as rows by the contract: enqueueing here would move PostgreSQL's mark)
  assert.deepEqual(await b.readInbox(0, 10_000), await a.readInbox(0, 10_000));
  for (const sb of [...SB, 'never']) {
    for (let v = 0; v < 6; v++) assert.deepEqual(byId(await b.instancesOfVersion(sb, `v${v}`)), byId(await a.instancesOfVersion(sb, `v${v}`)), `${JSON.stringify(sb)} v${v}`);
    const keys = Array.from({ length: 50 }, (_, i) => keyOf(i));
    assert.deepEqual(byId(await b.instancesOf(sb, keys)), byId(await a.instancesOf(sb, keys)));
    for (const j of ['j0', 'j1', 'j2']) for (const k of keys.slice(0, 8)) {
      assert.deepEqual(await b.activeInstance(sb, j, k), await a.activeInstance(sb, j, k));
      assert.deepEqual(await b.lastInstance(sb, j, k), await a.lastInstance(sb, j, k));
    }
    assert.equal(await b.cursor(`audience:${sb}`), await a.cursor(`audience:${sb}`));
  }
  assert.deepEqual(byId(await b.due(Number.MAX_SAFE_INTEGER, 10_000)), byId(await a.due(Number.MAX_SAFE_INTEGER, 10_000)));
  assert.equal(await b.nextDue(), await a.nextDue());
  assert.deepEqual(await b.readOutbox(0, 10_000), await a.readOutbox(0, 10_000));
}

transferContract<Store>(
  'journey',
  { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteJourneyStore) },
  { name: 'postgres', create: openPg, destroy: async (s) => s.close() },
  seed,
  check,
  [
    ['an inbox item at number 0', [{ t: 'inbox', seq: 0, sandbox: 's', personKey: 'k', kind: 'event', dedupeKey: 'd', payload: '{}', at: 1, consumed: false }]],
    ['an inbox item of an unknown kind', [{ t: 'inbox', seq: 9, sandbox: 's', personKey: 'k', kind: 'email', dedupeKey: 'd', payload: '{}', at: 1, consumed: false }]],
    ['an instance whose document is not JSON', [{ t: 'instance', doc: '{"id":' }]],
    ['an instance without a person key', [{ t: 'instance', doc: JSON.stringify({ ...instance('x'), personKey: undefined }) }]],
    ['an instance of an unknown status', [{ t: 'instance', doc: JSON.stringify({ ...instance('x'), status: 'paused' }) }]],
    ['an outbox row whose event is not JSON', [{ t: 'outbox', seq: 3, event: '{' }]],
    ['a cursor whose value is text', [{ t: 'cursor', name: 'c', value: '1' }]],
    ['a sequence mark of an unknown table', [{ t: 'seq', table: 'instance', value: 3 }]],
  ],
);

describe('journey import: sequence numbers go on after the source\'s, even when it had trimmed every row', () => {
  for (const [name, create, destroy] of [
    ['sqlite', () => h.create(), (s: Store) => h.destroy(s as SqliteJourneyStore)],
    ['postgres', openPg, (s: Store) => s.close()],
  ] as const)
    it(`into ${name}: the next step event and the next input are numbered after everything the source handed out`, async () => {
      const src = await create();
      const dst = await create();
      try {
        await src.enqueue(['a', 'b', 'c'].map((k) => ({ sandboxId: 'sb', personKey: 'k', kind: 'event' as const, dedupeKey: k, payload: '{}', at: T0 })));
        await src.commit({ stepEvents: Array.from({ length: 12 }, (_, i) => stepEvent(`i:${i}`)), consumed: (await src.readInbox(0, 10)).map((x) => x.seq) });
        const lastOut = (await src.readOutbox(0, 100)).at(-1)!.seq;
        await src.trimOutbox(lastOut);
        await src.trimInbox(T0 + 1);
        const rows = await allRows(src);
        assert.deepEqual(rows.map((r) => (r as { t: string }).t), ['seq', 'seq'], 'only the marks are left');
        await dst.importRows(rows);
        await dst.commit({ stepEvents: [stepEvent('next:0')] });
        await dst.enqueue([{ sandboxId: 'sb', personKey: 'k', kind: 'event', dedupeKey: 'a', payload: '{}', at: T0 }]);
        assert.ok((await dst.readOutbox(0, 10))[0]!.seq > lastOut);
        assert.ok((await dst.readInbox(0, 10))[0]!.seq > 3);
      } finally {
        await destroy(src);
        await destroy(dst);
      }
    });
});
