import { pgTestSchema } from '../../store/postgres/testing/pg-test-schema.js';
import { sourceStateStoreContract } from './source-state-store.contract.js';
import { PgSourceStateStore } from './pg-source-state-store.js';

const { pool, schema, create } = pgTestSchema('source_state');
sourceStateStoreContract('postgres', {
  create: async () => {
    await create();
    return PgSourceStateStore.open({ pool, schema });
  },
  reopen: async () => PgSourceStateStore.open({ pool, schema }),
  destroy: async () => {},
});
