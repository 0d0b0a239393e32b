import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../store/postgres/testing/pg-test-schema.js';
import { transferContract } from '../store/transfer.contract.js';
import { allRows } from '../store/transfer.js';
import { SqliteIdentityStore } from './sqlite-identity-store.js';
import { PgIdentityStore } from './pg-identity-store.js';
import type { Edge, HistoryEntry, IdentityNode, LinkObservation } from './graph-types.js';
import { xidOf } from './xid.js';

type Store = SqliteIdentityStore | PgIdentityStore;
const h = sqliteAdapterHarness('identity', (db) => new SqliteIdentityStore(db));
const pg = pgFreshSchemas('identity_transfer');
const openPg = async () => PgIdentityStore.open({ pool: pg.pool, schema: await pg.fresh() });

const SANDBOXES = ['sb1', '\u0000sb', 'sb3'];
const obs = (t: number, batch: string, ids: Array<[string, string]>): LinkObservation => ({
  t, dataset: t % 2 ? 'd1' : 'd\u00002', batch, record: `r${t}`,
  identities: ids.map(([ns, id]) => ({ ns, id, type: 'CROSS_DEVICE', xid: xidOf(ns, id) })),
});
const people = (n: number, from: number, batch: string) => Array.from({ length: n }, (_, k) => obs(from + k, batch, [['CRMID', `c${(from + k) % 90}`], ['Email', `p${(from + k) % 70}@x.com`]]));
const node = (ns: string, id: string, t: number): IdentityNode => ({ xid: xidOf(ns, id), ns, id, type: 'CROSS_DEVICE', firstSeen: t, lastSeen: t + 1 });
const nodes = Array.from({ length: 300 }, (_, i) => node('CRMID', `c${i}`, i));
const edges: Edge[] = nodes.slice(1).map((n, i) => ({ a: nodes[i]!.xid, b: n.xid, firstSeen: i, lastSeen: i + 2, datasets: ['d1', 'd\u00002'], batches: [`b${i % 3}`], lastRecord: `r${i}` }));
const hist = (at: number, a: string, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({ at, op: 'cut', a, ...extra });
const HISTORY = [hist(1, nodes[0]!.xid, { b: nodes[1]!.xid, rule: 'unique', record: 'r\u00001', dataset: 'd1', batch: 'b1', detail: 'ü😀' }), hist(2, nodes[0]!.xid, { op: 'evict' }), hist(3.5, nodes[2]!.xid, { b: nodes[0]!.xid })];

async function seed(s: Store): Promise<void> {
  // sb1: checkpointed graph, observations after it, a removed batch, history
  await s.append('sb1', people(1200, 0, 'b1'), HISTORY);
  await s.checkpoint('sb1', { nodes, edges });
  await s.append('sb1', [...people(30, 2000, 'b2'), ...people(20, 3000, 'b3')], []);
  await s.checkpoint('sb1', { nodes: [{ xid: nodes[5]!.xid, deleted: true }], edges: [{ key: `${edges[0]!.a}|${edges[0]!.b}`, deleted: true }] });
  await s.append('sb1', people(15, 4000, 'b4'), [hist(9, nodes[3]!.xid, { op: 'unlink' })]);
  assert.equal(await s.removeObservations('sb1', { batchId: 'b2' }), 30);
  // a NUL in the sandbox id, a generation without a later checkpoint
  await s.append('\u0000sb', people(5, 0, 'x'), []);
  await s.checkpoint('\u0000sb', { nodes: nodes.slice(0, 3), edges: [] }, undefined, { newGeneration: true });
  // a recomputed graph
  await s.append('sb3', people(10, 0, 'y'), []);
  await s.replaceGraph('sb3', nodes.slice(10, 20), edges.slice(10, 18), [hist(4, nodes[10]!.xid, { op: 'unlink', batch: 'y' })]);
}

const sorted = (g: { nodes: IdentityNode[]; edges: Edge[] }) => ({
  nodes: [...g.nodes].sort((p, q) => (p.xid < q.xid ? -1 : 1)),
  edges: [...g.edges].sort((p, q) => (`${p.a}|${p.b}` < `${q.a}|${q.b}` ? -1 : 1)),
});

async function check(a: Store, b: Store): Promise<void> {
  for (const sb of [...SANDBOXES, 'never']) {
    assert.deepEqual(sorted(await b.load(sb)), sorted(await a.load(sb)), `load ${JSON.stringify(sb)}`);
    const [la, lb] = [await a.loadAt(sb), await b.loadAt(sb)];
    assert.deepEqual({ ...sorted(lb), seq: lb.seq, generation: lb.generation }, { ...sorted(la), seq: la.seq, generation: la.generation }, `loadAt ${JSON.stringify(sb)}`);
    for (const [after, max] of [[0, 100_000], [0, 3], [la.seq, 100_000]] as const) assert.deepEqual(await b.tail(sb, after, max), await a.tail(sb, after, max), `tail ${JSON.stringify(sb)} ${after} ${max}`);
    assert.deepEqual(await b.observations(sb), await a.observations(sb), `observations ${JSON.stringify(sb)}`);
    assert.deepEqual(await b.pendingObservations(sb), await a.pendingObservations(sb), `pending ${JSON.stringify(sb)}`);
    for (const n of nodes.slice(0, 12)) assert.deepEqual(await b.history(sb, n.xid), await a.history(sb, n.xid), `history ${JSON.stringify(sb)}`);
  }
}

transferContract<Store>(
  'identity',
  { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteIdentityStore) },
  { name: 'postgres', create: openPg, destroy: async (s) => s.close() },
  seed,
  check,
  [
    ['a chunk whose data is not JSON', [{ t: 'chunk', sandbox: 'sb', seq: 1, kind: 'N', n: 1, data: '{x' }]],
    ['a chunk of an unknown kind', [{ t: 'chunk', sandbox: 'sb', seq: 1, kind: 'Q', n: 1, data: '{}' }]],
    ['an observation at position 0', [{ t: 'obs', sandbox: 'sb', seq: 0, at: 1, dataset: 'd', batch: 'b', record: '*', identities: '{}', removed: false }]],
    ['an observation whose removed flag is a number', [{ t: 'obs', sandbox: 'sb', seq: 9, at: 1, dataset: 'd', batch: 'b', record: '*', identities: '{}', removed: 0 }]],
    ['a history entry without its operation', [{ t: 'history', sandbox: 'sb', seq: 1, at: 1, a: 'x', b: null, rule: null, record: null, dataset: null, batch: null, detail: null }]],
    ['a history entry with an absent field left out instead of null', [{ t: 'history', sandbox: 'sb', seq: 1, at: 1, op: 'cut', a: 'x' }]],
    ['a mark with a negative generation', [{ t: 'mark', sandbox: 'sb', seq: 0, generation: -1 }]],
  ],
);

describe('identity import: the store writes on after the imported rows', () => {
  for (const [name, create, destroy] of [
    ['sqlite', () => h.create(), (s: Store) => h.destroy(s as SqliteIdentityStore)],
    ['postgres', openPg, (s: Store) => s.close()],
  ] as const)
    it(`${name}: the next append and history entry come after the imported positions`, async () => {
      const src = await h.create();
      const dst = await create();
      try {
        await src.append('sb', people(40, 0, 'b1'), [hist(1, nodes[0]!.xid)]);
        await src.checkpoint('sb', { nodes: nodes.slice(0, 5), edges: [] });
        for (const b of [await allRows(src)]) await dst.importRows(b);
        const mark = (await dst.loadAt('sb')).seq;
        await dst.append('sb', people(3, 500, 'b2'), [hist(2, nodes[0]!.xid, { op: 'evict' })]);
        const t = await dst.tail('sb', mark, 100);
        assert.deepEqual(t.observations.map((o) => o.t), [500, 501, 502]);
        assert.ok(t.seq > mark);
        assert.deepEqual((await dst.history('sb', nodes[0]!.xid)).map((x) => x.op), ['evict', 'cut']);
      } finally {
        await h.destroy(src);
        await destroy(dst);
      }
    });
});
