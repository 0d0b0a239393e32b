import { pgFreshSchemas } from '../store/postgres/testing/pg-test-schema.js';
import { notIngestedStoreContract } from './not-ingested-store.contract.js';
import { PgNotIngestedStore } from './pg-not-ingested-store.js';

const { pool, fresh, drop } = pgFreshSchemas('nip');
const schemaOf = new WeakMap<object, string>();
notIngestedStoreContract(
  'postgres',
  async (clock) => {
    const schema = await fresh();
    const s = await PgNotIngestedStore.open({ pool, schema, clock });
    schemaOf.set(s, schema);
    return s;
  },
  async (s) => {
    await s.close();
    await drop(schemaOf.get(s)!);
  },
);
