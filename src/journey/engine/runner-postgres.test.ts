import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';
import { PgJourneyStore } from '../store/pg-journey-store.js';
import type { JourneyStore } from '../store/journey-store.js';
import { runnerContract } from './runner.contract.js';

// the runner over the real PostgreSQL store: a fresh schema per scenario, a restart = a second store on the schema
const { pool, fresh, drop } = pgFreshSchemas('jengine');
const schemaOf = new Map<JourneyStore, string>();
const open = async (schema: string) => {
  const s = await PgJourneyStore.open({ pool, schema });
  schemaOf.set(s, schema);
  return s;
};

runnerContract('PostgreSQL', {
  create: async () => open(await fresh()),
  reopen: async (s) => open(schemaOf.get(s)!),
  destroy: async (stores) => {
    const schemas = new Set<string>();
    for (const s of stores) {
      await s.close();
      schemas.add(schemaOf.get(s)!);
      schemaOf.delete(s);
    }
    for (const sc of schemas) await drop(sc);
  },
});
