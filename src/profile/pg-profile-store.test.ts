import { pgTestSchema } from '../store/postgres/testing/pg-test-schema.js';
import { fragmentStoreContract } from './fragment-store.contract.js';
import { PgProfileStore } from './pg-profile-store.js';

const { pool, schema, create } = pgTestSchema('profile');
fragmentStoreContract('postgres', async () => {
  await create();
  return PgProfileStore.open({ pool, schema });
});
