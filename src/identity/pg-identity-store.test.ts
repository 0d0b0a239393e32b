import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pgTestSchema } from '../store/postgres/testing/pg-test-schema.js';
import { allGraphs, item, openIdentity } from './testing.js';
import { identityStoreContract } from './identity-store.contract.js';
import { PgIdentityStore } from './pg-identity-store.js';

const { pool, schema, create } = pgTestSchema('identity');
identityStoreContract('postgres', {
  create: async () => {
    await create();
    return PgIdentityStore.open({ pool, schema });
  },
  reopen: async (s) => {
    await s.close();
    return PgIdentityStore.open({ pool, schema });
  },
  replica: async () => PgIdentityStore.open({ pool, schema }),
  destroy: async (s) => s.close(),
  refuseLinkChunks: async () => {
    await pool.query(`CREATE FUNCTION ${schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT ON ${schema}.kith_identity_snapshot FOR EACH ROW WHEN (NEW.kind = 'E') EXECUTE FUNCTION ${schema}.refuse();`);
    return async () => void (await pool.query(`DROP TRIGGER refuse ON ${schema}.kith_identity_snapshot; DROP FUNCTION ${schema}.refuse();`));
  },
  snapshotRows: async (_s, sandbox) => Number((await pool.query<{ n: string | null }>(`SELECT sum(n) AS n FROM ${schema}.kith_identity_snapshot WHERE sandbox = $1`, [sandbox])).rows[0]?.n ?? 0),
});

describe('IdentityService over PgIdentityStore', () => {
  const svcSchema = pgTestSchema('identity_svc');
  const SB = 'sb-svc';
  const recs = (batch: string, from: number, n = 300) => Array.from({ length: n }, (_, i) => item(from + i, [`CRMID:c${i % 40}`, i % 2 ? `Email:m${i % 55}@x.com` : `ECID:${String(i % 70).padStart(38, '1')}`], batch, 'd', `${batch}-${i}`));
  const rules = { uniqueNamespaces: ['CRMID'], graphSizeLimit: 5, linkLimit: 4 };
  const open = async (dir?: string) => openIdentity(dir, undefined, await PgIdentityStore.open({ pool: svcSchema.pool, schema: svcSchema.schema }));
  const withCrmid = async (o: Awaited<ReturnType<typeof open>>) => assert.ok((await o.svc.namespaces.create(SB, { name: 'CRM ID', code: 'CRMID', idType: 'Cross_device' })).ok);

  it('graph writes racing (ingest, unlink by batch, rules) apply in call order; a restart replays to the same graphs', async () => {
    await svcSchema.create();
    const live = await open();
    const ordered = openIdentity();
    try {
      await withCrmid(live);
      // not awaited one by one: the API thread's unlink and settings arrive while the processor ingests
      await Promise.all([live.svc.ingest(SB, recs('b1', 0)), live.svc.unlink(SB, { batchId: 'b1' }), live.svc.ingest(SB, recs('b2', 300)), live.svc.setRules(SB, rules), live.svc.ingest(SB, recs('b3', 600))]);
      await live.svc.checkpoint();
      await live.svc.ingest(SB, recs('b4', 900, 100));
      // the same calls one after another, on SQLite
      await withCrmid(ordered);
      await ordered.svc.ingest(SB, recs('b2', 300));
      await ordered.svc.setRules(SB, rules);
      await ordered.svc.ingest(SB, recs('b3', 600));
      await ordered.svc.ingest(SB, recs('b4', 900, 100));
      const expected = await allGraphs(ordered.svc, SB);
      assert.deepEqual(await allGraphs(live.svc, SB), expected);
      live.crash();
      const again = await open(live.dir);
      assert.deepEqual(await allGraphs(again.svc, SB), expected, 'snapshot + replay of what came after');
      const r = await again.svc.unlink(SB, { batchId: 'b4' });
      assert.ok(r.ok && r.value.removedObservations === 100);
      await again.dispose();
    } finally {
      await ordered.dispose();
    }
  });
});
