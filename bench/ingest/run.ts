/**
 * bench/ingest: streaming ingestion over loopback, Kith vs the bare node:http + SQLite baseline, same load.
 *  - 100-message batches to /collection/batch (target >= 25,000 messages/s accepted, durably committed)
 *  - single messages to /collection (target >= 6,000 req/s)
 *  - lake processor throughput on a 200k-message backlog (target >= 20,000 messages/s)
 *  - peak RSS of the server after 1M accepted messages
 * Env: BENCH_SECONDS (default 8), BENCH_MILLION (default 1000000; 0 skips), BENCH_BACKLOG (default 200000).
 * KITH_BENCH_ROOT runs another checkout's Kith (bench/side-by-side.ts); KITH_DATABASE_URL puts its state on PostgreSQL.
 * `serverCpuUsPerEvent` (the server's CPU, every thread, from /proc) per accepted message in the load phases and per
 * drained message in the processor phase: on a shared box it compares changes more steadily than throughput. On
 * PostgreSQL also `databaseCpuUsPerEvent` (the backends serving the server) and their sum, `totalCpuUsPerEvent`.
 * Prints one JSON object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { benchRoot, kithEntryEnv, REPO_ROOT, storageKind } from '../lib/bench-root.js';
import { load, peakRssMiB } from '../lib/load.js';
import { phaseStorage } from '../lib/phase-storage.js';
import { cpuFigures, readCpu } from '../lib/server-cpu.js';
import { hasWrk, wrkPost } from '../lib/wrk.js';

const KITH = join(benchRoot(), 'bin/kith.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const MILLION = Number(process.env.BENCH_MILLION ?? 1_000_000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 200_000);

function startProcess(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/i.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
}

const stop = (c: ChildProcess) =>
  new Promise<void>((r) => {
    c.removeAllListeners('exit');
    c.on('exit', () => r());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
  });

async function setup(url: string, dataDir: string) {
  const c = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8'));
  const h = { authorization: `Bearer ${c.accessToken}`, 'x-api-key': c.apiKey, 'x-gw-ims-org-id': c.orgId, 'x-sandbox-name': 'prod', 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => (await fetch(url + path, { method: 'POST', headers: h, body: JSON.stringify(body) })).json() as Promise<any>;
  const schema = await post('/data/foundation/schemaregistry/tenant/schemas', {
    title: 'Bench events',
    allOf: [{ $ref: 'https://ns.adobe.com/xdm/context/experienceevent' }, { $ref: 'https://ns.adobe.com/xdm/context/identitymap' }, { $ref: 'https://ns.adobe.com/xdm/context/experienceevent-commerce' }],
  });
  const ds = await post('/data/foundation/catalog/dataSets', { name: 'Bench events', schemaRef: { id: schema.$id, contentType: 'application/vnd.adobe.xed-full+json;version=1' } });
  const conn = await post('/data/foundation/flowservice/connections', { name: 'bench', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' }, auth: { params: { dataType: 'xdm' } } });
  const g = (await (await fetch(`${url}/data/foundation/flowservice/connections/${conn.id}`, { headers: h })).json()) as any;
  return { schemaId: schema.$id as string, datasetId: String(ds[0]).slice(11), inletId: g.items[0].auth.params.inletId as string, headers: h };
}

function messageFactory(schemaId: string, datasetId: string, tag: string) {
  const ref = JSON.stringify({ id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' });
  const head = `{"header":{"schemaRef":${ref},"datasetId":"${datasetId}"},"body":{"xdmMeta":{"schemaRef":${ref}},"xdmEntity":`;
  return (n: number) =>
    `${head}{"_id":"${tag}-${n}","timestamp":"2026-01-01T00:00:00Z","eventType":"commerce.purchases","identityMap":{"Email":[{"id":"user${n % 50000}@example.com","primary":true}]},"commerce":{"order":{"priceTotal":${n % 500},"currencyCode":"USD"},"purchases":{"value":1}},"productListItems":[{"SKU":"sku-${n % 97}","quantity":1,"priceTotal":${n % 500}}]}}}`;
}

async function status(url: string, headers: Record<string, string>) {
  return (await (await fetch(`${url}/data/foundation/kith/ingest/status`, { headers })).json()) as { backlog: number; lakeOffset: number; logHead: number; downstreamOffset?: number };
}

async function main() {
  const useWrk = hasWrk();
  const result: Record<string, unknown> = { name: 'ingest', storage: storageKind(), hardware: hardware(), seconds: SECONDS, singleMessageLoadGenerator: useWrk ? 'wrk (Debian)' : 'node http (install wrk for the reference figure)' };

  // ---- Kith: acceptance rates (processor running, as in production) ---------------------------
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-'));
  const accept = await phaseStorage('accept');
  // the million-message phase measures throughput and memory, not back-pressure: the old 2,000,000-entry threshold
  let kith = await startProcess([KITH, 'start', '--port', '0', '--query-port', '0', '--data-dir', dir, '--log-level', 'error'], { ...kithEntryEnv(), ...accept.env, KITH_MAX_BACKLOG: '2000000' });
  const s = await setup(kith.url, dir);
  const msg = messageFactory(s.schemaId, s.datasetId, 'a');
  const batchBody = (i: number) => {
    const parts: string[] = [];
    for (let j = 0; j < 100; j++) parts.push(msg(i * 100 + j));
    return `{"messages":[${parts.join(',')}]}`;
  };
  const batchCpu0 = readCpu(kith.child.pid);
  const batchLoad = await load({ url: `${kith.url}/collection/batch/${s.inletId}`, seconds: SECONDS, concurrency: 16, perRequest: 100, body: batchBody });
  // the processor works through the accepted messages meanwhile: what it has not reached yet is not in this CPU figure
  const batch = { ...batchLoad, ...cpuFigures(batchCpu0, readCpu(kith.child.pid), batchLoad.ok * 100), backlogAfter: (await status(kith.url, s.headers)).backlog };
  const singleMsg = (tag: string) => messageFactory(s.schemaId, s.datasetId, tag)(0).split('"' + tag + '-0"');
  const singleCpu0 = readCpu(kith.child.pid);
  const singleLoad = useWrk
    ? { tool: 'wrk -t1 -c64', ...wrkPost(`${kith.url}/collection/${s.inletId}`, singleMsg('s')[0] + '"s-', '"' + singleMsg('s')[1], SECONDS, 64) }
    : { tool: 'node', ...(await load({ url: `${kith.url}/collection/${s.inletId}`, seconds: SECONDS, concurrency: 64, body: (i) => messageFactory(s.schemaId, s.datasetId, 's')(i) })) };
  const single = { ...singleLoad, ...cpuFigures(singleCpu0, readCpu(kith.child.pid), singleLoad.reqPerSec * SECONDS) };
  result.kith = { batch100: batch, single };
  const singleOk = single.reqPerSec;

  // ---- peak RSS after 1M accepted messages ------------------------------------------------------
  if (MILLION > 0) {
    const already = batch.ok * 100 + Math.round(singleOk * SECONDS);
    const remaining = Math.max(0, MILLION - already);
    const msgM = messageFactory(s.schemaId, s.datasetId, 'm');
    const more = await load({
      url: `${kith.url}/collection/batch/${s.inletId}`,
      seconds: 600,
      concurrency: 16,
      perRequest: 100,
      maxRequests: Math.ceil(remaining / 100),
      body: (i) => {
        const parts: string[] = [];
        for (let j = 0; j < 100; j++) parts.push(msgM(i * 100 + j));
        return `{"messages":[${parts.join(',')}]}`;
      },
    });
    result.million = { acceptedMessages: already + more.ok * 100, peakRssMiB: await peakRssMiB(kith.child.pid!), rate: more.msgsPerSec };
  }
  await stop(kith.child);

  // ---- lake processor: drain a backlog built with the processor off -----------------------------
  const dir2 = mkdtempSync(join(tmpdir(), 'kith-bench-p-'));
  const drain = await phaseStorage('drain');
  kith = await startProcess([KITH, 'start', '--port', '0', '--query-port', '0', '--data-dir', dir2, '--log-level', 'error'], { ...kithEntryEnv(), ...drain.env, KITH_PROCESSOR: 'off' });
  const s2 = await setup(kith.url, dir2);
  const msgP = messageFactory(s2.schemaId, s2.datasetId, 'p');
  await load({
    url: `${kith.url}/collection/batch/${s2.inletId}`,
    seconds: 600,
    concurrency: 8,
    perRequest: 100,
    maxRequests: BACKLOG / 100,
    body: (i) => {
      const parts: string[] = [];
      for (let j = 0; j < 100; j++) parts.push(msgP(i * 100 + j));
      return `{"messages":[${parts.join(',')}]}`;
    },
  });
  await stop(kith.child);
  kith = await startProcess([KITH, 'start', '--port', '0', '--query-port', '0', '--data-dir', dir2, '--log-level', 'error'], { ...kithEntryEnv(), ...drain.env });
  const t0 = Date.now();
  const behind = (st: Awaited<ReturnType<typeof status>>) => st.logHead - Math.min(st.lakeOffset, st.downstreamOffset ?? st.lakeOffset);
  // CPU counts once the processor worker has booted and moved (its boot is no per-event cost), per entry behind then
  let window: { cpu: ReturnType<typeof readCpu>; behind: number } | undefined;
  const first = await status(kith.url, s2.headers);
  let drainS: number | undefined;
  for (let st = first; ; st = await status(kith.url, s2.headers)) {
    if (!window && st.lakeOffset > first.lakeOffset && st.backlog > 0) window = { cpu: readCpu(kith.child.pid), behind: behind(st) };
    if (drainS === undefined && st.backlog <= 0) drainS = (Date.now() - t0) / 1000;
    // CPU until the downstream consumer (identity, profile) is through too, where the status reports it (10 s at most)
    if (drainS !== undefined && (behind(st) <= 0 || Date.now() - t0 > drainS * 1000 + 10_000)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const drainCpu1 = readCpu(kith.child.pid);
  result.processor = {
    backlogMessages: BACKLOG,
    seconds: drainS,
    msgsPerSec: Math.round(BACKLOG / drainS),
    // null when the backlog was gone before the first look (raise BENCH_BACKLOG)
    ...(window ? cpuFigures(window.cpu, drainCpu1, window.behind) : { serverCpuUsPerEvent: null }),
    cpuWindowEntries: window?.behind ?? 0,
  };
  await stop(kith.child);

  // ---- bare baseline -----------------------------------------------------------------------------
  const base = await startProcess(['--import', 'tsx', join(REPO_ROOT, 'bench/ingest/baseline-server.ts'), join(dir2, 'baseline.db')]);
  const bBatch = await load({ url: `${base.url}/collection/batch/x`, seconds: SECONDS, concurrency: 16, perRequest: 100, body: batchBody });
  const bSingle = useWrk
    ? { tool: 'wrk -t1 -c64', ...wrkPost(`${base.url}/collection/x`, singleMsg('b')[0] + '"b-', '"' + singleMsg('b')[1], SECONDS, 64) }
    : { tool: 'node', ...(await load({ url: `${base.url}/collection/x`, seconds: SECONDS, concurrency: 64, body: (i) => messageFactory(s.schemaId, s.datasetId, 'b')(i) })) };
  await stop(base.child);
  result.baseline = { what: 'node:http + JSON.parse + one SQLite transaction (WAL, synchronous=FULL) per request', batch100: bBatch, single: bSingle };
  result.ratio = {
    batch100: Math.round((batch.msgsPerSec / Math.max(1, bBatch.msgsPerSec)) * 100) / 100,
    single: Math.round((single.reqPerSec / Math.max(1, bSingle.reqPerSec)) * 100) / 100,
  };
  result.figures = [
    { figure: batch.msgsPerSec, unit: 'messages/s accepted (100-message batches)', target: 25000 },
    { figure: single.reqPerSec, unit: 'requests/s (single messages)', target: 6000 },
    { figure: (result.processor as { msgsPerSec: number }).msgsPerSec, unit: 'messages/s lake processor', target: 20000 },
  ];
  rmSync(dir, { recursive: true, force: true });
  rmSync(dir2, { recursive: true, force: true });
  await accept.drop();
  await drain.drop();
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
