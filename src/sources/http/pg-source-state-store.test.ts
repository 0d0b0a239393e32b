import { after } from 'node:test';
import pg from 'pg';
import { pgTestUrl } from '../../store/postgres/pg-test-url.js';
import { sourceStateStoreContract } from './source-state-store.contract.js';
import { PgSourceStateStore } from './pg-source-state-store.js';

const pool = new pg.Pool({ connectionString: pgTestUrl(), max: 2 });
const schema = `t_source_state_${process.pid}_${Date.now().toString(36)}`;
after(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
});
sourceStateStoreContract('postgres', {
  create: async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
    return PgSourceStateStore.open({ pool, schema });
  },
  reopen: async () => PgSourceStateStore.open({ pool, schema }),
  destroy: async () => {},
});
