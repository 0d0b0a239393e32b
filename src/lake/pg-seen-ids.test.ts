import { pgTestSchema } from '../store/postgres/testing/pg-test-schema.js';
import { seenIdsContract } from './seen-ids.contract.js';
import { PgSeenIds } from './pg-seen-ids.js';

const { pool, schema, create } = pgTestSchema('seen');
seenIdsContract('postgres', {
  create: async () => {
    await create();
    return PgSeenIds.open({ pool, schema });
  },
  reopen: async () => PgSeenIds.open({ pool, schema }),
  destroy: async () => {},
  refuseMarks: async () => {
    await pool.query(`CREATE FUNCTION ${schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON ${schema}.kith_seen_marks FOR EACH ROW EXECUTE FUNCTION ${schema}.refuse();`);
    return async () => void (await pool.query(`DROP TRIGGER refuse ON ${schema}.kith_seen_marks; DROP FUNCTION ${schema}.refuse();`));
  },
});
