/**
 * A real Kith for the profile benchmarks, in its own process (so the load generator does not share the server's event
 * loop): `startTestKith` with the lake processor in its worker thread (not inline). Prints one line
 * `KITH {"url": …, "headers": …, "dataDir": …}` when listening; SIGTERM stops it and keeps the data directory.
 * KITH_BENCH_ROOT: run another checkout's sources (bench/side-by-side.ts); KITH_DATABASE_URL: state on PostgreSQL,
 * read through that checkout's configuration (a checkout that does not know the setting runs embedded).
 *   node --import tsx bench/profile/server-child.ts <dataDir> [processorOptionsJson]
 */
import type * as TestKithModule from '../../src/testing/test-kith.js';
import type * as ConfigModule from '../../src/config/config.js';
import { rootModule } from '../lib/bench-root.js';

const { startTestKith } = (await import(rootModule('src/testing/test-kith.ts'))) as typeof TestKithModule;

/** The configuration keys KITH_DATABASE_* set in the bench root's loadConfig, whatever they are named there. */
async function storageOverrides(): Promise<Record<string, unknown>> {
  if (!process.env.KITH_DATABASE_URL) return {};
  const { loadConfig, DEFAULTS } = (await import(rootModule('src/config/config.ts'))) as typeof ConfigModule;
  const r = loadConfig([], Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('KITH_DATABASE_'))));
  if (!r.ok) throw new Error(r.error);
  const defaults = DEFAULTS as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.entries(r.config).filter(([k, v]) => v !== defaults[k]));
}

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: server-child.ts <dataDir> [processorOptionsJson]');
const processor = process.argv[3] ? (JSON.parse(process.argv[3]) as { streamingBatchMaxAgeMs?: number; idleMs?: number }) : undefined;
const k = await startTestKith({ ...(await storageOverrides()), dataDir }, { processor: { ...processor, inline: false } });
process.stdout.write(`KITH ${JSON.stringify({ url: k.baseUrl, headers: k.headers(), dataDir })}\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await k.stop({ keepData: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
