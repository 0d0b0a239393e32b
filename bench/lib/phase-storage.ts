import pg from 'pg';

/**
 * A PostgreSQL schema of its own for one server of a bench that starts several in turn (on SQLite a data directory of
 * its own is enough; on PostgreSQL servers of one schema would share their state): `<KITH_DATABASE_SCHEMA or
 * kith_bench>_<tag>`, created now and dropped by `drop()` unless KITH_DATABASE_SCHEMA came from a caller (that caller,
 * bench/storage-ratio.ts, counts their tables and drops them). Embedded: no environment, nothing to drop.
 */
export async function phaseStorage(tag: string, env: NodeJS.ProcessEnv = process.env): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const url = env.KITH_DATABASE_URL;
  if (!url) return { env: {}, drop: async () => {} };
  const schema = `${env.KITH_DATABASE_SCHEMA ?? `kith_bench_${process.pid}`}_${tag}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return { env: { KITH_DATABASE_SCHEMA: schema }, drop: async () => void (env.KITH_DATABASE_SCHEMA ? undefined : await run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)) };
}
