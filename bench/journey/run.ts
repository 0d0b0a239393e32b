/**
 * bench/journey: the three benchmarks of journeys, each in its own process, each printing one JSON object —
 * batch.ts (an audience of 1,000,000 entering a 3-node journey: instances started/s), timers.ts (100,000 waits ending
 * at the same instant: lateness p50/p99), unitary.ts (event → condition → HTTP action → end under 1,000 entries/s and
 * 2,000 other events/s: event ack → request at the sink, p50/p99). `node --import tsx bench/journey/run.ts [batch|timers|unitary ...]`.
 */
import { spawnSync } from 'node:child_process';

const root = new URL('./', import.meta.url).pathname;
const only = process.argv.slice(2);
let failed = 0;
for (const name of ['batch', 'timers', 'unitary']) {
  if (only.length && !only.includes(name)) continue;
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${root}${name}.ts`], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench/journey/${name} exited ${r.status}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
