/** Runs every bench/<area>/run.ts in turn; each prints one JSON object. */
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('./', import.meta.url).pathname;
const only = process.argv.slice(2);
for (const area of readdirSync(root).sort()) {
  const script = join(root, area, 'run.ts');
  if (!existsSync(script) || (only.length && !only.includes(area))) continue;
  process.stderr.write(`# bench/${area}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
  if (r.status !== 0) process.stderr.write(`bench/${area} exited ${r.status}\n`);
}
