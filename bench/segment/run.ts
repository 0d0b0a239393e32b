/**
 * bench/segment: streaming qualification latency (streaming.ts: 50 streaming definitions, 5,000 events/s, event
 * acked -> membership visible in the entities API) and batch evaluation (batch.ts: 1M profiles x 20 definitions
 * as compiled DuckDB SQL vs hand-written SQL), and the runtime's own cost per event (runtime.ts: one thread, no HTTP).
 * Each prints one JSON object.
 */
import { spawnSync } from 'node:child_process';

for (const script of ['streaming.ts', 'runtime.ts', 'batch.ts']) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(script, import.meta.url).pathname], { stdio: 'inherit' });
  if (r.status !== 0) process.stderr.write(`bench/segment/${script} exited ${r.status}\n`);
}
