import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GraphEngine, type Edge, type IdentityNode, type LinkObservation } from './graph-engine.js';
import { ReferenceGraphEngine } from './reference-engine.js';
import { DEFAULT_RULES, isUnique, type LinkingRules } from './linking-rules.js';
import { xidOf } from './xid.js';

const TYPES: Record<string, string> = { CRMID: 'CROSS_DEVICE', ECID: 'COOKIE', Email: 'EMAIL', Phone: 'PHONE', IDFA: 'DEVICE' };
const obs = (t: number, ids: string[], batch = 'b1', dataset = 'd1'): LinkObservation => ({
  t,
  dataset,
  batch,
  record: `r${t}`,
  identities: ids.map((x) => {
    const [ns, id] = x.split(':') as [string, string];
    return { ns, id, type: TYPES[ns] ?? 'CROSS_DEVICE' };
  }),
});
/** The graphs as sorted lists of "NS:id", sorted. */
function graphs(g: GraphEngine): string[][] {
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const x of g.nodes.keys()) {
    if (seen.has(x)) continue;
    const c = g.component(x);
    c.forEach((y) => seen.add(y));
    out.push(c.map((y) => `${g.nodes.get(y)!.ns}:${g.nodes.get(y)!.id}`).sort());
  }
  return out.sort((a, b) => (a.join() < b.join() ? -1 : 1));
}
const rules = (over: Partial<LinkingRules>): LinkingRules => ({ ...DEFAULT_RULES, ...over });

