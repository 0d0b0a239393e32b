import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, basename, extname } from 'node:path';
import type { KithConfig } from '../config/config.js';

/**
 * `kith ingest <file> --dataset <id>`: sends a JSON, JSON-lines, CSV or Parquet file through the batch
 * ingestion API (chunked upload with a progress bar), completes the batch, waits for it, and prints the
 * status and the first failed records with their reasons. Talks to a running server over HTTP using
 * `<data dir>/credentials.json` (or KITH_URL / KITH_TOKEN / KITH_API_KEY / KITH_ORG_ID / KITH_SANDBOX).
 */
const CHUNK = 1024 * 1024;

interface Creds {
  baseUrl: string;
  orgId: string;
  sandbox: string;
  apiKey: string;
  accessToken: string;
}

export function loadCreds(cfg: KithConfig, env: NodeJS.ProcessEnv): Creds | undefined {
  const file = join(cfg.dataDir, 'credentials.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Creds>) : {};
  const c = {
    baseUrl: env.KITH_URL ?? saved.baseUrl,
    orgId: env.KITH_ORG_ID ?? saved.orgId,
    sandbox: env.KITH_SANDBOX ?? saved.sandbox ?? 'prod',
    apiKey: env.KITH_API_KEY ?? saved.apiKey,
    accessToken: env.KITH_TOKEN ?? saved.accessToken,
  };
  return c.baseUrl && c.orgId && c.apiKey && c.accessToken ? (c as Creds) : undefined;
}

function bar(done: number, total: number, width = 30): string {
  const f = total === 0 ? 1 : done / total;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}% ${(done / 1024).toFixed(0)}/${(total / 1024).toFixed(0)} KiB`;
}

export async function runIngest(cfg: KithConfig, args: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const file = args.find((a) => !a.startsWith('--'));
  const di = args.indexOf('--dataset');
  const datasetId = di >= 0 ? args[di + 1] : undefined;
  const fi = args.indexOf('--format');
  if (!file || !datasetId) {
    out.write('usage: kith ingest <file> --dataset <datasetId> [--format json|csv|parquet] [--multiline]\n');
    return 2;
  }
  if (!existsSync(file)) {
    out.write(`kith ingest: no such file ${file}\n`);
    return 2;
  }
  const creds = loadCreds(cfg, process.env);
  if (!creds) {
    out.write('kith ingest: no credentials; start the server once or set KITH_URL, KITH_TOKEN, KITH_API_KEY, KITH_ORG_ID\n');
    return 2;
  }
  const ext = extname(file).toLowerCase();
  const format = fi >= 0 ? args[fi + 1]! : ext === '.csv' ? 'csv' : ext === '.parquet' ? 'parquet' : 'json';
  const headers = {
    authorization: `Bearer ${creds.accessToken}`,
    'x-api-key': creds.apiKey,
    'x-gw-ims-org-id': creds.orgId,
    'x-sandbox-name': creds.sandbox,
  };
  const call = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const isBuf = Buffer.isBuffer(body);
    const res = await fetch(`${creds.baseUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': isBuf ? 'application/octet-stream' : 'application/json' }), ...extra },
      body: body === undefined ? undefined : isBuf ? (body as Buffer) : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json: json as Record<string, unknown> };
  };

  const created = await call('POST', '/data/foundation/import/batches', {
    datasetId,
    inputFormat: { format, ...(args.includes('--multiline') ? { isMultiLineJson: true } : {}) },
  });
  if (created.status !== 201) {
    out.write(`kith ingest: cannot create batch (${created.status}): ${JSON.stringify(created.json)}\n`);
    return 1;
  }
  const batchId = String(created.json.id);
  const name = basename(file);
  const data = readFileSync(file);
  const total = statSync(file).size;
  const filePath = `/data/foundation/import/batches/${batchId}/datasets/${datasetId}/files/${encodeURIComponent(name)}`;
  const init = await call('POST', `${filePath}?action=INITIALIZE`, Buffer.alloc(0));
  if (init.status >= 300) {
    out.write(`kith ingest: upload failed (${init.status}): ${JSON.stringify(init.json)}\n`);
    return 1;
  }
  for (let off = 0; off < total || (total === 0 && off === 0); off += CHUNK) {
    const chunk = data.subarray(off, Math.min(total, off + CHUNK));
    if (chunk.length === 0) break;
    const r = await call('PATCH', filePath, chunk, { 'content-range': `bytes ${off}-${off + chunk.length - 1}/${total}` });
    if (r.status >= 300) {
      out.write(`\nkith ingest: upload failed (${r.status}): ${JSON.stringify(r.json)}\n`);
      return 1;
    }
    out.write(`\rupload ${bar(off + chunk.length, total)}`);
  }
  out.write(`\rupload ${bar(total, total)}\n`);
  const done = await call('POST', `/data/foundation/import/batches/${batchId}?action=COMPLETE`);
  if (done.status !== 200) {
    out.write(`kith ingest: COMPLETE failed (${done.status}): ${JSON.stringify(done.json)}\n`);
    return 1;
  }
  let batch: Record<string, unknown> = {};
  for (let i = 0; i < 600; i++) {
    const r = await call('GET', `/data/foundation/catalog/batches/${batchId}`);
    batch = (r.json?.[batchId] ?? {}) as Record<string, unknown>;
    out.write(`\rprocessing: ${String(batch.status)} records ${batch.recordCount ?? 0} failed ${batch.failedRecordCount ?? 0}   `);
    if (batch.status === 'success' || batch.status === 'failed' || batch.status === 'failure') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  out.write(`\nbatch ${batchId}: ${String(batch.status)}, ${batch.recordCount ?? 0} records, ${batch.failedRecordCount ?? 0} failed\n`);
  if (Number(batch.failedRecordCount ?? 0) > 0) {
    const f = await call('GET', `/data/foundation/kith/failed-records?batchId=${batchId}&limit=5`);
    const recs = (f.json?.records ?? []) as Array<{ reason?: string; offset?: number }>;
    out.write('first failures:\n');
    for (const r of recs) out.write(`  - ${r.reason}\n`);
  }
  return batch.status === 'success' ? 0 : 1;
}
