/**
 * bench/ingest/run-counters: what counting dataflow runs adds to the processor, per record, without HTTP.
 *  - Counted: per 300-entry chunk (KITH_PROCESSOR_CHUNK), decode every entry as the processor does, tally it
 *    (received, bytes, ingested, profile: RunTally) and store the chunk's tally with its mark (RunRecorder.commit on
 *    SqliteRunMetricsStore in failed-records.db, synchronous NORMAL as on the processor's thread). Worst case: the lake
 *    lane commits once per group of chunks, the profile side once per 250 ms.
 *  - Baseline, same run: the decode alone (JSON.parse of the entry, which the processor does for every record anyway).
 * Rounds alternate baseline / counted; medians. Env: BENCH_CHUNKS per round (default 400), BENCH_ROUNDS (default 5).
 * Prints one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteRunMetricsStore } from '../../src/flow/runs/sqlite-run-metrics-store.js';
import { RunRecorder, type RunFlowLookup } from '../../src/flow/runs/run-recorder.js';
import { RunTally } from '../../src/ingest/processor/run-tally.js';
import { decodeEntry } from '../../src/ingest/processor/steps/decode-entry.js';
import type { LogRecord } from '../../src/ingest/processor/processor-ports.js';
import { systemClock } from '../../src/shared/clock.js';

const CHUNK = 300;
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'kith-bench-runs-'));

const INLETS = ['a'.repeat(64), 'b'.repeat(64)];
const DATASETS = ['5f0c8b2a1d3e4f0012345678', '5f0c8b2a1d3e4f0012345679', '5f0c8b2a1d3e4f0012345670'];
const entry = (offset: number): LogRecord => ({
  offset,
  sandboxId: 'sb-1',
  orgId: 'ORG@AdobeOrg',
  kind: 'xdm',
  receivedAt: Date.now(),
  inletId: INLETS[offset % 2]!,
  payload: JSON.stringify({
    d: DATASETS[offset % 3],
    s: 'https://ns.adobe.com/tenant/schemas/abc123',
    x: `1733400000000:1234:${offset}`,
    src: 'bench',
    e: { _id: `ev-${offset}`, timestamp: '2026-12-05T00:00:00Z', eventType: 'commerce.purchases', identityMap: { Email: [{ id: `p${offset % 5000}@example.com`, primary: true }] }, commerce: { order: { priceTotal: offset % 300 } } },
  }),
});

const chunks: LogRecord[][] = Array.from({ length: CHUNKS }, (_, c) => Array.from({ length: CHUNK }, (_, i) => entry(c * CHUNK + i + 1)));

// the dataflow lookup the processor makes (FlowService), answered from memory as its caches do after the first chunk
const flows: RunFlowLookup = {
  resolveInlet: async (id: string) => ({ inletId: id, orgId: 'ORG@AdobeOrg', sandboxId: 'sb-1', dataType: 'xdm', authenticationRequired: false, sourceId: 'bench', name: 'bench', connectionId: `conn-${id[0]}` }),
  resolveFlow: async () => undefined,
  list: async (_sb: string, kind: string) =>
    kind === 'flows'
      ? INLETS.map((id) => ({ id: `flow-${id[0]}`, etag: '', sourceConnectionIds: [`sc-${id[0]}`], targetConnectionIds: DATASETS.map((d) => `tc-${d}`) }))
      : kind === 'sourceConnections'
        ? INLETS.map((id) => ({ id: `sc-${id[0]}`, etag: '', baseConnectionId: `conn-${id[0]}` }))
        : DATASETS.map((d) => ({ id: `tc-${d}`, etag: '', params: { dataSetId: d } })),
} as unknown as RunFlowLookup;

const db = openSqlite(dir, 'failed-records', { synchronous: 'NORMAL' });
const store = new SqliteRunMetricsStore(db);
const recorder = new RunRecorder(store, flows, systemClock);
let upTo = 0;

async function baseline(): Promise<number> {
  const t0 = process.cpuUsage();
  let n = 0;
  for (const c of chunks) for (const rec of c) n += decodeEntry(rec).offset > 0 ? 1 : 0;
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n;
}

/** `commitEvery` chunks share a commit per stage (1: the worst case; under load the lake lane gathers 250 ms of chunks). */
async function counted(commitEvery = 1): Promise<number> {
  const t0 = process.cpuUsage();
  let n = 0;
  let lake = new RunTally(recorder.windowMs);
  let profile = new RunTally(recorder.windowMs);
  for (const [i, c] of chunks.entries()) {
    for (const rec of c) {
      const e = decodeEntry(rec);
      lake.add(e, 'received');
      lake.add(e, 'inputBytes', e.payload.length);
      lake.add(e, 'ingested');
      profile.add(e, 'profileIngested');
      n++;
    }
    upTo += CHUNK;
    if ((i + 1) % commitEvery !== 0) continue;
    await recorder.commit('lake', upTo, [lake]);
    await recorder.commit('profile', upTo, [profile]);
    lake = new RunTally(recorder.windowMs);
    profile = new RunTally(recorder.windowMs);
  }
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base: number[] = [];
const head: number[] = [];
const gathered: number[] = [];
/** Chunks per commit at ~40,000 records/s with 250 ms between lake writes (KITH_LAKE_GATHER_MS). */
const GATHERED = 33;
await counted(); // warm: caches, prepared statements, JIT
for (let r = 0; r < ROUNDS; r++) {
  base.push(await baseline());
  head.push(await counted());
  gathered.push(await counted(GATHERED));
}
db.close();
rmSync(dir, { recursive: true, force: true });
const b = median(base);
const h = median(head);
const g = median(gathered);
console.log(
  JSON.stringify(
    {
      name: 'run-counters',
      figure: { countingCpuUsPerRecord: Number((h - b).toFixed(2)), unit: 'µs of CPU per record (tally + one commit per stage per 300-record chunk: the worst case)' },
      gatheredFigure: { countingCpuUsPerRecord: Number((g - b).toFixed(2)), unit: `µs of CPU per record with one commit per stage per ${GATHERED} chunks (250 ms of lake gathering at ~40k records/s)` },
      counted: { cpuUsPerRecord: Number(h.toFixed(2)), rounds: head.map((x) => Number(x.toFixed(2))) },
      countedGathered: { cpuUsPerRecord: Number(g.toFixed(2)), rounds: gathered.map((x) => Number(x.toFixed(2))) },
      baseline: { what: 'decoding the entry alone (the processor does it anyway)', cpuUsPerRecord: Number(b.toFixed(2)), rounds: base.map((x) => Number(x.toFixed(2))) },
      records: CHUNK * CHUNKS,
      hardware: hardware(),
    },
    null,
    1,
  ),
);
