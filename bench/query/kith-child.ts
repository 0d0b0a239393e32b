/**
 * A real `kith start` in a child process over the bench's data directory (its own event loop and threads, as a real
 * deployment's clients never share them), with the Query Service's port set through KITH_QUERY_PORT and the lake's
 * DuckDB threads through KITH_LAKE_THREADS. The credentials come from `<dataDir>/credentials.json`, as a user's would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { benchRoot, kithEntryEnv } from '../lib/bench-root.js';

export interface KithChild {
  url: string;
  /** The AEP gateway headers of the bootstrap credential, sandbox `prod`. */
  headers: Record<string, string>;
  orgId: string;
  accessToken: string;
  queryPort: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A free loopback TCP port (the query port must be known before the child starts: it does not print it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startKithChild(dataDir: string, opts: { lakeThreads: number; env?: Record<string, string> }): Promise<KithChild> {
  const queryPort = await freePort();
  const env = { ...process.env, ...kithEntryEnv(), KITH_QUERY_PORT: String(queryPort), KITH_LAKE_THREADS: String(opts.lakeThreads), ...opts.env };
  const child = spawn(process.execPath, [join(benchRoot(), 'bin/kith.js'), 'start', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--min-free-disk-mb', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) => reject(new Error(`kith exited ${code} before listening: ${out.slice(-2000)}`));
    child.on('exit', onExit);
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      // the server's warnings and errors pass through (a failing query engine shows here)
      process.stderr.write(d);
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (https?:\/\/\S+)/.exec(out);
      if (!m) return;
      child.off('exit', onExit);
      resolve(m[1]!);
    });
  });
  child.stdout!.resume();
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { accessToken: string; apiKey: string; orgId: string };
  const headers = { authorization: `Bearer ${creds.accessToken}`, 'x-api-key': creds.apiKey, 'x-gw-ims-org-id': creds.orgId, 'x-sandbox-name': 'prod' };
  return {
    url,
    headers,
    orgId: creds.orgId,
    accessToken: creds.accessToken,
    queryPort,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
      }),
  };
}

/** JSON over the public API of a child; throws with the answer on a status >= 300. */
export async function api(k: Pick<KithChild, 'url' | 'headers'>, method: string, path: string, body?: unknown, accept?: string): Promise<any> {
  const headers: Record<string, string> = { ...k.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(accept ? { accept } : {}) };
  const r = await fetch(k.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 1000)}`);
  return text ? JSON.parse(text) : undefined;
}

export interface IngestStatus {
  logHead: number;
  lakeOffset: number;
  backlog: number;
}

export const ingestStatus = (k: Pick<KithChild, 'url' | 'headers'>): Promise<IngestStatus> => api(k, 'GET', '/data/foundation/kith/ingest/status') as Promise<IngestStatus>;

/** Waits until the lake has committed everything acknowledged so far (polls the ingest status; a stuck lake times out). */
export async function lakeCaughtUp(k: Pick<KithChild, 'url' | 'headers'>, timeoutMs = 600_000): Promise<IngestStatus> {
  const t0 = performance.now();
  for (;;) {
    const s = await ingestStatus(k);
    if (s.lakeOffset >= s.logHead) return s;
    if (performance.now() - t0 > timeoutMs) throw new Error(`the lake is still ${s.logHead - s.lakeOffset} entries behind after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
