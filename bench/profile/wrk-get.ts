import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Closed-loop GETs with wrk (1 thread, `connections` connections): path = prefix + ((n * 7919) % modulo) + suffix.
 * Returns requests/s and wrk's latency percentiles.
 */
export function wrkGet(baseUrl: string, headers: Record<string, string>, prefix: string, suffix: string, modulo: number, seconds: number, connections: number): { reqPerSec: number; p50ms: number; p90ms: number; p99ms: number; non2xx: number } {
  const dir = mkdtempSync(join(tmpdir(), 'wrk-get-'));
  try {
    const script = join(dir, 'get.lua');
    writeFileSync(
      script,
      `local n = 0
${Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n')}
request = function()
  n = n + 1
  return wrk.format("GET", ${JSON.stringify(prefix)} .. ((n * 7919) % ${modulo}) .. ${JSON.stringify(suffix)})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.3f %d %d %d %d\\n", summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(90), latency:percentile(99), summary.errors.status))
end
`,
    );
    const r = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, baseUrl], { encoding: 'utf8' });
    const m = /RESULT (\d+) ([\d.]+) (\d+) (\d+) (\d+) (\d+)/.exec(r.stdout);
    if (!m) throw new Error(`wrk failed: ${r.stdout} ${r.stderr}`);
    return { reqPerSec: Math.round(Number(m[1]) / Number(m[2])), p50ms: Number(m[3]) / 1000, p90ms: Number(m[4]) / 1000, p99ms: Number(m[5]) / 1000, non2xx: Number(m[6]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
}
