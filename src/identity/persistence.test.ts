import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openIdentity, item, allGraphs } from './testing.js';
import { openSqlite } from '../store/sqlite/open.js';
import { NormaliseCache } from './normalise-cache.js';
import { normaliseIdentity } from './normalise.js';
import { xidOf } from './xid.js';
import { STANDARD_NAMESPACES, type Namespace } from './namespaces.js';
import type { IdentityService } from './identity-service.js';

const SB = 'sb-p';
const withCrmid = async (svc: IdentityService) => assert.ok((await svc.namespaces.create(SB, { name: 'CRM ID', code: 'CRMID', idType: 'Cross_device' })).ok);

/** Records over a few hundred people with shared devices and a super-node email (cuts and refusals happen). */
const people = (n: number, from = 0, batch = 'b1') =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const p = i % 5_000;
    const ids = i % 3 === 0 ? [`CRMID:c${p}`, `ECID:${String(i % 9_001).padStart(38, '1')}`] : i % 3 === 1 ? [`Email:${i % 13 === 0 ? 'test@test.com' : `p${p}@x.com`}`, `CRMID:c${p}`] : [`CRMID:c${p}`, `Phone:+1415555${String(p).padStart(4, '0')}`];
    return item(i, ids, batch, 'd', `r${i}`);
  });


describe('restart after a crash replays exactly', () => {
  const reference = async (records: ReturnType<typeof people>, rules: object) => {
    const f = openIdentity();
    try {
      await withCrmid(f.svc);
      await f.svc.setRules(SB, rules);
      for (let i = 0; i < records.length; i += 500) await f.svc.ingest(SB, records.slice(i, i + 500));
      return await allGraphs(f.svc, SB);
    } finally {
      await f.dispose();
    }
  };

  const cases: Array<{ name: string; failAtChunk: number | undefined; thenCheckpoint?: boolean }> = [
    { name: 'a crash between checkpoints (no checkpoint since the last batches)', failAtChunk: undefined },
    { name: 'a crash in the middle of a checkpoint (after its first chunk was written)', failAtChunk: 1 },
    { name: 'a crash in the middle of a checkpoint (after several chunks were written)', failAtChunk: 3 },
    { name: 'a failed checkpoint, a good one, then a crash (the good one writes what the failed one had taken)', failAtChunk: 1, thenCheckpoint: true },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const rules = { uniqueNamespaces: ['CRMID'], graphSizeLimit: 6, linkLimit: 8 };
      const first = people(12_000);
      const second = people(14_000, 12_000, 'b2');
      const expected = await reference([...first, ...second], rules);
      const o = openIdentity();
      try {
        await withCrmid(o.svc);
        await o.svc.setRules(SB, rules);
        for (let i = 0; i < first.length; i += 500) await o.svc.ingest(SB, first.slice(i, i + 500));
        await o.svc.checkpoint();
        for (let i = 0; i < second.length; i += 500) await o.svc.ingest(SB, second.slice(i, i + 500));
        const live = await allGraphs(o.svc, SB);
        assert.deepEqual(live, expected);
        const history = await o.svc.history(SB, xidOf('CRMID', 'c1'));
        if (c.failAtChunk !== undefined) {
          // the disk fails while the checkpoint writes its chunks: the transaction rolls back, nothing is half-written
          const s = (o.svc as unknown as { store: { s: { putChunk: { run: (...a: unknown[]) => unknown } } } }).store.s;
          const real = s.putChunk;
          let n = 0;
          s.putChunk = { run: (...a: unknown[]) => (++n > c.failAtChunk! ? (() => { throw new Error('disk I/O error'); })() : real.run(...a)) };
          await assert.rejects(o.svc.checkpoint(), /disk I\/O error/);
          assert.ok(n > c.failAtChunk!, 'the checkpoint wrote chunks before it failed');
          s.putChunk = real;
          if (c.thenCheckpoint) await o.svc.checkpoint();
        }
        o.crash();
        const again = openIdentity(o.dir);
        try {
          assert.deepEqual(await allGraphs(again.svc, SB), expected);
          assert.deepEqual(await again.svc.history(SB, xidOf('CRMID', 'c1')), history, 'cuts, evictions and refusals keep their causes');
          // and it keeps working: unlink by batch recomputes from the log
          const r = await again.svc.unlink(SB, { batchId: 'b2' });
          assert.ok(r.ok && r.value.removedObservations === second.length);
          assert.deepEqual(await allGraphs(again.svc, SB), await reference(first, rules));
        } finally {
          await again.dispose();
        }
      } catch (e) {
        await o.dispose();
        throw e;
      }
    });

  it('a checkpoint writes what changed since the last one, and the snapshot is compacted when it outgrows the graph', async () => {
    const o = openIdentity();
    try {
      await withCrmid(o.svc);
      await o.svc.ingest(SB, people(3_000));
      await o.svc.checkpoint();
      const rows = o.svc.stats.checkpointRows;
      await o.svc.ingest(SB, people(10, 3_000));
      await o.svc.checkpoint();
      assert.ok(o.svc.stats.checkpointRows - rows <= 40, `a small change writes a small checkpoint (${o.svc.stats.checkpointRows - rows} rows)`);
      // the same records again and again: only refreshes, the chunk log would grow past twice the graph
      for (let k = 0; k < 4; k++) {
        await o.svc.ingest(SB, people(3_000));
        await o.svc.checkpoint();
      }
      const before = await allGraphs(o.svc, SB);
      await o.close();
      const db = openSqlite(o.dir, 'identity');
      const { n } = db.prepare('SELECT sum(n) AS n FROM snapshot').get() as { n: number };
      db.close();
      const again = openIdentity(o.dir);
      const nodes = (await again.svc.graphs(SB)).flat().length;
      assert.ok(n <= 2 * (nodes + nodes) + 10_000, `compacted: ${n} rows for ${nodes} identities`);
      assert.deepEqual(await allGraphs(again.svc, SB), before);
      await again.dispose();
    } catch (e) {
      await o.dispose();
      throw e;
    }
  });
});

