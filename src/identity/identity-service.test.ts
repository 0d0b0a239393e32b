import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openIdentity, item, allGraphs, type OpenedIdentity } from './testing.js';
import type { IdentityService } from './identity-service.js';
import { xidOf } from './xid.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteIdentityStore } from './sqlite-identity-store.js';

const SB = 'sb-1';
const withCrmid = async (svc: IdentityService, sb = SB) => {
  const r = await svc.namespaces.create(sb, { name: 'CRM ID', code: 'CRMID', idType: 'Cross_device' });
  assert.ok(r.ok);
};

describe('IdentityService: normalisation and what is never stitched', () => {
  let o: OpenedIdentity;
  before(async () => {
    o = openIdentity();
    await withCrmid(o.svc);
  });
  after(() => o.dispose());

  const cases: Array<{ name: string; records: string[][]; expected: string[][] }> = [
    { name: 'Jane@X.com and jane@x.com are one identity', records: [['Email:Jane@X.com ', 'CRMID:jane'], ['email: jane@x.com', 'ECID:11111111111111111111111111111111111111']], expected: [['CRMID:jane', 'ECID:11111111111111111111111111111111111111', 'Email:jane@x.com']] },
    { name: 'phone numbers become E.164 when they parse', records: [['Phone:+1 (415) 555-2671', 'CRMID:p1'], ['Phone:+14155552671', 'CRMID:p1']], expected: [['CRMID:p1', 'Phone:+14155552671']] },
    { name: 'namespace codes match case-insensitively and by numeric id', records: [['ecid:22222222222222222222222222222222222222', '6:Bob@Y.com']], expected: [['ECID:22222222222222222222222222222222222222', 'Email:bob@y.com']] },
    { name: 'non-people identifiers are never stitched', records: [['ShopifyOrderId:1001', 'CRMID:np']], expected: [['CRMID:np']] },
    { name: 'blocked values are never linked', records: [['Email:null', 'CRMID:b1'], ['Email:anonymous', 'CRMID:b2'], ['Email:   ', 'CRMID:b3']], expected: [['CRMID:b1'], ['CRMID:b2'], ['CRMID:b3']] },
    { name: 'unknown namespaces are skipped', records: [['Nope:x', 'CRMID:u1']], expected: [['CRMID:u1']] },
  ];
  for (const [i, c] of cases.entries())
    it(c.name, async () => {
      const sb = `norm-${i}`;
      await withCrmid(o.svc, sb);
      await o.svc.ingest(sb, c.records.map((r, t) => item(t, r)));
      assert.deepEqual(await allGraphs(o.svc, sb), c.expected);
    });

  it("AEP's blocked values are dropped whatever the linking rules' blocked values say", async () => {
    const sb = 'aep-blocked';
    await withCrmid(o.svc, sb);
    assert.ok((await o.svc.setRules(sb, { blockedValues: {} })).ok);
    const [out] = await o.svc.ingest(sb, [item(1, ['Email:null', 'Email:INVALID', 'CRMID:z'])]);
    assert.deepEqual(out!.skipped.map((s) => s.code), ['BLOCKED_IDENTITY', 'BLOCKED_IDENTITY']);
    assert.deepEqual(await allGraphs(o.svc, sb), [['CRMID:z']]);
  });

  it('reports what it skipped and why', async () => {
    const [out] = await o.svc.ingest(SB, [item(1, ['Email:null', 'Nope:x', 'ShopifyOrderId:9', 'CRMID:s'])]);
    assert.deepEqual(out!.skipped.map((s) => s.reason), ['blocked value', 'unknown namespace', 'non-people identifier (never stitched)']);
    assert.deepEqual(out!.identities.map((x) => x.xid), [xidOf('CRMID', 's')]);
  });

  it('XIDs are deterministic per namespace and normalised value', async () => {
    assert.equal(await o.svc.xid(SB, 'email', ' JANE@x.com'), xidOf('Email', 'jane@x.com'));
    assert.equal(await o.svc.xid(SB, '6', 'jane@x.com'), xidOf('Email', 'jane@x.com'));
    assert.notEqual(xidOf('Email', 'jane@x.com'), xidOf('CRMID', 'jane@x.com'));
    assert.equal(await o.svc.xid(SB, 'Nope', 'x'), undefined);
  });

  it('the primary identity of an ExperienceEvent is its highest-priority namespace', async () => {
    const [out] = await o.svc.ingest('prio', [item(1, ['ECID:33333333333333333333333333333333333333', 'Email:p@x.com'])]);
    assert.equal((await o.svc.primaryOf('prio', out!.identities, true))?.namespace, 'Email');
    assert.equal((await o.svc.primaryOf('prio', out!.identities, false))?.namespace, 'ECID');
  });
});

