import { after } from 'node:test';
import pg from 'pg';
import { pgTestUrl } from '../store/postgres/pg-test-url.js';
import { notIngestedStoreContract } from './not-ingested-store.contract.js';
import { PgNotIngestedStore } from './pg-not-ingested-store.js';

const admin = new pg.Pool({ connectionString: pgTestUrl(), max: 1 });
after(() => admin.end());
let n = 0;
notIngestedStoreContract(
  'postgres',
  async (clock) => PgNotIngestedStore.open({ connectionString: pgTestUrl(), table: `t_nip_${process.pid}_${Date.now().toString(36)}_${++n}`, clock }),
  async (s) => {
    const t = (s as PgNotIngestedStore).tableName;
    await s.close();
    await admin.query(`DROP TABLE IF EXISTS ${t}`);
  },
);