describe('identity.db written by the previous formats still loads', () => {
  it('observation runs as arrays of [t, record, identities] and snapshot chunks as arrays of rows', async () => {
    const o = openIdentity();
    try {
      await withCrmid(o.svc);
      await o.close();
      const db = openSqlite(o.dir, 'identity');
      const x = (ns: string, id: string) => xidOf(ns, id);
      // snapshot (old row chunks): jane's CRMID and email, linked
      db.prepare('INSERT INTO snapshot(sandbox, seq, kind, n, data) VALUES (?,?,?,?,?)').run(SB, 1, 'n', 2, JSON.stringify([[x('CRMID', 'jane'), 'CRMID', 'jane', 'CROSS_DEVICE', 1, 1], [x('Email', 'jane@x.com'), 'Email', 'jane@x.com', 'EMAIL', 1, 1]]));
      const [a, b] = [x('CRMID', 'jane'), x('Email', 'jane@x.com')].sort() as [string, string];
      db.prepare('INSERT INTO snapshot(sandbox, seq, kind, n, data) VALUES (?,?,?,?,?)').run(SB, 2, 'e', 1, JSON.stringify([[a, b, 1, 1, ['d'], ['b1'], 'r1']]));
      const ins = db.prepare("INSERT INTO observations(sandbox,t,dataset,batch,record,identities) VALUES (?,?,?,?,'*',?)");
      ins.run(SB, 1, 'd', 'b1', JSON.stringify([[1, 'r1', [{ ns: 'CRMID', id: 'jane', type: 'CROSS_DEVICE', xid: x('CRMID', 'jane') }, { ns: 'Email', id: 'jane@x.com', type: 'EMAIL', xid: x('Email', 'jane@x.com') }]]]));
      db.prepare('INSERT INTO checkpoints(sandbox, seq) VALUES (?, 1)').run(SB);
      // after the checkpoint, in the old form: jane's phone (replayed on startup)
      ins.run(SB, 2, 'd', 'b2', JSON.stringify([[2, 'r2', [{ ns: 'Phone', id: '+14155552671', type: 'PHONE' }, { ns: 'CRMID', id: 'jane', type: 'CROSS_DEVICE' }]]]));
      db.close();
      const again = openIdentity(o.dir);
      try {
        assert.deepEqual(await allGraphs(again.svc, SB), [['CRMID:jane', 'Email:jane@x.com', 'Phone:+14155552671']]);
        // new records append in the new form, and rebuilding from the mixed log gives the same graphs
        await again.svc.ingest(SB, [item(3, ['CRMID:jane', 'ECID:11111111111111111111111111111111111111'], 'b3')]);
        const r = await again.svc.unlink(SB, { batchId: 'b2' });
        assert.ok(r.ok && r.value.removedObservations === 1);
        assert.deepEqual(await allGraphs(again.svc, SB), [['CRMID:jane', 'ECID:11111111111111111111111111111111111111', 'Email:jane@x.com']]);
      } finally {
        await again.dispose();
      }
    } catch (e) {
      await o.dispose();
      throw e;
    }
  });
});

describe('NormaliseCache', () => {
  const ns = (code: string) => STANDARD_NAMESPACES.find((n) => n.code === code)!;
  const direct = (n: Namespace, raw: string) => {
    const id = normaliseIdentity(n.code, n.idType, raw);
    return { id, xid: xidOf(n.code, id), folded: id.trim().toLowerCase() };
  };

  it('property: a hit answers exactly what normalising again would, whatever the capacity', () => {
    const nss = ['Email', 'Phone', 'ECID', 'Email_LC_SHA256'].map(ns);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(fc.tuple(fc.constantFrom(...nss), fc.oneof(fc.constantFrom(' Jane@X.com', 'jane@x.com', '+1 (415) 555-2671', '+14155552671', 'ABC', ' '), fc.string())), { maxLength: 60 }), (capacity, gets) => {
        const c = new NormaliseCache(capacity);
        for (const [n, raw] of gets) assert.deepEqual(c.get(n, raw), direct(n, raw));
      }),
      { numRuns: 200 },
    );
  });

  it('holds at most two generations of `capacity` values, keeping the ones in use', () => {
    const c = new NormaliseCache(3);
    const email = ns('Email');
    for (const v of ['a@x', 'b@x', 'c@x', 'd@x', 'a@x']) c.get(email, v);
    assert.equal(c.misses, 4);
    assert.equal(c.hits, 1, 'a@x was still in the old generation');
    for (const v of ['e@x', 'f@x', 'g@x', 'h@x', 'i@x', 'j@x']) c.get(email, v);
    const misses = c.misses;
    c.get(email, 'b@x');
    assert.equal(c.misses, misses + 1, 'b@x aged out');
  });

  it('a namespace with another id type is another entry (a custom namespace may reuse a code in another sandbox)', () => {
    const c = new NormaliseCache();
    const asEmail: Namespace = { ...ns('Email'), code: 'Login' };
    const asCookie: Namespace = { ...ns('ECID'), code: 'Login' };
    assert.equal(c.get(asEmail, 'Jane@X.com').id, 'jane@x.com');
    assert.equal(c.get(asCookie, 'Jane@X.com').id, 'Jane@X.com');
  });
});
