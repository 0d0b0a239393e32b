import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';
import { rejectionStoreContract } from './rejection-store.contract.js';
import { PgRejectionStore } from './pg-rejection-store.js';

const pg = pgFreshSchemas('gateway_rejections');
const schemas = new Map<object, { schema: string; maxRows: number | undefined }>();
rejectionStoreContract('postgres', {
  create: async (maxRows) => {
    const schema = await pg.fresh();
    const s = await PgRejectionStore.open({ pool: pg.pool, schema, ...(maxRows !== undefined ? { maxRows } : {}) });
    schemas.set(s, { schema, maxRows });
    return s;
  },
  reopen: async (s) => {
    const { schema, maxRows } = schemas.get(s)!;
    const next = await PgRejectionStore.open({ pool: pg.pool, schema, ...(maxRows !== undefined ? { maxRows } : {}) });
    schemas.set(next, { schema, maxRows });
    return next;
  },
  destroy: async (s) => pg.drop(schemas.get(s)!.schema),
});