describe('identity graph linking rules (AEP identity optimization algorithm cases)', () => {
  const cases: Array<{ name: string; rules: Partial<LinkingRules>; records: LinkObservation[]; expected: string[][] }> = [
    {
      name: 'without rules a shared device merges two people',
      rules: {},
      records: [obs(1, ['CRMID:jane', 'ECID:e1']), obs(2, ['CRMID:john', 'ECID:e1'])],
      expected: [['CRMID:jane', 'CRMID:john', 'ECID:e1']],
    },
    {
      name: 'shared device with CRMID unique: the device follows the last person who logged in',
      rules: { uniqueNamespaces: ['CRMID'] },
      records: [obs(1, ['CRMID:jane', 'ECID:e1']), obs(2, ['CRMID:john', 'ECID:e1'])],
      expected: [['CRMID:jane'], ['CRMID:john', 'ECID:e1']],
    },
    {
      name: 'shared device, then Jane logs in again: the device goes back to Jane',
      rules: { uniqueNamespaces: ['CRMID'] },
      records: [obs(1, ['CRMID:jane', 'ECID:e1']), obs(2, ['CRMID:john', 'ECID:e1']), obs(3, ['CRMID:jane', 'ECID:e1'])],
      expected: [['CRMID:jane', 'ECID:e1'], ['CRMID:john']],
    },
    {
      name: 'late record (older event time) does not steal the device back',
      rules: { uniqueNamespaces: ['CRMID'] },
      records: [obs(5, ['CRMID:john', 'ECID:e1']), obs(1, ['CRMID:jane', 'ECID:e1'])],
      expected: [['CRMID:jane'], ['CRMID:john', 'ECID:e1']],
    },
    {
      name: 'two CRMIDs in one record are never merged',
      rules: { uniqueNamespaces: ['CRMID'] },
      records: [obs(1, ['CRMID:a', 'CRMID:b'])],
      expected: [['CRMID:a'], ['CRMID:b']],
    },
    {
      name: 'a bad shared email (test@test.com) does not collapse people when CRMID is unique',
      rules: { uniqueNamespaces: ['CRMID'] },
      records: [obs(1, ['CRMID:a', 'Email:test@test.com']), obs(2, ['CRMID:b', 'Email:test@test.com']), obs(3, ['CRMID:c', 'Email:test@test.com'])],
      expected: [['CRMID:a'], ['CRMID:b'], ['CRMID:c', 'Email:test@test.com']],
    },
    {
      name: 'graph at the size limit: the oldest cookie is evicted first',
      rules: { graphSizeLimit: 3 },
      records: [obs(1, ['CRMID:a', 'ECID:e1']), obs(2, ['CRMID:a', 'ECID:e2']), obs(3, ['CRMID:a', 'ECID:e3'])],
      expected: [['CRMID:a', 'ECID:e2', 'ECID:e3']],
    },
    {
      name: 'size limit prefers evicting cookies over people identifiers',
      rules: { graphSizeLimit: 3 },
      records: [obs(1, ['CRMID:a', 'Email:a@x.com']), obs(2, ['CRMID:a', 'ECID:e2']), obs(3, ['CRMID:a', 'Phone:+15550001'])],
      expected: [['CRMID:a', 'Email:a@x.com', 'Phone:+15550001']],
    },
    {
      name: 'per-identifier link limit refuses new links to a super-node',
      rules: { linkLimit: 2 },
      records: [obs(1, ['ECID:e1', 'CRMID:a']), obs(2, ['ECID:e1', 'CRMID:b']), obs(3, ['ECID:e1', 'CRMID:c'])],
      expected: [['CRMID:a', 'CRMID:b', 'ECID:e1'], ['CRMID:c']],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const g = new GraphEngine(rules(c.rules));
      for (const r of c.records) g.apply(r);
      assert.deepEqual(graphs(g), c.expected);
    });

  it('records every link, cut and refusal with its cause', () => {
    const g = new GraphEngine(rules({ uniqueNamespaces: ['CRMID'], linkLimit: 2 }));
    g.apply(obs(1, ['CRMID:jane', 'ECID:e1']));
    g.apply(obs(2, ['CRMID:john', 'ECID:e1']));
    g.apply(obs(3, ['ECID:e1', 'Email:x@y.z']));
    g.apply(obs(4, ['ECID:e1', 'Phone:+1555']));
    const h = g.takeChanges().history;
    assert.deepEqual(h.map((x) => x.op), ['link', 'link', 'cut', 'link', 'refuse']);
    assert.equal(h[2]!.rule, 'uniqueNamespace:crmid');
    assert.equal(h[2]!.record, 'r2');
    assert.equal(h[4]!.rule, 'linkLimit');
    assert.equal(h[4]!.record, 'r4');
  });

  it('explains why two identities are one person with the chain of links', () => {
    const g = new GraphEngine(DEFAULT_RULES);
    g.apply(obs(1, ['Email:a@x.com', 'ECID:e1'], 'batch-1', 'web'));
    g.apply(obs(2, ['ECID:e1', 'CRMID:a'], 'batch-2', 'crm'));
    const p = g.path(xidOf('Email', 'a@x.com'), xidOf('CRMID', 'a'))!;
    assert.equal(p.length, 2);
    assert.deepEqual(p.map((e) => e.datasets[0]), ['web', 'crm']);
    assert.equal(g.path(xidOf('Email', 'a@x.com'), xidOf('CRMID', 'zzz')), undefined);
  });

  describe('invalid input', () => {
    it('a record with one identity creates the identity but no link', () => {
      const g = new GraphEngine(DEFAULT_RULES);
      g.apply(obs(1, ['ECID:e1']));
      assert.equal(g.nodes.size, 1);
      assert.equal(g.edges.size, 0);
    });
    it('repeating an identity inside a record is harmless', () => {
      const g = new GraphEngine(DEFAULT_RULES);
      g.apply(obs(1, ['ECID:e1', 'ECID:e1']));
      assert.equal(g.edges.size, 0);
    });
    it('an empty record does nothing', () => {
      const g = new GraphEngine(DEFAULT_RULES);
      g.apply(obs(1, []));
      assert.equal(g.nodes.size, 0);
    });
  });
});

