import http from 'node:http';
import { readFileSync } from 'node:fs';

/** A closed-loop HTTP load generator: `concurrency` requests in flight, for `seconds`, keep-alive. */
export async function load(opts: {
  url: string;
  seconds: number;
  concurrency: number;
  body: (i: number) => string;
  headers?: Record<string, string>;
  /** Messages per request (for messages/s). */
  perRequest?: number;
  /** Stop early after this many requests. */
  maxRequests?: number;
}): Promise<{ requests: number; ok: number; errors: number; seconds: number; reqPerSec: number; msgsPerSec: number; p50ms: number; p99ms: number; statuses: Record<string, number> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const u = new URL(opts.url);
  const deadline = Date.now() + opts.seconds * 1000;
  let i = 0;
  let ok = 0;
  let errors = 0;
  const lat: number[] = [];
  const statuses: Record<string, number> = {};
  const one = () =>
    new Promise<void>((resolve) => {
      const body = opts.body(i++);
      const t0 = performance.now();
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...opts.headers } },
        (res) => {
          res.resume();
          res.on('end', () => {
            lat.push(performance.now() - t0);
            statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
            if ((res.statusCode ?? 500) < 300) ok++;
            else errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const start = Date.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (Date.now() < deadline && (opts.maxRequests === undefined || i < opts.maxRequests)) await one();
    }),
  );
  const seconds = (Date.now() - start) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number) => Math.round((lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? 0) * 100) / 100;
  return {
    requests: i,
    ok,
    errors,
    seconds,
    reqPerSec: Math.round(ok / seconds),
    msgsPerSec: Math.round((ok * (opts.perRequest ?? 1)) / seconds),
    p50ms: q(0.5),
    p99ms: q(0.99),
    statuses,
  };
}

/** Peak resident set (VmHWM) of a process, in MiB. */
export async function peakRssMiB(pid: number): Promise<number> {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
}

/** CPU time (user + system, every thread) of a process in ms, from /proc (Linux; USER_HZ is 100); undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The machine's idle and total CPU ticks (first line of /proc/stat; idle includes iowait); undefined elsewhere. */
export function machineTicks(): { idle: number; total: number } | undefined {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: v[3]! + v[4]!, total: v.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/** CPU (user + system, every thread of this process) spent in `fn`, in µs. */
export async function cpuUs(fn: () => Promise<void> | void): Promise<number> {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}

/** Two decimals, as the bench JSON prints figures. */
export const round2 = (n: number): number => Number(n.toFixed(2));
