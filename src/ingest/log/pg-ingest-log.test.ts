import { after } from 'node:test';
import pg from 'pg';
import { ingestLogContract } from './ingest-log.contract.js';
import { PgIngestLog } from './pg-ingest-log.js';
import { pgTestUrl } from '../../store/postgres/pg-test-url.js';

const admin = new pg.Pool({ connectionString: pgTestUrl(), max: 1 });
after(() => admin.end());
let n = 0;
ingestLogContract(
  'postgres',
  async () => PgIngestLog.open({ connectionString: pgTestUrl(), table: `t_log_${process.pid}_${Date.now().toString(36)}_${++n}` }),
  async (l) => {
    const t = (l as PgIngestLog).tableName;
    await l.close();
    await admin.query(`DROP TABLE IF EXISTS ${t}, ${t}_consumers, ${t}_head`);
  },
);
