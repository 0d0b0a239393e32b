import { resourceStoreContract } from '../resource-store.contract.js';
import { PgResourceStore } from './pg-resource-store.js';
import { pgFreshSchemas } from './testing/pg-test-schema.js';

const { pool, fresh, drop } = pgFreshSchemas('rs');
const schemaOf = new WeakMap<object, string>();
resourceStoreContract(
  'postgres',
  async () => {
    const schema = await fresh();
    const s = await PgResourceStore.open({ pool, schema });
    schemaOf.set(s, schema);
    return s;
  },
  async (s) => {
    await s.close();
    await drop(schemaOf.get(s)!);
  },
);
