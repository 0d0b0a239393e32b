/**
 * A real Kith for the profile benchmarks, in its own process (so the load generator does not share the server's event
 * loop): `startTestKith` with the lake processor in its worker thread (not inline). Prints one line
 * `KITH {"url": …, "headers": …, "dataDir": …}` when listening; SIGTERM stops it and keeps the data directory.
 *   node --import tsx bench/profile/server-child.ts <dataDir> [processorOptionsJson]
 */
import { startTestKith } from '../../src/testing/test-kith.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: server-child.ts <dataDir> [processorOptionsJson]');
const processor = process.argv[3] ? (JSON.parse(process.argv[3]) as { streamingBatchMaxAgeMs?: number; idleMs?: number }) : undefined;
const k = await startTestKith({ dataDir }, { processor: { ...processor, inline: false } });
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
