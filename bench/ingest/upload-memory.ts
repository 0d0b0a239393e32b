/**
 * Upload memory: peak RSS of a Kith server (its own process) while 3 clients each upload a 250 MiB JSON-lines file
 * to a batch at the same time (`PUT /data/foundation/import/batches/{id}/datasets/{ds}/files/{name}`). Baseline, same
 * run: a bare node:http server piping the same three uploads to disk. Target: Kith's peak < 500 MiB.
 *   node --import tsx bench/ingest/upload-memory.ts [fileMiB=250] [uploads=3]
 * BENCH_COMPLETE=1 also COMPLETEs the batches (parsing the staged files into the ingest log) and reports the peak after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { hardware } from '../hardware.js';
import { peakRssMiB } from '../lib/load.js';

const FILE_MIB = Number(process.argv[2] ?? 250);
const UPLOADS = Number(process.argv[3] ?? 3);
const ROOT = new URL('../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'kith-upload-bench-'));

/** A JSON-lines file of about `mib` MiB of small profile records. */
async function makeFile(path: string, mib: number): Promise<number> {
  const out = createWriteStream(path);
  const line = (i: number) => `{"_id":"${i}","person":{"name":{"firstName":"F${i}","lastName":"L${i}"}},"personalEmail":{"address":"u${i}@example.com"}}\n`;
  let i = 0;
  let bytes = 0;
  while (bytes < mib * 2 ** 20) {
    const lines: string[] = [];
    for (let j = 0; j < 10_000; j++) lines.push(line(i++));
    const chunk = lines.join('');
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

/** Starts a child and waits for its first stdout line matching `re`. */
async function child(args: string[], re: RegExp): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  for await (const d of proc.stdout!) {
    buf += String(d);
    const m = re.exec(buf);
    if (m) return { proc, match: m };
  }
  throw new Error(`child ${args.join(' ')} exited before printing ${re}`);
}

function put(url: string, headers: Record<string, string>, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(statSync(file).size) } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  proc.kill('SIGTERM');
  if (proc.exitCode === null) await once(proc, 'exit');
}

const file = join(tmp, 'upload.jsonl');
const fileBytes = await makeFile(file, FILE_MIB);
try {
  // ---- baseline: bare node:http piping each upload to a file ----
  const baseDir = join(tmp, 'baseline');
  const bare = await child(['bench/ingest/upload-baseline-server.ts', baseDir], /listening on (\S+)/);
  const bareRssBefore = await peakRssMiB(bare.proc.pid!);
  let t0 = performance.now();
  const bareStatuses = await Promise.all(Array.from({ length: UPLOADS }, (_, i) => put(`${bare.match[1]}/f${i}`, {}, file)));
  const bareSeconds = (performance.now() - t0) / 1000;
  const barePeak = await peakRssMiB(bare.proc.pid!);
  await stop(bare.proc);

  // ---- Kith ----
  const dataDir = join(tmp, 'kith');
  const kith = await child(['bench/profile/server-child.ts', dataDir], /KITH (\{.*\})\n/);
  const { url, headers } = JSON.parse(kith.match[1]!) as { url: string; headers: Record<string, string> };
  const api = async (method: string, path: string, body: unknown) => {
    const r = await fetch(`${url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as any;
  };
  const schema = await api('POST', '/data/foundation/schemaregistry/tenant/schemas', {
    type: 'object',
    title: 'Upload bench',
    allOf: [{ $ref: 'https://ns.adobe.com/xdm/context/profile' }, { $ref: 'https://ns.adobe.com/xdm/context/profile-person-details' }],
  });
  const ds = String((await api('POST', '/data/foundation/catalog/dataSets', { name: 'Upload bench', schemaRef: { id: schema.$id, contentType: 'application/vnd.adobe.xed-full+json;version=1' } }))[0]).replace('@/dataSets/', '');
  const batches = await Promise.all(Array.from({ length: UPLOADS }, () => api('POST', '/data/foundation/import/batches', { datasetId: ds, inputFormat: { format: 'json' } })));
  const kithRssBefore = await peakRssMiB(kith.proc.pid!);
  t0 = performance.now();
  const statuses = await Promise.all(batches.map((b: { id: string }) => put(`${url}/data/foundation/import/batches/${b.id}/datasets/${ds}/files/upload.jsonl`, headers, file)));
  const seconds = (performance.now() - t0) / 1000;
  const peak = await peakRssMiB(kith.proc.pid!);
  let complete: Record<string, number> | undefined;
  if (process.env.BENCH_COMPLETE === '1') {
    const t1 = performance.now();
    for (const b of batches as Array<{ id: string }>) {
      const r = await fetch(`${url}/data/foundation/import/batches/${b.id}?action=COMPLETE`, { method: 'POST', headers });
      if (r.status !== 200) throw new Error(`COMPLETE ${b.id}: ${r.status} ${await r.text()}`);
    }
    complete = { peakAfterCompleteMiB: await peakRssMiB(kith.proc.pid!), seconds: Math.round((performance.now() - t1) / 100) / 10 };
  }
  await stop(kith.proc);
  if (statuses.some((s) => s !== 200) || bareStatuses.some((s) => s !== 200)) throw new Error(`uploads failed: kith ${statuses}, baseline ${bareStatuses}`);

  process.stdout.write(
    JSON.stringify(
      {
        name: 'ingest/upload-memory',
        figure: peak,
        unit: 'MiB peak RSS (VmHWM) of the server process',
        target: '< 500',
        hardware: hardware(),
        uploads: UPLOADS,
        fileMiB: Math.round(fileBytes / 2 ** 20),
        seconds: Math.round(seconds * 10) / 10,
        peakBeforeUploadsMiB: kithRssBefore,
        ...(complete ? { complete } : {}),
        baseline: { name: 'bare node:http server piping each upload to a file', figure: barePeak, peakBeforeUploadsMiB: bareRssBefore, seconds: Math.round(bareSeconds * 10) / 10 },
      },
      null,
      2,
    ) + '\n',
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
