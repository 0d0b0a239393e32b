import { ingestLogContract } from './ingest-log.contract.js';
import { PgIngestLog } from './pg-ingest-log.js';
import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';

const { pool, fresh, drop } = pgFreshSchemas('log');
const schemaOf = new WeakMap<object, string>();
ingestLogContract(
  'postgres',
  async () => {
    const schema = await fresh();
    const l = await PgIngestLog.open({ pool, schema });
    schemaOf.set(l, schema);
    return l;
  },
  async (l) => {
    await l.close();
    await drop(schemaOf.get(l)!);
  },
);
