import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GraphEngine } from './graph-engine.js';
import { plainEdge, plainNode, type Edge, type HistoryEntry, type IdentityNode, type LinkObservation } from './graph-types.js';
import type { IdentityGraphStore } from './identity-store.js';
import { DEFAULT_RULES } from './linking-rules.js';
import { xidOf } from './xid.js';

export interface IdentityStoreHarness {
  /** A fresh, empty store. */
  create(): Promise<IdentityGraphStore>;
  /** The same data through a new adapter instance (a restart). */
  reopen(s: IdentityGraphStore): Promise<IdentityGraphStore>;
  /** Another adapter instance on the same data while `s` stays open (a replica reading outside the writer). */
  replica(s: IdentityGraphStore): Promise<IdentityGraphStore>;
  destroy(s: IdentityGraphStore): Promise<void>;
  /** Makes writing a snapshot chunk of links (kind 'E') fail ("disk full") until the returned function is called. */
  refuseLinkChunks(s: IdentityGraphStore): Promise<() => Promise<void>>;
  /** Rows the snapshot chunks of a sandbox hold (to see compaction). */
  snapshotRows(s: IdentityGraphStore, sandbox: string): Promise<number>;
}

type Ids = Array<[ns: string, id: string]>;
const TYPES: Record<string, string> = { CRMID: 'CROSS_DEVICE', Email: 'EMAIL', ECID: 'COOKIE', Phone: 'PHONE' };
const obs = (t: number, ids: Ids, batch = 'b1', dataset = 'd1', record = `r${t}`): LinkObservation => ({
  t,
  dataset,
  batch,
  record,
  identities: ids.map(([ns, id]) => ({ ns, id, type: TYPES[ns] ?? 'CROSS_DEVICE', xid: xidOf(ns, id) })),
});
const node = (ns: string, id: string, t = 1): IdentityNode => ({ xid: xidOf(ns, id), ns, id, type: TYPES[ns] ?? 'CROSS_DEVICE', firstSeen: t, lastSeen: t });
const edge = (x: IdentityNode, y: IdentityNode, t = 1, batches = ['b1']): Edge => {
  const [a, b] = x.xid < y.xid ? [x.xid, y.xid] : [y.xid, x.xid];
  return { a, b, firstSeen: t, lastSeen: t, datasets: ['d1'], batches, lastRecord: `r${t}` };
};
const byXid = (ns: IdentityNode[]) => [...ns].sort((p, q) => (p.xid < q.xid ? -1 : 1));
const byKey = (es: Edge[]) => [...es].sort((p, q) => (`${p.a}|${p.b}` < `${q.a}|${q.b}` ? -1 : 1));
const sameGraph = (got: { nodes: IdentityNode[]; edges: Edge[] }, want: { nodes: IdentityNode[]; edges: Edge[] }, msg?: string) =>
  assert.deepEqual({ nodes: byXid(got.nodes), edges: byKey(got.edges) }, { nodes: byXid(want.nodes), edges: byKey(want.edges) }, msg);
const graphOf = (g: GraphEngine) => ({ nodes: [...g.nodes.values()].map(plainNode), edges: [...g.edges.values()].map(plainEdge) });
const hist = (at: number, a: string, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({ at, op: 'cut', a, rule: 'unique', ...extra });

/** People with a CRM id, devices and an email; `from` offsets them (the same `from` again refreshes the same links). */
const people = (n: number, from = 0, batch = 'b1'): LinkObservation[] =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const p = i % 400;
    const ids: Ids = i % 3 === 0 ? [['CRMID', `c${p}`], ['ECID', String(i % 701).padStart(38, '1')]] : i % 3 === 1 ? [['Email', `p${p}@x.com`], ['CRMID', `c${p}`]] : [['CRMID', `c${p}`], ['Phone', `+1415555${String(p).padStart(4, '0')}`]];
    return obs(i, ids, batch);
  });

