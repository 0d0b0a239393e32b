import { pgTestSchema } from '../store/postgres/testing/pg-test-schema.js';
import { failedRecordsStoreContract } from './failed-records-store.contract.js';
import { PgFailedRecordsStore } from './pg-failed-records-store.js';

const { pool, schema, create } = pgTestSchema('failed');
failedRecordsStoreContract('postgres', {
  create: async (clock) => {
    await create();
    return PgFailedRecordsStore.open({ pool, schema, clock });
  },
  reopen: async (_s, clock) => PgFailedRecordsStore.open({ pool, schema, clock }),
  destroy: async () => {},
});
