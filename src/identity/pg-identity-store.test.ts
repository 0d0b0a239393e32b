import { pgTestSchema } from '../store/postgres/testing/pg-test-schema.js';
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
