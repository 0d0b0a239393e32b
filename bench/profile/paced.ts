import http from 'node:http';
import { pct } from './kith-setup.js';

/**
 * Open-loop load: `rate` requests/s for `seconds`, whatever the latency (up to `maxInFlight` in flight; requests that
 * would exceed it are counted as `dropped`). Latency is measured from the moment each request is handed to node:http.
 */
export async function paced(opts: {
  url: string;
  rate: number;
  seconds: number;
  path: (i: number) => string;
  headers: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: (i: number) => string;
  maxInFlight?: number;
  check?: (status: number, body: string) => boolean;
}): Promise<{ requests: number; ok: number; errors: number; dropped: number; reqPerSec: number; p50ms: number; p90ms: number; p99ms: number; p999ms: number; maxms: number }> {
  const u = new URL(opts.url);
  const maxInFlight = opts.maxInFlight ?? 256;
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  const lat: number[] = [];
  let sent = 0, ok = 0, errors = 0, dropped = 0, inFlight = 0;
  const start = performance.now();
  const end = start + opts.seconds * 1000;
  const one = (i: number) => {
    inFlight++;
    const body = opts.body?.(i);
    const h: Record<string, string | number> = { ...opts.headers };
    if (body !== undefined) (h['content-type'] = 'application/json'), (h['content-length'] = Buffer.byteLength(body));
    const t0 = performance.now();
    const req = http.request({ host: u.hostname, port: u.port, path: opts.path(i), method: opts.method ?? 'GET', agent, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        lat.push(performance.now() - t0);
        inFlight--;
        const good = (res.statusCode ?? 500) < 300 && (opts.check ? opts.check(res.statusCode!, Buffer.concat(chunks).toString()) : true);
        if (good) ok++;
        else errors++;
      });
    });
    req.on('error', () => {
      inFlight--;
      errors++;
    });
    req.end(body);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.floor(((Math.min(now, end) - start) / 1000) * opts.rate);
      while (sent < due) {
        if (inFlight >= maxInFlight) dropped++;
        else one(sent);
        sent++;
      }
      if (now < end) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  agent.destroy();
  lat.sort((a, b) => a - b);
  return {
    requests: sent, ok, errors, dropped,
    reqPerSec: Math.round(ok / opts.seconds),
    p50ms: pct(lat, 50), p90ms: pct(lat, 90), p99ms: pct(lat, 99), p999ms: pct(lat, 99.9), maxms: Number((lat[lat.length - 1] ?? NaN).toFixed(2)),
  };
}
