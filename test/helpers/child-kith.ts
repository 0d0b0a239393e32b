import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { testChildEnv, type TestKith } from '../../src/testing/test-kith.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Starts `kith start` with `args` in a child process and resolves with its base URL (or rejects with its output). The
 * child's storage is a test Kith's on the same directory (testChildEnv) unless `args` say otherwise.
 */
export function startChildKith(dataDir: string, args: string[] = []): Promise<{ child: ChildProcess; baseUrl: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/kith.js'), 'start', '--port', '0', '--query-port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: testChildEnv(dataDir),
    });
    let out = '';
    const t = setTimeout(() => reject(new Error(`child did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, baseUrl: m[1]! });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`child exited ${code}: ${out}`));
    });
  });
}

/** The public API of a child server, with the bootstrap credential of its data directory. */
export function childApi(baseUrl: string, dataDir: string) {
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8'));
  const h = { authorization: `Bearer ${creds.accessToken}`, 'x-api-key': creds.apiKey, 'x-gw-ims-org-id': creds.orgId, 'x-sandbox-name': 'prod', 'content-type': 'application/json' };
  return async (method: string, path: string, body?: unknown) => {
    const r = await fetch(baseUrl + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as any };
  };
}

/**
 * Posts batches to `/collection/batch/{inletId}` from `workers` concurrent clients, kills the child with SIGKILL
 * after `ms`, and returns the keys of the messages the server acknowledged (207 with an xactionId).
 */
export async function loadUntilKilled(child: ChildProcess, baseUrl: string, inletId: string, workers: number, ms: number, batch: (w: number) => { keys: string[]; messages: unknown[] }): Promise<Set<string>> {
  const acked = new Set<string>();
  let stop = false;
  const run = async (w: number) => {
    while (!stop) {
      const { keys, messages } = batch(w);
      try {
        const r = await fetch(`${baseUrl}/collection/batch/${inletId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages }) });
        if (r.status !== 207) continue;
        const body = (await r.json()) as { responses: Array<{ xactionId?: string }> };
        body.responses.forEach((x, i) => x.xactionId && acked.add(keys[i]!));
      } catch {
        return; // the server died mid-request: that batch was not acknowledged
      }
    }
  };
  const running = Array.from({ length: workers }, (_, w) => run(w));
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  stop = true;
  await Promise.all(running);
  return acked;
}

/** After a restart: every acknowledged `_id` is in the dataset's lake table exactly once (none missing, none twice). */
export async function assertInLakeOnce(k: TestKith, datasetId: string, acked: Set<string>): Promise<void> {
  await k.processor.drain();
  const table = ((await k.app.inject({ method: 'GET', url: `/data/foundation/catalog/dataSets/${datasetId}`, headers: k.headers() })).json() as any)[datasetId].tags['adobe/pqs/table'][0];
  const rows = await k.queryLake(`SELECT _id, count(*)::INTEGER AS n FROM ${table} GROUP BY _id`);
  const counts = new Map(rows.map((r) => [String(r._id), Number(r.n)]));
  const missing = [...acked].filter((id) => !counts.has(id));
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged messages missing`);
  const dups = [...counts].filter(([, c]) => c !== 1);
  assert.deepEqual(dups.slice(0, 5), [], 'no message is stored twice');
}