describe('IdentityService: unlink by batch restores the graphs that existed without that batch', () => {
  const E1 = 'ECID:10000000000000000000000000000000000001';
  const cases: Array<{ name: string; rules?: object; b1: string[][]; b2: string[][]; withB2: string[][]; withoutB2: string[][] }> = [
    {
      name: 'a shared email merged two people',
      b1: [['CRMID:jane', 'Email:jane@x.com'], ['CRMID:john', 'Email:john@x.com']],
      b2: [['Email:jane@x.com', 'Email:john@x.com']],
      withB2: [['CRMID:jane', 'CRMID:john', 'Email:jane@x.com', 'Email:john@x.com']],
      withoutB2: [['CRMID:jane', 'Email:jane@x.com'], ['CRMID:john', 'Email:john@x.com']],
    },
    {
      name: 'the link a batch cut comes back (shared device, CRMID unique)',
      rules: { uniqueNamespaces: ['CRMID'] },
      b1: [['CRMID:jane', E1]],
      b2: [['CRMID:john', E1]],
      withB2: [['CRMID:jane'], ['CRMID:john', E1]],
      withoutB2: [['CRMID:jane', E1]],
    },
    {
      name: 'an identity evicted at the size limit comes back',
      rules: { graphSizeLimit: 3 },
      b1: [['CRMID:a', 'ECID:10000000000000000000000000000000000002'], ['CRMID:a', 'Email:a@x.com']],
      b2: [['CRMID:a', 'Phone:+14155550100']],
      withB2: [['CRMID:a', 'Email:a@x.com', 'Phone:+14155550100']],
      withoutB2: [['CRMID:a', 'ECID:10000000000000000000000000000000000002', 'Email:a@x.com']],
    },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const o = openIdentity();
      try {
        await withCrmid(o.svc);
        if (c.rules) assert.ok((await o.svc.setRules(SB, c.rules)).ok);
        let t = 0;
        await o.svc.ingest(SB, c.b1.map((r) => item(++t, r, 'b1')));
        await o.svc.ingest(SB, c.b2.map((r) => item(++t, r, 'b2')));
        assert.deepEqual(await allGraphs(o.svc, SB), c.withB2);
        const changed: string[] = [];
        o.svc.onGraphChange((sb, xids) => sb === SB && changed.push(...xids));
        const r = await o.svc.unlink(SB, { batchId: 'b2' });
        assert.ok(r.ok);
        assert.equal(r.value.removedObservations, c.b2.length);
        assert.deepEqual(await allGraphs(o.svc, SB), c.withoutB2);
        assert.ok(changed.length > 0, 'graph listeners hear about the split');
        // and it stays that way after a restart
        await o.close();
        const again = openIdentity(o.dir);
        assert.deepEqual(await allGraphs(again.svc, SB), c.withoutB2);
        await again.dispose();
      } catch (e) {
        await o.dispose();
        throw e;
      }
    });

  it('property: unlinking a batch gives the graphs of a fresh graph fed every other batch', async () => {
    const id = fc.oneof(
      fc.integer({ min: 0, max: 4 }).map((n) => `CRMID:c${n}`),
      fc.integer({ min: 0, max: 6 }).map((n) => `ECID:${String(n).padStart(38, '1')}`),
      fc.integer({ min: 0, max: 4 }).map((n) => `Email:m${n}@x.com`),
    );
    const rec = fc.record({ t: fc.integer({ min: 0, max: 100 }), ids: fc.array(id, { minLength: 1, maxLength: 3 }), batch: fc.constantFrom('b0', 'b1', 'b2') });
    await fc.assert(
      fc.asyncProperty(fc.array(rec, { maxLength: 25 }), fc.constantFrom('b0', 'b1', 'b2'), fc.boolean(), async (recs, drop, unique) => {
        const live = openIdentity();
        const fresh = openIdentity();
        try {
          for (const s of [live, fresh]) {
            await withCrmid(s.svc);
            await s.svc.setRules(SB, { uniqueNamespaces: unique ? ['CRMID'] : [], graphSizeLimit: 4, linkLimit: 3 });
          }
          await live.svc.ingest(SB, recs.map((r, i) => item(r.t, r.ids, r.batch, 'd', `r${i}`)));
          await live.svc.unlink(SB, { batchId: drop });
          await fresh.svc.ingest(SB, recs.flatMap((r, i) => (r.batch === drop ? [] : [item(r.t, r.ids, r.batch, 'd', `r${i}`)])));
          assert.deepEqual(await allGraphs(live.svc, SB), await allGraphs(fresh.svc, SB));
        } finally {
          await live.dispose();
          await fresh.dispose();
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('IdentityService: graph writes of a sandbox apply in call order', () => {
  it('an ingest called while an unlink rebuilds from the log waits for it (else it lands in the discarded graph)', async () => {
    const recs = (batch: string, from: number) => Array.from({ length: 50 }, (_, i) => item(from + i, [`CRMID:c${i % 20}`, `Email:m${from + i}@x.com`], batch, 'd', `${batch}-${i}`));
    const dir = mkdtempSync(join(tmpdir(), 'kith-identity-'));
    const db = openSqlite(dir, 'identity');
    const store = new SqliteIdentityStore(db);
    // the rebuild has read the log and waits here until the test lets it swap the graph
    let read!: () => void;
    const hasRead = new Promise<void>((r) => (read = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const observations = store.observations.bind(store);
    store.observations = async (sb) => {
      const all = await observations(sb);
      read();
      await released;
      return all;
    };
    const live = openIdentity(dir, undefined, store);
    const ordered = openIdentity();
    try {
      for (const o of [live, ordered]) await withCrmid(o.svc);
      await live.svc.ingest(SB, recs('b1', 0));
      const unlinked = live.svc.unlink(SB, { batchId: 'b1' });
      await hasRead;
      const ingested = live.svc.ingest(SB, recs('b2', 100));
      release();
      await Promise.all([unlinked, ingested]);
      await ordered.svc.ingest(SB, recs('b2', 100));
      const expected = await allGraphs(ordered.svc, SB);
      assert.deepEqual(await allGraphs(live.svc, SB), expected);
      live.crash();
      db.close();
      const again = openIdentity(dir);
      try {
        assert.deepEqual(await allGraphs(again.svc, SB), expected, 'and after a restart');
      } finally {
        await again.dispose();
      }
    } finally {
      await ordered.dispose();
    }
  });
});

describe('IdentityService: explain, history, unlink a link, settings, simulate', () => {
  let o: OpenedIdentity;
  const E1 = 'ECID:20000000000000000000000000000000000001';
  before(async () => {
    o = openIdentity();
    await withCrmid(o.svc);
    await o.svc.ingest(SB, [item(1, ['Email:jane@x.com', E1], 'web-batch', 'web'), item(2, [E1, 'CRMID:jane'], 'crm-batch', 'crm')]);
  });
  after(() => o.dispose());

  it('explains why two identities are one person with the chain of links and their sources', async () => {
    const r = await o.svc.explain(SB, xidOf('Email', 'jane@x.com'), xidOf('CRMID', 'jane'));
    assert.equal(r.sameGraph, true);
    assert.deepEqual(r.path.map((e) => [e.datasets, e.batches, e.lastRecord]), [[['web'], ['web-batch'], 'r1'], [['crm'], ['crm-batch'], 'r2']]);
    assert.equal(r.path[0]!.from, xidOf('Email', 'jane@x.com'));
    assert.equal(r.path[1]!.to, xidOf('CRMID', 'jane'));
    assert.deepEqual(await o.svc.explain(SB, xidOf('Email', 'jane@x.com'), xidOf('CRMID', 'nobody')), { sameGraph: false, path: [] });
  });

  it('settings changes recompute the graphs, and the cut is in the history with its cause', async () => {
    await o.svc.ingest(SB, [item(3, [E1, 'CRMID:john'], 'crm-batch-2', 'crm')]);
    assert.equal((await o.svc.members(SB, xidOf('CRMID', 'jane'))).length, 4);
    const r = await o.svc.setRules(SB, { uniqueNamespaces: ['CRMID'] });
    assert.ok(r.ok);
    assert.deepEqual(await allGraphs(o.svc, SB), [['CRMID:jane'], ['CRMID:john', E1, 'Email:jane@x.com']]);
    const h = await o.svc.history(SB, xidOf('CRMID', 'jane'));
    const cut = h.find((x) => x.op === 'cut');
    assert.equal(cut?.rule, 'uniqueNamespace:crmid');
    assert.equal(cut?.batch, 'crm-batch');
  });

  it('unlinking one link splits the graph and keeps the pair apart when it is seen again', async () => {
    const a = xidOf('Email', 'jane@x.com');
    const b = xidOf(E1.split(':')[0]!, E1.split(':')[1]!);
    const r = await o.svc.unlink(SB, { a, b });
    assert.deepEqual(r, { ok: true, value: { removedObservations: 0, removedLinks: 1 } });
    assert.equal((await o.svc.explain(SB, a, b)).sameGraph, false);
    await o.svc.ingest(SB, [item(10, ['Email:jane@x.com', E1], 'web-batch-2', 'web')]);
    assert.equal((await o.svc.explain(SB, a, b)).sameGraph, false);
    const ops = (await o.svc.history(SB, a)).map((x) => `${x.op}:${x.rule ?? ''}`);
    assert.ok(ops.includes('unlink:manual') && ops.includes('refuse:unlinked'), ops.join());
  });

  it('unlinking a dataset removes every link it contributed', async () => {
    const r = await o.svc.unlink(SB, { datasetId: 'crm' });
    assert.ok(r.ok && r.value.removedObservations === 2);
    assert.ok((await allGraphs(o.svc, SB)).every((g) => g.length === 1));
  });

  it('simulates links against given rules without touching the live graph', async () => {
    const before = await allGraphs(o.svc, SB);
    const r = await o.svc.simulate(SB, {
      rules: { uniqueNamespaces: ['CRMID'] },
      links: [
        { identities: [{ namespace: 'CRMID', id: 'x' }, { namespace: 'ECID', id: E1.slice(5) }], timestamp: 1 },
        { identities: [{ namespace: 'CRMID', id: 'y' }, { namespace: 'ECID', id: E1.slice(5) }], timestamp: '1970-01-01T00:00:00.002Z' },
      ],
    });
    assert.ok(r.ok);
    assert.deepEqual(r.value.graphs.map((g) => g.map((m) => `${m.namespace}:${m.id}`).sort()).sort(), [['CRMID:x'], ['CRMID:y', E1]]);
    assert.deepEqual(r.value.history.map((h) => h.op), ['link', 'link', 'cut']);
    assert.deepEqual(await allGraphs(o.svc, SB), before);
  });

  describe('invalid input', () => {
    it('unlink needs a link, a batch or a dataset', async () => {
      assert.deepEqual(await o.svc.unlink(SB, {}), { ok: false, error: 'give a link (a and b), a batchId or a datasetId' });
      assert.deepEqual(await o.svc.unlink(SB, { a: 'x', b: 'y' }), { ok: false, error: 'no such link' });
    });
    it('settings are validated', async () => {
      for (const bad of [null, [], { graphSizeLimit: 1 }, { graphSizeLimit: 1001 }, { linkLimit: 0 }, { uniqueNamespaces: 'CRMID' }, { priority: { ECID: 0 } }, { blockedValues: { Email: 'x' } }])
        assert.equal((await o.svc.setRules(SB, bad)).ok, false, JSON.stringify(bad));
    });
    it('simulate needs links', async () => {
      assert.equal((await o.svc.simulate(SB, {})).ok, false);
      assert.equal((await o.svc.simulate(SB, { links: [{}] })).ok, false);
      assert.equal((await o.svc.simulate(SB, { links: [], rules: { graphSizeLimit: 'x' } })).ok, false);
    });
  });
});
