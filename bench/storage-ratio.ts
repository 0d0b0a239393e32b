/**
 * bench/storage-ratio: one bench run embedded (SQLite files) and on PostgreSQL (KITH_DATABASE_URL), same box, same
 * run; prints the figures of both and the ratio postgres/embedded (issue #18: "the same two benches on PostgreSQL,
 * reported as a ratio to embedded").
 *   node --import tsx bench/storage-ratio.ts [--runs 1] -- <bench script> [args]
 * The PostgreSQL side gets a throwaway schema (KITH_DATABASE_SCHEMA, where the bench root's configuration knows it) in
 * the database of KITH_BENCH_PG_URL (default the tests' one, postgres@127.0.0.1:5432/test), else a throwaway database
 * created on that server; either is dropped after. A server that left no table in it did not use PostgreSQL (a
 * checkout without the setting runs embedded whatever the variable says): the JSON says so and the exit code is 1.
 * Short by default like bench/side-by-side.ts: BENCH_MILLION=0 and BENCH_BACKLOG=50000 unless set.
 */
import pg from 'pg';
import type * as ConfigModule from '../src/config/config.js';
import { hardware } from './hardware.js';
import { rootModule } from './lib/bench-root.js';
import { figuresOf, medians, ratios, type Figures } from './lib/compare.js';
import { runBench } from './lib/run-bench.js';

const USAGE = 'usage: node --import tsx bench/storage-ratio.ts [--runs 1] -- <bench script> [args]';
const PG_URL = process.env.KITH_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash < 0 ? argv : argv.slice(0, dash);
const [script, ...args] = dash < 0 ? [] : argv.slice(dash + 1);
const runsAt = own.indexOf('--runs');
const runs = Number(runsAt < 0 ? 1 : own[runsAt + 1]);
if (!script || !Number.isInteger(runs) || runs < 1) throw new Error(USAGE);

/** Runs `fn` on one connection (CREATE/DROP DATABASE cannot run on the database they name). */
async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = PG_URL): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** True when the bench root's configuration takes KITH_DATABASE_SCHEMA (a checkout without it ignores the variable). */
async function rootTakesSchema(): Promise<boolean> {
  try {
    const { loadConfig } = (await import(rootModule('src/config/config.ts'))) as typeof ConfigModule;
    const r = loadConfig([], { KITH_DATABASE_URL: 'postgres://probe/probe', KITH_DATABASE_SCHEMA: 'kith_probe' });
    return r.ok && Object.values(r.config).includes('kith_probe');
  } catch {
    return false;
  }
}

const name = `kith_bench_${process.pid}_${Date.now().toString(36)}`;
const mode = (await rootTakesSchema()) ? 'schema' : 'database';
const dbUrl = new URL(PG_URL);
if (mode === 'database') dbUrl.pathname = `/${name}`;
const storageEnv = mode === 'schema' ? { KITH_DATABASE_URL: dbUrl.href, KITH_DATABASE_SCHEMA: name } : { KITH_DATABASE_URL: dbUrl.href };

const shortDefaults = { BENCH_MILLION: '0', BENCH_BACKLOG: '50000' };
const embeddedEnv: NodeJS.ProcessEnv = { ...shortDefaults, ...process.env };
for (const k of Object.keys(embeddedEnv)) if (k.startsWith('KITH_DATABASE_')) delete embeddedEnv[k];
const postgresEnv: NodeJS.ProcessEnv = { ...embeddedEnv, ...storageEnv };

type Run = { seconds: number; figures?: Figures; error?: string };
const side = { embedded: [] as Run[], postgres: [] as Run[] };
let setupError: string | undefined;
let tablesCreated: number | undefined;
try {
  await admin((c) => c.query(mode === 'schema' ? `CREATE SCHEMA ${name}` : `CREATE DATABASE ${name}`));
} catch (e) {
  setupError = `cannot create a throwaway ${mode} on ${dbUrl.host}: ${(e as Error).message}`;
}
try {
  for (let i = 0; i < runs; i++) {
    for (const kind of ['embedded', 'postgres'] as const) {
      if (kind === 'postgres' && setupError) continue;
      process.stderr.write(`# storage-ratio: run ${i + 1}/${runs}, ${kind}\n`);
      const r = await runBench(script, args, kind === 'embedded' ? embeddedEnv : postgresEnv);
      side[kind].push(r.ok ? { seconds: r.seconds, figures: figuresOf(r.json) } : { seconds: r.seconds, error: r.error });
    }
  }
} finally {
  if (!setupError) {
    // a bench that starts several servers gives each a schema of its own, named after this one (bench/lib/phase-storage.ts)
    const where = mode === 'schema' ? `(table_schema = '${name}' OR table_schema LIKE '${name}\\_%')` : `table_schema NOT IN ('pg_catalog', 'information_schema')`;
    tablesCreated = await admin(async (c) => Number((await c.query(`SELECT count(*) AS n FROM information_schema.tables WHERE ${where}`)).rows[0].n), dbUrl.href).catch(() => undefined);
    if (mode === 'database') await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    else
      await admin(async (c) => {
        const schemas = (await c.query(`SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname LIKE $2`, [name, `${name}\\_%`])).rows.map((r) => r.nspname as string);
        for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      });
  }
}

const ok = (runs: Run[]) => runs.filter((r) => r.figures).map((r) => r.figures!);
const med = { embedded: medians(ok(side.embedded)), postgres: medians(ok(side.postgres)) };
const postgresError =
  setupError ??
  side.postgres.find((r) => r.error)?.error ??
  (tablesCreated === 0 ? `the server created no table in the throwaway ${mode}: this checkout does not put its state on PostgreSQL for KITH_DATABASE_URL (the figures under postgres are embedded ones)` : undefined);
const ratio = postgresError ? null : ratios(med.postgres, med.embedded);
process.stdout.write(
  JSON.stringify(
    {
      name: 'storage-ratio',
      bench: [script, ...args].join(' '),
      runsPerSide: runs,
      env: Object.fromEntries(Object.entries(embeddedEnv).filter(([k]) => k.startsWith('BENCH_'))),
      embedded: { runs: side.embedded, medians: med.embedded },
      postgres: { throwaway: `${mode} ${name} on ${dbUrl.host} (dropped)`, tablesCreated: tablesCreated ?? null, runs: side.postgres, medians: med.postgres, error: postgresError ?? null },
      ratioPostgresToEmbedded: ratio,
      hardware: hardware(),
    },
    null,
    1,
  ) + '\n',
);
process.exit(postgresError || side.embedded.some((r) => r.error) ? 1 : 0);
