import { resourceStoreContract } from '../resource-store.contract.js';
import { PgResourceStore } from './pg-resource-store.js';
import { pgTestUrl } from './pg-test-url.js';

resourceStoreContract(
  'postgres',
  () => PgResourceStore.open({ connectionString: pgTestUrl(), table: `kith_rs_test_${process.pid}_${Date.now() % 100000}` }),
  async (s) => {
    await (s as PgResourceStore).drop();
    await s.close();
  },
);
