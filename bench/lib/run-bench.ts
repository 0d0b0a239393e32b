import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseBenchJson } from './compare.js';
import { REPO_ROOT } from './bench-root.js';

export type BenchRun = { ok: true; json: unknown; seconds: number } | { ok: false; error: string; seconds: number };

/** Longest a single bench run may take (s) before it is killed: BENCH_RUN_TIMEOUT_S, default 600. */
const TIMEOUT_S = Number(process.env.BENCH_RUN_TIMEOUT_S ?? 600);

/**
 * Runs `node --import tsx <script> ...args` of this repository with `env` (the whole environment: the caller decides
 * what is inherited); its stderr passes through, its stdout is parsed as the bench's JSON.
 */
export function runBench(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<BenchRun> {
  const t0 = performance.now();
  const seconds = () => Math.round((performance.now() - t0) / 100) / 10;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, script), ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_S * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, error: e.message, seconds: seconds() });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const json = parseBenchJson(out);
      if (code === 0 && json !== undefined) resolve({ ok: true, json, seconds: seconds() });
      else resolve({ ok: false, error: `${script} exited ${signal ?? code}${json === undefined ? ', no JSON on stdout' : ''}: ${out.slice(-2000)}`, seconds: seconds() });
    });
  });
}
