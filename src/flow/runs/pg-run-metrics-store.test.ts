import { pgTestSchema } from '../../store/postgres/testing/pg-test-schema.js';
import { runMetricsStoreContract } from './run-metrics-store.contract.js';
import { PgRunMetricsStore } from './pg-run-metrics-store.js';

const { pool, schema, create } = pgTestSchema('flow_runs');
runMetricsStoreContract('postgres', {
  create: async () => {
    await create();
    return PgRunMetricsStore.open({ pool, schema });
  },
  reopen: async () => PgRunMetricsStore.open({ pool, schema }),
  destroy: async () => {},
});
