import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DEFAULTS, type KithConfig } from '../config/config.js';
import { startKith, type Kith, type StartOptions } from '../runtime/api.js';

export interface TestKith extends Kith {
  /** The four AEP gateway headers for the bootstrap credential and the `prod` sandbox. */
  headers(extra?: Record<string, string>): Record<string, string>;
  /** Stops the server and deletes its data directory (unless keepData). */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  dataDir: string;
}

/** Starts a real Kith on a random loopback port with its own temp data directory. */
export async function startTestKith(overrides: Partial<KithConfig> = {}, opts: StartOptions = {}): Promise<TestKith> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'kith-test-'));
  // the disk guard is off unless a test sets it: a nearly full /tmp must not turn every ingest test into a 503
  const cfg: KithConfig = { ...DEFAULTS, port: 0, queryPort: 0, logLevel: 'silent', minFreeDiskMb: 0, ...onTestDatabase(dataDir, overrides), ...overrides, dataDir };
  const kith = await startKith(cfg, { listen: true, ...opts });
  const t = kith as TestKith;
  t.dataDir = dataDir;
  t.headers = (extra = {}) => ({
    authorization: `Bearer ${kith.local.accessToken}`,
    'x-api-key': kith.local.apiKey,
    'x-gw-ims-org-id': kith.local.orgId,
    'x-sandbox-name': 'prod',
    ...extra,
  });
  t.stop = async ({ keepData = false } = {}) => {
    await kith.close();
    if (keepData) return;
    rmSync(dataDir, { recursive: true, force: true });
    if (cfg.databaseUrl !== undefined && cfg.databaseSchema !== undefined && overrides.databaseUrl === undefined) await dropSchema(cfg.databaseUrl, cfg.databaseSchema);
  };
  return t;
}

/**
 * KITH_TEST_DATABASE_URL set: every test Kith keeps its state on that PostgreSQL, in a schema of its own named after
 * its data directory (a restart on the same directory finds its state; the schema goes with the directory).
 */
function onTestDatabase(dataDir: string, overrides: Partial<KithConfig>): Partial<KithConfig> {
  const url = process.env.KITH_TEST_DATABASE_URL;
  if (!url || overrides.databaseUrl !== undefined) return {};
  return { databaseUrl: url, databaseSchema: testSchemaOf(dataDir), databasePoolMax: 4 };
}

const testSchemaOf = (dataDir: string) => `t_e2e_${createHash('sha1').update(dataDir).digest('hex').slice(0, 16)}`;

/**
 * The environment of a `kith` child process on a test data directory: the same storage a test Kith on that directory
 * uses (KITH_TEST_DATABASE_URL set: its PostgreSQL schema).
 */
export function testChildEnv(dataDir: string): NodeJS.ProcessEnv {
  const url = process.env.KITH_TEST_DATABASE_URL;
  return url ? { ...process.env, KITH_DATABASE_URL: url, KITH_DATABASE_SCHEMA: testSchemaOf(dataDir) } : { ...process.env };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}
