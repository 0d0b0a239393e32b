import { after } from 'node:test';
import pg from 'pg';
import { pgTestUrl } from '../store/postgres/pg-test-url.js';
import { seenIdsContract } from './seen-ids.contract.js';
import { PgSeenIds } from './pg-seen-ids.js';

const pool = new pg.Pool({ connectionString: pgTestUrl(), max: 2 });
const schema = `t_seen_${process.pid}_${Date.now().toString(36)}`;
after(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});
seenIdsContract('postgres', {
  create: async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
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