/** The contract every IdentityGraphStore adapter runs (observation log, snapshot chunks, history, replicas). */
export function identityStoreContract(name: string, h: IdentityStoreHarness): void {
  describe(`IdentityGraphStore contract: ${name}`, () => {
    let s: IdentityGraphStore;
    before(async () => {
      s = await h.create();
    });
    after(async () => h.destroy(s));

    /** What IdentityService does with the store: the engine decides, the store logs and checkpoints. */
    const writer = (sb: string, g = new GraphEngine(DEFAULT_RULES, { recordLinks: false })) => ({
      g,
      ingest: async (os: LinkObservation[]) => {
        for (const o of os) g.add(o);
        await s.append(sb, os, g.history.splice(0));
      },
      checkpoint: () => s.checkpoint(sb, g.takeChanges(), () => ({ nodes: g.nodes.values(), edges: g.edges.values(), size: g.nodes.size + g.edges.size })),
    });
    /** A replica of the writer's graph from loadAt, then tail pages of `max` observations. */
    const replicate = async (r: IdentityGraphStore, sb: string, max: number) => {
      const at = await r.loadAt(sb);
      const g = new GraphEngine(DEFAULT_RULES, { recordLinks: false });
      g.load(at.nodes, at.edges);
      let seq = at.seq;
      for (;;) {
        const t = await r.tail(sb, seq, max);
        assert.equal(t.generation, at.generation, 'no rewrite while replicating');
        if (t.observations.length === 0) break;
        assert.ok(t.seq > seq, 'tail moves forward');
        for (const o of t.observations) g.apply(o);
        seq = t.seq;
      }
      return { g, seq, generation: at.generation };
    };

    it('appends observations and history in order; a checkpoint moves the mark and the snapshot loads; a restart keeps all', async () => {
      const sb = 'sb-round';
      const [jane, janeMail, janePhone] = [node('CRMID', 'jane'), node('Email', 'jane@x.com'), node('Phone', '+14155552671', 2)];
      const first = [obs(1, [['CRMID', 'jane'], ['Email', 'jane@x.com']]), obs(2, [['CRMID', 'jane'], ['Phone', '+14155552671']], 'b2'), obs(3, [['Email', 'jane@x.com'], ['CRMID', 'jane']], 'b2', 'd2')];
      await s.append(sb, first, [hist(1, jane.xid, { b: janeMail.xid })]);
      assert.deepEqual(await s.pendingObservations(sb), first);
      await s.checkpoint(sb, { nodes: [jane, janeMail, janePhone], edges: [edge(jane, janeMail), edge(jane, janePhone, 2, ['b2'])] });
      assert.deepEqual(await s.pendingObservations(sb), [], 'the snapshot reflects them');
      const later = [obs(4, [['CRMID', 'jane'], ['ECID', '1'.repeat(38)]], 'b3')];
      await s.append(sb, later, []);
      // a second checkpoint: a refreshed node, a deleted link and a new one
      const fresh = { ...jane, lastSeen: 4 };
      const ecid = node('ECID', '1'.repeat(38), 4);
      const [ja, jb] = [jane.xid, janePhone.xid].sort();
      s = await h.reopen(s);
      assert.deepEqual(await s.pendingObservations(sb), later);
      assert.deepEqual(await s.observations(sb), [...first, ...later]);
      sameGraph(await s.load(sb), { nodes: [jane, janeMail, janePhone], edges: [edge(jane, janeMail), edge(jane, janePhone, 2, ['b2'])] });
      await s.checkpoint(sb, { nodes: [fresh, ecid, { xid: janePhone.xid, deleted: true }], edges: [{ key: `${ja}|${jb}`, deleted: true }, edge(jane, ecid, 4, ['b3'])] });
      s = await h.reopen(s);
      sameGraph(await s.load(sb), { nodes: [fresh, janeMail, ecid], edges: [edge(jane, janeMail), edge(jane, ecid, 4, ['b3'])] });
      assert.deepEqual(await s.pendingObservations(sb), []);
      assert.deepEqual(await s.history(sb, janeMail.xid), [hist(1, jane.xid, { b: janeMail.xid })]);
      sameGraph(await s.load('sb-other'), { nodes: [], edges: [] }, 'sandboxes are apart');
    });

    it('a checkpoint writes what changed; chunks past twice the live graph are compacted into one dump', async () => {
      const sb = 'sb-compact';
      const w = writer(sb);
      await w.ingest(people(3_000));
      await w.checkpoint();
      const rows = await h.snapshotRows(s, sb);
      assert.ok(rows >= w.g.nodes.size + w.g.edges.size, 'the first checkpoint writes the graph (and the cuts since)');
      await w.ingest(people(5, 3_000));
      await w.checkpoint();
      const delta = (await h.snapshotRows(s, sb)) - rows;
      assert.ok(delta <= 100, `a small change appends a small chunk (${delta} rows)`);
      // the same records again and again: refreshes only, the chunk log would outgrow the graph
      for (let k = 0; k < 8; k++) {
        await w.ingest(people(3_000, 0, `b${k + 2}`));
        await w.checkpoint();
      }
      const live = graphOf(w.g);
      const size = live.nodes.length + live.edges.length;
      assert.ok((await h.snapshotRows(s, sb)) <= 2 * size + 10_000, 'compacted');
      sameGraph(await s.load(sb), live);
      s = await h.reopen(s);
      sameGraph(await s.load(sb), live, 'after a restart');
      assert.deepEqual(await s.pendingObservations(sb), []);
    });

    it('a checkpoint that fails part-way leaves the previous snapshot and mark (one transaction)', async () => {
      const sb = 'sb-fail';
      const w = writer(sb);
      await w.ingest(people(50));
      await w.checkpoint();
      const before = await s.loadAt(sb);
      await w.ingest(people(30, 50, 'b2'));
      const undo = await h.refuseLinkChunks(s);
      try {
        await assert.rejects(w.checkpoint(), /disk full/);
      } finally {
        await undo();
      }
      sameGraph(await s.load(sb), before);
      assert.deepEqual(await s.pendingObservations(sb), people(30, 50, 'b2'), 'replayed on restart');
      assert.equal((await s.loadAt(sb)).seq, before.seq);
      // and the next one (a whole graph) works
      await s.checkpoint(sb, { nodes: [...w.g.nodes.values()], edges: [...w.g.edges.values()] });
      sameGraph(await s.load(sb), graphOf(w.g));
    });

    it('removes observations by batch and by dataset, counting them, with a new generation each time', async () => {
      const sb = 'sb-remove';
      const g0 = (await s.loadAt(sb)).generation;
      const o1 = [obs(1, [['CRMID', 'a'], ['Email', 'a@x.com']], 'b1', 'd1'), obs(2, [['CRMID', 'b'], ['Email', 'b@x.com']], 'b1', 'd1')];
      const o2 = [obs(3, [['CRMID', 'a'], ['Phone', '+14155550001']], 'b2', 'd1')];
      const o3 = [obs(4, [['CRMID', 'c'], ['Email', 'c@x.com']], 'b3', 'd2'), obs(5, [['CRMID', 'c'], ['ECID', '2'.repeat(38)]], 'b4', 'd2')];
      await s.append(sb, [...o1, ...o2, ...o3], []);
      const cases: Array<{ by: { batchId?: string; datasetId?: string }; n: number; left: LinkObservation[]; bump: number }> = [
        { by: { batchId: 'b1' }, n: 2, left: [...o2, ...o3], bump: 1 },
        { by: { datasetId: 'd2' }, n: 2, left: o2, bump: 1 },
        { by: { batchId: 'b1' }, n: 0, left: o2, bump: 0 },
        { by: { datasetId: 'd1' }, n: 1, left: [], bump: 1 },
      ];
      let gen = g0;
      for (const c of cases) {
        assert.equal(await s.removeObservations(sb, c.by), c.n, JSON.stringify(c.by));
        assert.deepEqual(await s.observations(sb), c.left);
        gen += c.bump;
        assert.equal((await s.tail(sb, 0, 100)).generation, gen);
      }
      assert.ok(gen > g0);
    });

    it('replaceGraph swaps the snapshot, records history, moves the mark and starts a new generation', async () => {
      const sb = 'sb-replace';
      const w = writer(sb);
      await w.ingest(people(40));
      await w.checkpoint();
      await w.ingest(people(10, 40));
      const before = await s.loadAt(sb);
      const [x, y] = [node('CRMID', 'solo'), node('Email', 'solo@x.com')];
      await s.replaceGraph(sb, [x, y], [edge(x, y)], [hist(9, '*', { op: 'unlink', rule: 'settings' }), hist(10, x.xid, { b: y.xid, detail: 'recomputed' })]);
      const after = await s.loadAt(sb);
      sameGraph(after, { nodes: [x, y], edges: [edge(x, y)] });
      assert.equal(after.generation, before.generation + 1);
      assert.ok(after.seq > before.seq, 'the mark covers every observation');
      assert.deepEqual(await s.pendingObservations(sb), []);
      assert.deepEqual(await s.history(sb, y.xid), [hist(10, x.xid, { b: y.xid, detail: 'recomputed' })]);
      s = await h.reopen(s);
      sameGraph(await s.load(sb), { nodes: [x, y], edges: [edge(x, y)] });
    });

    it('history: entries of an identity (as a or b), newest first, at most `limit`', async () => {
      const sb = 'sb-history';
      const [a, b, c] = ['xa', 'xb', 'xc'];
      const all = [hist(1, a, { b }), hist(2, b, { op: 'evict', rule: 'size', record: 'r2', dataset: 'd', batch: 'bt' }), hist(3, c), hist(4, a, { op: 'refuse', detail: 'limit' })];
      await s.append(sb, [], all.slice(0, 2));
      await s.append(sb, [], all.slice(2));
      await s.append('sb-history-2', [], [hist(5, a)]);
      const cases: Array<{ xid: string; limit?: number; want: HistoryEntry[] }> = [
        { xid: a, want: [all[3]!, all[0]!] },
        { xid: b, want: [all[1]!, all[0]!] },
        { xid: a, limit: 1, want: [all[3]!] },
        { xid: c, limit: 10, want: [all[2]!] },
        { xid: 'nobody', want: [] },
      ];
      for (const x of cases) assert.deepEqual(await s.history(sb, x.xid, x.limit), x.want, `${x.xid} limit ${x.limit}`);
    });

    it('a replica from loadAt + tail equals the writer after more appends, after a checkpoint, and reloads on a new generation', async () => {
      const sb = 'sb-replica';
      const w = writer(sb);
      const r = await h.replica(s);
      try {
        const empty = await replicate(r, sb, 5);
        sameGraph(graphOf(empty.g), { nodes: [], edges: [] });
        assert.equal(empty.seq, 0);
        await w.ingest(people(200));
        // runs of many sizes: one observation of another batch between, then a run larger than the page
        await w.ingest([...people(1, 200, 'b2'), ...people(30, 201, 'b3')]);
        let rep = await replicate(r, sb, 7);
        sameGraph(graphOf(rep.g), graphOf(w.g), 'from the log only');
        // more appends: the replica follows from where it was
        await w.ingest(people(100, 231, 'b4'));
        const t = await r.tail(sb, rep.seq, 1_000);
        for (const o of t.observations) rep.g.apply(o);
        sameGraph(graphOf(rep.g), graphOf(w.g), 'tail after more appends');
        assert.deepEqual(await r.tail(sb, t.seq, 1_000), { seq: t.seq, generation: rep.generation, observations: [] });
        // a checkpoint: a replica starting now loads the snapshot and tails only what came after
        await w.checkpoint();
        await w.ingest(people(20, 331, 'b5'));
        const at = await r.loadAt(sb);
        assert.equal((await r.tail(sb, at.seq, 1_000)).observations.length, 20);
        rep = await replicate(r, sb, 1_000);
        sameGraph(graphOf(rep.g), graphOf(w.g), 'snapshot + tail');
        // a rewrite: tail reports the new generation, a reload gives the recomputed graph
        await s.removeObservations(sb, { batchId: 'b4' });
        const g2 = new GraphEngine(DEFAULT_RULES, { recordLinks: false });
        for (const o of await s.observations(sb)) g2.apply(o);
        await s.replaceGraph(sb, [...g2.nodes.values()], [...g2.edges.values()], []);
        const moved = await r.tail(sb, rep.seq, 1_000);
        assert.ok(moved.generation > rep.generation);
        const again = await replicate(r, sb, 50);
        sameGraph(graphOf(again.g), graphOf(g2), 'reloaded');
      } finally {
        await r.close();
      }
    });

    describe('invalid input', () => {
      const nul = 'a\u0000b';
      const odd = [['Email', 'zoë+\u0000tag@x.com'], ['CRMID', `${nul}😀"\\[1]`]] as Ids;
      const cases: Array<{ name: string; run: (s: IdentityGraphStore) => Promise<void> }> = [
        {
          name: 'a sandbox with nothing stored',
          run: async (s) => {
            sameGraph(await s.load('sb-none'), { nodes: [], edges: [] });
            assert.deepEqual(await s.loadAt('sb-none'), { nodes: [], edges: [], seq: 0, generation: 0 });
            assert.deepEqual(await s.tail('sb-none', 0, 10), { seq: 0, generation: 0, observations: [] });
            assert.deepEqual(await s.pendingObservations('sb-none'), []);
            assert.deepEqual(await s.observations('sb-none'), []);
            assert.deepEqual(await s.history('sb-none', 'x'), []);
          },
        },
        {
          name: 'removal by an unknown batch or dataset, or by neither: nothing removed, same generation',
          run: async (s) => {
            await s.append('sb-inv', [obs(1, [['CRMID', 'a'], ['Email', 'a@x.com']])], []);
            const g = (await s.loadAt('sb-inv')).generation;
            assert.equal(await s.removeObservations('sb-inv', { batchId: 'no-such-batch' }), 0);
            assert.equal(await s.removeObservations('sb-inv', { datasetId: 'no-such-dataset' }), 0);
            assert.equal(await s.removeObservations('sb-inv', {}), 0);
            assert.equal(await s.removeObservations('sb-none', { batchId: 'b1' }), 0);
            assert.equal((await s.loadAt('sb-inv')).generation, g);
            assert.equal((await s.observations('sb-inv')).length, 1);
          },
        },
        {
          name: 'history with limit 0, a negative limit and a fraction',
          run: async (s) => {
            await s.append('sb-inv-h', [], [hist(1, 'xa'), hist(2, 'xa')]);
            assert.deepEqual(await s.history('sb-inv-h', 'xa', 0), []);
            assert.deepEqual(await s.history('sb-inv-h', 'xa', -1), []);
            assert.deepEqual(await s.history('sb-inv-h', 'xa', 1.5), [hist(2, 'xa')]);
          },
        },
        {
          name: 'tail with max 0, a negative max, past the end',
          run: async (s) => {
            await s.append('sb-inv-t', [obs(1, [['CRMID', 'a'], ['Email', 'a@x.com']])], []);
            assert.deepEqual((await s.tail('sb-inv-t', 0, 0)).observations, []);
            assert.equal((await s.tail('sb-inv-t', 0, 0)).seq, 0);
            assert.deepEqual((await s.tail('sb-inv-t', 0, -5)).observations, []);
            const end = (await s.tail('sb-inv-t', 0, 10)).seq;
            assert.deepEqual((await s.tail('sb-inv-t', end + 1_000, 10)).observations, []);
            assert.equal((await s.tail('sb-inv-t', end + 1_000, 10)).seq, end + 1_000);
          },
        },
        {
          name: 'an empty append and an empty checkpoint change nothing but the mark',
          run: async (s) => {
            await s.append('sb-inv-e', [], []);
            await s.checkpoint('sb-inv-e', { nodes: [], edges: [] });
            assert.deepEqual(await s.loadAt('sb-inv-e'), { nodes: [], edges: [], seq: 0, generation: 0 });
          },
        },
        {
          name: 'NUL, unicode, quotes and backslashes in values, records, batches, datasets, history and the sandbox name',
          run: async (s) => {
            const sb = `sb-${nul}-ü`;
            const o = obs(1, odd, `b-${nul}`, `d-${nul}-😀`, `r-${nul}`);
            const xo = obs(2, [['Phone', '+14155550000'], ['CRMID', nul]], 'b-plain', 'd-plain', '*');
            const h1 = hist(1, odd[1]![1], { b: nul, record: `r-${nul}`, dataset: 'ü', batch: `b-${nul}`, detail: `d\u0000"é` });
            await s.append(sb, [o, xo], [h1]);
            assert.deepEqual(await s.observations(sb), [o, xo]);
            assert.deepEqual(await s.history(sb, nul), [h1]);
            const [x, y] = [node('Email', odd[0]![1]), node('CRMID', odd[1]![1])];
            const e = { ...edge(x, y), datasets: [`d-${nul}-😀`, 'd2'], batches: [`b-${nul}`], lastRecord: `r-${nul}` };
            await s.checkpoint(sb, { nodes: [x, y], edges: [e] });
            sameGraph(await s.load(sb), { nodes: [x, y], edges: [e] });
            assert.equal(await s.removeObservations(sb, { batchId: `b-${nul}` }), 1);
            assert.deepEqual(await s.observations(sb), [xo]);
            assert.equal(await s.removeObservations(sb, { batchId: 'b-' }), 0, 'no prefix match');
          },
        },
      ];
      for (const c of cases) it(c.name, () => c.run(s));
    });
  });
}