describe('property: the incremental graph equals connected components recomputed from scratch', () => {
  const id = fc.oneof(
    fc.integer({ min: 0, max: 5 }).map((n) => `CRMID:c${n}`),
    fc.integer({ min: 0, max: 8 }).map((n) => `ECID:e${n}`),
    fc.integer({ min: 0, max: 5 }).map((n) => `Email:m${n}@x.com`),
  );
  const op = fc.record({ t: fc.integer({ min: 0, max: 1000 }), ids: fc.array(id, { minLength: 1, maxLength: 4 }) });
  it('holds for random link sequences under random rules', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.boolean(), fc.integer({ min: 3, max: 8 }), fc.integer({ min: 1, max: 6 }), (ops, uniqueCrm, limit, linkLimit) => {
        const r = rules({ uniqueNamespaces: uniqueCrm ? ['CRMID'] : [], graphSizeLimit: limit, linkLimit });
        const g = new GraphEngine(r);
        ops.forEach((o, i) => g.apply(obs(o.t, o.ids, `b${i % 3}`)));
        // from scratch: union-find over the final links
        const parent = new Map<string, string>([...g.nodes.keys()].map((x) => [x, x]));
        const find = (x: string): string => (parent.get(x) === x ? x : find(parent.get(x)!));
        for (const e of g.edges.values()) {
          assert.ok(g.nodes.has(e.a) && g.nodes.has(e.b), 'links only join existing identities');
          parent.set(find(e.a), find(e.b));
        }
        for (const x of g.nodes.keys()) {
          const incremental = new Set(g.component(x));
          const scratch = new Set([...g.nodes.keys()].filter((y) => find(y) === find(x)));
          assert.deepEqual(incremental, scratch);
          assert.ok(incremental.size <= limit, 'size limit holds');
          const uniques = [...incremental].map((y) => g.nodes.get(y)!).filter((n) => isUnique(r, n.ns));
          assert.ok(uniques.length <= 1, 'unique namespace holds');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('persistence: snapshot plus replayed observations gives the live graph', () => {
  it('restarts to the same graph whether or not a checkpoint was written', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { openSqlite } = await import('../store/sqlite/open.js');
    const { SqliteResourceStore } = await import('../store/sqlite/sqlite-resource-store.js');
    const { SqliteIdentityStore } = await import('./sqlite-identity-store.js');
    const { NamespaceService } = await import('./namespaces.js');
    const { IdentityService } = await import('./identity-service.js');
    const { ManualClock } = await import('../shared/clock.js');
    const dir = mkdtempSync(join(tmpdir(), 'kith-id-'));
    const open = () => {
      const control = openSqlite(dir, 'control');
      const idDb = openSqlite(dir, 'identity');
      const resources = new SqliteResourceStore(control);
      return { svc: new IdentityService(new SqliteIdentityStore(idDb), resources, new NamespaceService(resources, new ManualClock()), new ManualClock()), close: () => (control.close(), idDb.close()) };
    };
    const items = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => ({ identities: [{ namespace: 'ECID', id: String(from + i).padStart(38, '1'), primary: false }, { namespace: 'Email', id: `p${(from + i) % 7}@x.com`, primary: false }], eventTime: from + i, datasetId: 'd', batchId: 'b', recordRef: String(i) }));
    try {
      const a = open();
      await a.svc.ingest('sb', items(30));
      await a.svc.checkpoint();
      await a.svc.ingest('sb', items(20, 30)); // not checkpointed: replayed on restart
      const before = await a.svc.members('sb', xidOf('Email', 'p3@x.com'));
      a.close();
      const b = open();
      const after = await b.svc.members('sb', xidOf('Email', 'p3@x.com'));
      assert.ok(before.length > 2);
      assert.deepEqual(after.map((m) => m.xid).sort(), before.map((m) => m.xid).sort());
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('property: the fast engine decides exactly as the straightforward reference engine', () => {
  const id = fc.oneof(
    fc.integer({ min: 0, max: 5 }).map((n) => `CRMID:c${n}`),
    fc.integer({ min: 0, max: 9 }).map((n) => `ECID:e${n}`),
    fc.integer({ min: 0, max: 5 }).map((n) => `Email:m${n}@x.com`),
    fc.integer({ min: 0, max: 3 }).map((n) => `Phone:+1555${n}`),
  );
  const step = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('link' as const), t: fc.integer({ min: 0, max: 60 }), ids: fc.array(id, { minLength: 0, maxLength: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('unlink' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('take' as const) }) },
  );
  /** Nodes and links as plain sorted data, and the graphs as sorted XID lists. */
  const state = (g: { nodes: ReadonlyMap<string, object>; edges: ReadonlyMap<string, object>; component(x: string): string[] }) => ({
    nodes: [...g.nodes.values()].map((n) => ({ ...(n as IdentityNode) })).map((n) => JSON.stringify([n.xid, n.ns, n.id, n.type, n.firstSeen, n.lastSeen])).sort(),
    edges: [...g.edges.entries()].map(([k, e]) => JSON.stringify([k, ...(({ a, b, firstSeen, lastSeen, datasets, batches, lastRecord }: Edge) => [a, b, firstSeen, lastSeen, datasets, batches, lastRecord])(e as Edge)])).sort(),
    graphs: [...g.nodes.keys()].map((x) => g.component(x).sort().join()).sort(),
  });
  it('graphs, links, history and persisted changes are identical under random rules, unlinks and checkpoints', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 50 }), fc.boolean(), fc.integer({ min: 2, max: 7 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), (steps, uniqueCrm, limit, linkLimit, uniqueEmail) => {
        const r = rules({ uniqueNamespaces: [...(uniqueCrm ? ['CRMID'] : []), ...(uniqueEmail ? ['email'] : [])], graphSizeLimit: limit, linkLimit });
        const fast = new GraphEngine(r);
        const ref = new ReferenceGraphEngine(r);
        // what the persisted change log (replayed in order) says the graph is
        const logNodes = new Map<string, string>();
        const logEdges = new Map<string, string>();
        const take = () => {
          const c = fast.takeChanges();
          ref.takeChanges();
          for (const n of c.nodes) if ('deleted' in n) logNodes.delete(n.xid); else logNodes.set(n.xid, JSON.stringify([n.xid, n.ns, n.id, n.type, n.firstSeen, n.lastSeen]));
          for (const e of c.edges) if ('deleted' in e) logEdges.delete(e.key); else logEdges.set(`${e.a}|${e.b}`, JSON.stringify([`${e.a}|${e.b}`, e.a, e.b, e.firstSeen, e.lastSeen, e.datasets, e.batches, e.lastRecord]));
          return c.history;
        };
        const history: unknown[] = [];
        steps.forEach((s, i) => {
          if (s.kind === 'link') {
            const o = obs(s.t, s.ids, `b${i % 3}`, `d${i % 2}`);
            assert.deepEqual(fast.apply(o), ref.apply(o));
          } else if (s.kind === 'unlink') {
            const keys = [...ref.edges.keys()].sort();
            if (!keys.length) return;
            const k = keys[s.pick % keys.length]!;
            fast.removeEdge(k, 'unlink', { at: i, rule: 'manual' });
            ref.removeEdge(k, 'unlink', { at: i, rule: 'manual' });
            fast.blockedPairs.add(k);
            ref.blockedPairs.add(k);
          } else history.push(...take());
          assert.deepEqual(state(fast), state(ref));
          assert.deepEqual(fast.history, ref.history);
        });
        history.push(...take());
        assert.deepEqual([...logNodes.values()].sort(), state(fast).nodes);
        assert.deepEqual([...logEdges.values()].sort(), state(fast).edges);
        // a reload from the persisted state gives the same graphs
        const again = new GraphEngine(r);
        again.load([...fast.nodes.values()], [...fast.edges.values()]);
        assert.deepEqual(state(again), state(fast));
      }),
      { numRuns: 400 },
    );
  });
});
