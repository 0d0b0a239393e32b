import { after } from 'node:test';
import pg from 'pg';
import { pgTestUrl } from '../store/postgres/pg-test-url.js';
import { failedRecordsStoreContract } from './failed-records-store.contract.js';
import { PgFailedRecordsStore } from './pg-failed-records-store.js';

const pool = new pg.Pool({ connectionString: pgTestUrl(), max: 2 });
const schema = `t_failed_${process.pid}_${Date.now().toString(36)}`;
after(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});
failedRecordsStoreContract('postgres', {
  create: async (clock) => {
    await pool.query(`CREATE SCHEMA ${schema}`);
    return PgFailedRecordsStore.open({ pool, schema, clock });
  },
  reopen: async (_s, clock) => PgFailedRecordsStore.open({ pool, schema, clock }),
  destroy: async () => {},
});
