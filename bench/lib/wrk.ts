import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when Debian's wrk is installed (apt-get install wrk). */
export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
}

/**
 * POSTs with wrk (1 thread, `connections` connections, `seconds`): each request body is `prefix + n + suffix`
 * with a counter, so every message is distinct. Returns requests/s and latency.
 */
export function wrkPost(url: string, prefix: string, suffix: string, seconds: number, connections: number): { reqPerSec: number; p50ms: number; p99ms: number; non2xx: number } {
  const dir = mkdtempSync(join(tmpdir(), 'wrk-'));
  const script = join(dir, 'post.lua');
  writeFileSync(
    script,
    `local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local prefix = ${JSON.stringify(prefix).replace(/\\\//g, '/')}
local suffix = ${JSON.stringify(suffix)}
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, prefix .. n .. suffix)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.3f %d %d %d\\n", summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99), summary.errors.status))
end
`,
  );
  const r = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
  const m = /RESULT (\d+) ([\d.]+) (\d+) (\d+) (\d+)/.exec(r.stdout);
  if (!m) throw new Error(`wrk failed: ${r.stdout} ${r.stderr}`);
  return { reqPerSec: Math.round(Number(m[1]) / Number(m[2])), p50ms: Number(m[3]) / 1000, p99ms: Number(m[4]) / 1000, non2xx: Number(m[5]) };
}
