/**
 * bench/segment/streaming: streaming qualification latency on a real server (processor in its worker thread), run
 * in its own process (bench/profile/server-child.ts); this process generates the load and polls, as clients would.
 * 50 streaming definitions (event counts in windows, sums, attribute tests, a segment of segments), background
 * load of ExperienceEvents through /collection/batch at BENCH_RATE events/s (default 5,000, batches of 50) over
 * BENCH_PROFILES profiles, and BENCH_PROBES probe events (each makes one fresh profile qualify for the "probe"
 * definition): latency = from the probe's acknowledgement (HTTP 200) to its membership being visible in the
 * entities API (polled every BENCH_POLL_MS, default 10 ms, backing off to a tenth of the time waited). Baseline: the same probe's ack-to-visible time of the event itself in the
 * ExperienceEvent entities lookup (what the profile alone costs, without segmentation).
 * BENCH_PROBE_LOG=<file> appends one line per probe: seconds into the run, membership ms, event-visible ms, wall-clock
 * seconds of the ack. `trend` gives p50/p99 per quarter of the probe window: a rising trend is a backlog that grows
 * (the offered rate is not sustained), which one p99 over a short window can hide; BENCH_SECONDS lengthens the run.
 * `serverCpuUsPerEvent` (the server's CPU, all threads, per acknowledged event) and `machineIdlePercent` cover the
 * probe window: on a saturated machine they compare changes far more steadily than latency does. On PostgreSQL also
 * `databaseCpuUsPerEvent` (the backends serving the server) and the sum of both, `totalCpuUsPerEvent`. `backlogGrowth`:
 * log entries the processor fell further behind over the window (a CPU figure of a run that did not keep up is low).
 * `segmentEntriesPerSecond`: memberships entered during the probe window (each one a membership row and an audience
 * event). With the default population it grows over the run (see `entered` below); BENCH_PROFILES sets it.
 * KITH_BENCH_ROOT runs another checkout's Kith (bench/side-by-side.ts); KITH_DATABASE_URL puts its state on PostgreSQL.
 *   node --import tsx bench/segment/streaming.ts
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { hardware } from '../hardware.js';
import { storageKind } from '../lib/bench-root.js';
import { machineTicks } from '../lib/load.js';
import { cpuFigures, readCpu } from '../lib/server-cpu.js';
import { startKithProcess } from '../profile/kith-setup.js';
import { benchDefinitions, EVENT_TYPES, PROBE_PQL } from './definitions.js';

const RATE = Number(process.env.BENCH_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PROFILES = Number(process.env.BENCH_PROFILES ?? 20_000);
const PROBES = Number(process.env.BENCH_PROBES ?? 200);
const BATCH = 50;
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 10);
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;

// the server runs in its own process (as a real deployment's clients are not in its event loop); this process is
// the load generator and the probe client
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-segbench-'));
const k = await startKithProcess(dataDir);
const orgId = k.headers['x-gw-ims-org-id']!;
// BENCH_INFO_FILE=<file>: the server's URL and request headers, for side measurements against the loaded server
if (process.env.BENCH_INFO_FILE) fs.writeFileSync(process.env.BENCH_INFO_FILE, JSON.stringify({ url: k.url, headers: k.headers }));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const u = new URL(k.url);
/** `body`: an object (JSON-encoded here) or an already encoded JSON string (the load generator's batches). */
function req(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const r = http.request({ host: u.hostname, port: u.port, path, method, agent, headers: { ...k.headers, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: any;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = text; }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    r.on('error', reject);
    if (data) r.write(data);
    r.end();
  });
}
const must = async (p: Promise<{ status: number; json: any }>, ok: number[] = [200, 201]) => {
  const r = await p;
  if (!ok.includes(r.status)) throw new Error(`${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
};

// ---- setup through the public API ----
const schema = (await must(req('POST', '/data/foundation/schemaregistry/tenant/schemas', { type: 'object', title: 'Bench events', allOf: [{ $ref: FG('experienceevent') }, { $ref: FG('identitymap') }, { $ref: FG('experienceevent-commerce') }, { $ref: FG('experienceevent-web') }], 'meta:immutableTags': ['union'] }))).$id as string;
const ds = String((await must(req('POST', '/data/foundation/catalog/dataSets', { name: 'Bench events', schemaRef: { id: schema, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } })))[0]).replace('@/dataSets/', '');
const conn = await must(req('POST', '/data/foundation/flowservice/connections', { name: 'bench', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } } }));
const inlet = (await must(req('GET', `/data/foundation/flowservice/connections/${conn.id}`))).items[0].auth.params.inletId as string;

const defs = benchDefinitions(Number(process.env.BENCH_DEFS ?? 49));
const ids: string[] = [];
for (const [i, pql] of defs.entries()) {
  const d = await must(req('POST', '/data/core/ups/segment/definitions', { name: `bench ${i}`, schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: pql } }));
  ids.push(d.id);
}
const probe = await must(req('POST', '/data/core/ups/segment/definitions', { name: 'probe', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: PROBE_PQL } }));
const streaming = (await must(req('GET', '/data/core/ups/segment/definitions?limit=100'))).segments.filter((s: any) => s.evaluationInfo.continuous.enabled).length;

const envelope = (e: Record<string, unknown>) => ({ header: { schemaRef: { id: schema, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, imsOrgId: orgId, datasetId: ds, source: { name: 'bench' } }, body: { xdmMeta: { schemaRef: { id: schema } }, xdmEntity: e } });
let seq = 0;
// The load generator shares the 2 vCPUs with the server: its messages are written as JSON text from a template (the
// same bytes JSON.stringify gives for envelope({...}), checked once below) instead of building and encoding objects,
// which took 7-8% of the machine at 5,000 events/s.
const [envHead, envTail] = JSON.stringify(envelope({ _: 0 })).split('{"_":0}') as [string, string];
const evJson = (n: number, p: number, type: string, timestamp = new Date().toISOString()): string =>
  `${envHead}{"_id":"e-${n}","timestamp":"${timestamp}","eventType":"${type}","identityMap":{"Email":[{"id":"p${p}@bench.example","primary":true}]},"commerce":{"order":{"priceTotal":${((n + 1) % 200) + 1}}}}${envTail}`;
{
  const t = new Date().toISOString();
  const viaObject = JSON.stringify(envelope({ _id: 'e-0', timestamp: t, eventType: 'x', identityMap: { Email: [{ id: 'p1@bench.example', primary: true }] }, commerce: { order: { priceTotal: 2 } } }));
  if (viaObject !== evJson(0, 1, 'x', t)) throw new Error(`bench message template differs from its object form:\n${viaObject}\n${evJson(0, 1, 'x', t)}`);
}

// ---- background load at RATE events/s ----
let sent = 0, acked = 0, failed = 0;
let stop = false;
const started = performance.now();
const background = (async () => {
  const inflight = new Set<Promise<void>>();
  while (!stop) {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE);
    while (sent < due && inflight.size < 64) {
      const messages = Array.from({ length: BATCH }, () => evJson(seq++, Math.floor(Math.random() * PROFILES), EVENT_TYPES[Math.floor(Math.random() * EVENT_TYPES.length)]!));
      sent += BATCH;
      const pr = req('POST', `/collection/batch/${inlet}`, `{"messages":[${messages.join(',')}]}`).then((r) => { if (r.status === 200 || r.status === 207) acked += BATCH; else failed += BATCH; }, () => { failed += BATCH; });
      const p2 = pr.finally(() => inflight.delete(p2));
      inflight.add(p2);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
})();

// ---- probes ----
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return Number((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN).toFixed(1)); };
const seg: number[] = [];
/** Membership latencies by quarter of the probe window: a backlog that grows over the run shows as a rising trend. */
const byQuarter: number[][] = [[], [], [], []];
const evVisible: number[] = [];
const interval = (SECONDS * 1000) / PROBES;
const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3) * 1000;
await new Promise((r) => setTimeout(r, WARMUP_MS)); // warm up under load (JIT, validators, caches)
// the server's CPU (all its threads) and the machine's idle time over the probe window: under saturation latency
// varies a lot between runs, CPU per event much less (the figure to compare changes by)
// memberships entered so far (rows of every status): their growth over the probe window is the rate at which the
// background load makes profiles enter segments (each entry also writes an audience event), which the run's length and
// the population size drive (20k profiles at 5,000 events/s: an event per profile every 4 s, so most cross several
// thresholds within a minute: a "qualification storm" that grows over the run)
const entered = async () => ((await must(req('GET', '/data/core/ups/audiences?limit=100'))).children as Array<{ metrics: { data: { realized: number; existing: number; exited: number } } }>).reduce((n, a) => n + a.metrics.data.realized + a.metrics.data.existing + a.metrics.data.exited, 0);
/** Log entries the processor has not finished (lake or downstream): a figure per event only holds when it stays flat. */
const behind = async () => {
  const st = (await must(req('GET', '/data/foundation/kith/ingest/status'))) as { logHead: number; lakeOffset: number; downstreamOffset?: number };
  return st.logHead - Math.min(st.lakeOffset, st.downstreamOffset ?? st.lakeOffset);
};
const entered0 = await entered();
const behind0 = await behind();
const cpu0 = { server: readCpu(k.child.pid), box: machineTicks(), acked, at: performance.now() };
const probes: Promise<void>[] = [];
for (let i = 0; i < PROBES; i++) {
  const email = `probe${i}@bench.example`;
  probes.push((async () => {
    const e = envelope({ _id: `probe-${i}`, timestamp: new Date().toISOString(), eventType: 'bench.probe', identityMap: { Email: [{ id: email, primary: true }] } });
    const r = await req('POST', `/collection/${inlet}`, e);
    if (r.status !== 200) throw new Error(`probe ${r.status}`);
    const t0 = performance.now();
    const quarter = byQuarter[Math.min(3, Math.floor((4 * i) / PROBES))]!;
    let evSeen = false;
    let evAt: number | undefined;
    for (;;) {
      // the baseline (event visible) and the membership are polled side by side: neither waits for the other
      const [x, p] = await Promise.all([
        evSeen ? undefined : req('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=${encodeURIComponent(email)}&relatedEntityIdNS=Email`),
        req('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(email)}&entityIdNS=Email`),
      ]);
      if (x && x.status === 200 && x.json.children?.length) { evSeen = true; evVisible.push((evAt = performance.now() - t0)); }
      const m = p.status === 200 ? (Object.values(p.json)[0] as any)?.entity?.segmentMembership?.ups?.[probe.id] : undefined;
      // a membership implies its event is committed: a baseline not seen yet counts as visible now (an upper bound)
      if (m?.status === 'realized' && !evSeen) evVisible.push((evAt = performance.now() - t0));
      if (m?.status === 'realized') {
        seg.push(performance.now() - t0);
        quarter.push(performance.now() - t0);
        // BENCH_PROBE_LOG=<file>: one line per probe (seconds into the run, membership ms, event-visible ms, wall-clock
        // seconds of the ack: lines up with the server's KITH_TRACE_SLOW_STEP_MS trace, which bench prefixes the same way)
        if (process.env.BENCH_PROBE_LOG) fs.appendFileSync(process.env.BENCH_PROBE_LOG, `${((t0 - started) / 1000).toFixed(2)} ${(performance.now() - t0).toFixed(0)} ${evAt?.toFixed(0)} ${((Date.now() - (performance.now() - t0)) / 1000).toFixed(2)}\n`);
        return;
      }
      const waited = performance.now() - t0;
      if (waited > 30_000) { seg.push(30_000); quarter.push(30_000); return; }
      // every POLL_MS at first, then every tenth of the time waited: a slow probe is measured to within 10% (never
      // under), and probes that wait long do not multiply the load (a thousand polls a second each would)
      await new Promise((r) => setTimeout(r, Math.max(POLL_MS, waited / 10)));
    }
  })());
  await new Promise((r) => setTimeout(r, interval));
}
await Promise.all(probes);
const cpu1 = { server: readCpu(k.child.pid), box: machineTicks(), acked, at: performance.now() };
const entered1 = await entered();
const behind1 = await behind();
stop = true;
await background;
const elapsed = (performance.now() - started) / 1000;
const auds = (await must(req('GET', '/data/core/ups/audiences?limit=100'))).children as Array<{ metrics: { data: { realized: number; existing: number; exited: number } } }>;
const transitions = auds.reduce((n, a) => n + a.metrics.data.realized + a.metrics.data.existing + a.metrics.data.exited, 0);
console.log(JSON.stringify({
  name: 'segment-streaming-qualification',
  storage: storageKind(),
  figure: pct(seg, 99),
  unit: 'ms (p99, event acked -> membership visible in the entities API)',
  p50: pct(seg, 50),
  p99: pct(seg, 99),
  max: pct(seg, 100),
  trend: byQuarter.map((q) => ({ p50: pct(q, 50), p99: pct(q, 99) })),
  seconds: SECONDS,
  probes: seg.length,
  definitions: ids.length + 1,
  streamingDefinitions: streaming,
  offeredRate: RATE,
  achievedRate: Math.round(acked / elapsed),
  failedMessages: failed,
  membershipsWritten: transitions,
  segmentEntriesPerSecond: Math.round((entered1 - entered0) / ((cpu1.at - cpu0.at) / 1000)),
  ...cpuFigures(cpu0.server, cpu1.server, cpu1.acked - cpu0.acked),
  // entries the processor fell further behind over the probe window: far above zero, the box did not keep up and CPU
  // per acknowledged event leaves out the work still queued (compare runs only where this stays small)
  backlogGrowth: behind1 - behind0,
  machineIdlePercent: cpu0.box && cpu1.box ? Math.round((100 * (cpu1.box.idle - cpu0.box.idle)) / Math.max(1, cpu1.box.total - cpu0.box.total)) : null,
  profiles: PROFILES,
  hardware: hardware(),
  baseline: { name: 'the same probe event visible in the ExperienceEvent entities lookup (profile path only)', p50: pct(evVisible, 50), p99: pct(evVisible, 99) },
}, null, 1));
await k.stop();
fs.rmSync(dataDir, { recursive: true, force: true });
process.exit(0);

