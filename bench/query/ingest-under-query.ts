/**
 * Ingestion while (a) runs in a loop: 100-message batches to /collection/batch/{inletId} from 16 concurrent clients
 * (closed loop, as bench/ingest measures its batch figure, bench/lib/load.ts), after 3 s of warm-up, for `seconds` solo, then for `seconds`
 * while a wire connection runs (a) back to back. Two rates per phase: acknowledged messages/s (the API thread and
 * the ingest log) and messages/s committed to the lake (lakeOffset over the phase: the processor thread, which also
 * owns the DuckDB instance the query runs on). Events go to the bench's live dataset (same schema as the queried
 * events), so the queried tables stay as generated.
 */
import { load } from '../lib/load.js';
import { cpuFigures, readCpu } from '../lib/server-cpu.js';
import type { BenchData } from './generate.js';
import { ingestStatus, lakeCaughtUp, type KithChild } from './kith-child.js';
import { startQueryLoop, type WireTarget } from './wire.js';

const BATCH = 100;
const CONCURRENCY = 16;
const WARMUP_SECONDS = 3;

function batchBody(data: BenchData, tag: string): (i: number) => string {
  const ref = JSON.stringify({ id: data.eventSchemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' });
  const head = `{"header":{"schemaRef":${ref},"datasetId":"${data.liveDatasetId}","source":{"name":"query bench"}},"body":{"xdmMeta":{"schemaRef":${ref}},"xdmEntity":`;
  const message = (n: number, ts: string) => {
    const p = (n * 7919) % data.people;
    return `${head}{"_id":"${tag}-${n}","timestamp":"${ts}","eventType":"commerce.productViews","identityMap":{"ECID":[{"id":"${String(p * 7919 + 1000003).padStart(38, '0')}","primary":true}],"Email":[{"id":"p${p}@example.com","authenticatedState":"authenticated"}]},"web":{"webPageDetails":{"name":"page-${n % 500}","URL":"https://shop.example.com/p/${n % 500}","pageViews":{"value":1}}},"device":{"type":"mobile","manufacturer":"Apple","screenWidth":390,"screenHeight":844},"environment":{"type":"browser","browserDetails":{"name":"Safari","version":"17"},"operatingSystem":"iOS","language":"en-US"},"commerce":{"productViews":{"value":1}},"productListItems":[{"SKU":"SKU-${n % 5000}","name":"Product ${n % 5000}","priceTotal":${(n % 5000) / 37 + 5},"quantity":1,"currencyCode":"USD"}]}}}`;
  };
  return (i: number) => {
    const ts = new Date().toISOString();
    const parts: string[] = [];
    for (let j = 0; j < BATCH; j++) parts.push(message(i * BATCH + j, ts));
    return `{"messages":[${parts.join(',')}]}`;
  };
}

async function phase(k: KithChild, data: BenchData, tag: string, seconds: number) {
  await lakeCaughtUp(k);
  const s0 = await ingestStatus(k);
  const cpu0 = readCpu(k.child.pid);
  const t0 = performance.now();
  const r = await load({ url: `${k.url}/collection/batch/${data.inletId}`, seconds, concurrency: CONCURRENCY, perRequest: BATCH, body: batchBody(data, tag) });
  const s1 = await ingestStatus(k);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuFigures(cpu0, readCpu(k.child.pid), r.ok * BATCH);
  return {
    ackedMsgsPerSec: r.msgsPerSec,
    lakeMsgsPerSec: Math.round((s1.lakeOffset - s0.lakeOffset) / elapsed),
    batchP50ms: r.p50ms,
    batchP99ms: r.p99ms,
    errors: r.errors,
    statuses: r.statuses,
    backlogAfter: s1.logHead - s1.lakeOffset,
    serverCpuUsPerEvent: cpu.serverCpuUsPerEvent,
  };
}

/** Solo, then under the (a) loop; without a query endpoint, the solo phase and the loop's error. */
export async function ingestUnderQuery(k: KithChild, wire: WireTarget, data: BenchData, sql: string, seconds: number) {
  const tag = `live-${Date.now().toString(36)}`;
  // unmeasured warm-up (JIT, validators of the schema, the live dataset's lake table)
  await load({ url: `${k.url}/collection/batch/${data.inletId}`, seconds: WARMUP_SECONDS, concurrency: CONCURRENCY, perRequest: BATCH, body: batchBody(data, `${tag}-w`) });
  const solo = await phase(k, data, `${tag}-s`, seconds);
  const base = { batch: BATCH, concurrency: CONCURRENCY, seconds, solo };
  let loop: Awaited<ReturnType<typeof startQueryLoop>>;
  // the solo phase leaves a backlog: the loop's session opens once the processor thread (the engine's) caught up
  await lakeCaughtUp(k);
  try {
    loop = await startQueryLoop(wire, sql);
  } catch (e) {
    return { ...base, underQuery: { error: (e as Error).message } };
  }
  const underQuery = await phase(k, data, `${tag}-q`, seconds);
  const queries = await loop.stop();
  await lakeCaughtUp(k);
  return {
    ...base,
    underQuery: { ...underQuery, queryLoop: { ...queries, connectMs: loop.connectMs } },
    ackedRatio: ratio(underQuery.ackedMsgsPerSec, solo.ackedMsgsPerSec),
    lakeRatio: ratio(underQuery.lakeMsgsPerSec, solo.lakeMsgsPerSec),
  };
}

const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(2)) : null);
