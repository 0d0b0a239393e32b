import { envNumber } from '../../shared/env-number.js';
import { TRACE_SLOW_STEP_MS } from '../../shared/trace.js';
import type { Clock } from '../../shared/clock.js';
import type { ResourceStore } from '../../store/resource-store.js';
import type { BatchCatalog } from '../ports.js';
import type { AcceptedRecord, FailedItem, FailedSink, LakeRow, LakeSink, LogSource, RecordSink, SeenIds } from './processor-ports.js';
import { LakeLane, type LakeLaneDeps } from './lake-lane.js';
import type { NotIngestedCounter } from '../../lake/not-ingested-store.js';
import { decodeEntry, type DecodedEntry } from './steps/decode-entry.js';
import { validateRecord, type ValidateDeps, type ValidatedRecord } from './steps/validate-record.js';
import { dedupeIds } from './steps/dedupe-ids.js';
import { RunTally, type RunCounter } from './run-tally.js';

export interface LakeProcessorOptions {
  /** Log entries read per chunk. */
  chunkSize: number;
  /** A streaming batch closes after this many rows… */
  streamingBatchMaxRecords: number;
  /** …or this age. */
  streamingBatchMaxAgeMs: number;
  /** Sleep when the log is drained (an append also wakes the loop via notify()). */
  idleMs: number;
  /** Least time between two lake writes under steady load (see LakeLaneDeps.gatherMs). */
  lakeGatherMs: number;
}

export const DEFAULT_PROCESSOR_OPTIONS: LakeProcessorOptions = {
  // smaller chunks bound how long a record waits behind its chunk and hand segmentation smaller bursts
  // (bench/segment/streaming.ts)
  chunkSize: envNumber('KITH_PROCESSOR_CHUNK', 300, { min: 1, integer: true }),
  streamingBatchMaxRecords: 50_000,
  streamingBatchMaxAgeMs: 15_000,
  idleMs: 50,
  // one DuckDB commit for many chunks: per-commit work is a fixed cost (bench/segment/streaming.ts)
  lakeGatherMs: envNumber('KITH_LAKE_GATHER_MS', 250),
};

export interface LakeProcessorDeps extends ValidateDeps {
  log: LogSource;
  lake: LakeSink;
  failed: FailedSink;
  seen: SeenIds;
  catalog: BatchCatalog;
  /** Where open streaming batches are remembered across restarts. */
  state: ResourceStore;
  clock: Clock;
  /** Next steps (identity, profile). */
  sink?: RecordSink;
  /** Records of profile-enabled datasets the profile step could not place (batch metrics.profileIngestion). */
  notIngested?: NotIngestedCounter;
  /** Called once per schema the first time rows of it land (schema evolution becomes additive-only). */
  onLanded?: (sandboxId: string, schemaId: string) => Promise<void>;
  onError?: (e: unknown) => void;
  /** Dataflow run counters (Flow Service runs); with `notPlaced`, the offsets the profile step did not place in the last accept. */
  runs?: { counter: RunCounter; notPlaced: () => ReadonlySet<number> };
  /** Tests only: runs between the steps of each lake write (LakeLaneDeps.fault). */
  laneFault?: LakeLaneDeps['fault'];
}

interface OpenBatch {
  batchId: string;
  sandboxId: string;
  datasetId: string;
  table: string;
  openedAt: number;
  rows: number;
}

const LAKE = 'lake';
/** Rows the lake lane may trail the downstream steps by. */
const MAX_LAKE_BACKLOG = 20_000;
const DOWNSTREAM = 'downstream';
/**
 * How often the downstream marker is stored under steady load (and whenever the log is drained). It shares the
 * ingest log's file with the API's appends: a commit per chunk waited for their write lock (held through each ack's
 * fsync). A marker behind only replays entries, and the downstream steps are idempotent under replay.
 */
const DOWNSTREAM_STORE_MS = 250;
const STATE_SCOPE = 'processor';
/** The ingest-log consumers of the processor (an entry is consumed once both committed it; see LogRetention). */
export const PROCESSOR_CONSUMERS: readonly string[] = [LAKE, DOWNSTREAM];

/**
 * Consumes the ingest log and lands every message in the lake, exactly once, in log order.
 *
 * Ordering and replay guarantees (read this before changing the loop):
 * - Entries are processed in log-offset order, one chunk at a time; downstream steps receive a chunk's
 *   accepted records in offset order, so per-identity order is the order of acceptance.
 * - Lake rows and the lake's progress marker are written in one transaction (LakeSink.write): a chunk
 *   replayed after a crash never lands twice. Rows at or below the marker are skipped on replay.
 * - Failed records are idempotent per offset; `_id` dedupe ids are remembered after the lake write, together with
 *   a seen mark (the offset up to which every lake row's id is remembered); on start the log is re-read from the
 *   lowest of the lake, downstream and seen marks and the ids of rows at or below the lake marker are remembered
 *   again, so a redelivered event is dropped even after a crash between the lake commit and the remember.
 * - Downstream (identity, profile) has its own committed offset and must be idempotent: after a crash
 *   it may see records again, never miss one.
 * - The lake write of a chunk runs in the lake lane (one chunk at a time, in offset order) while the downstream
 *   steps go on with the next chunks, at most MAX_LAKE_BACKLOG rows ahead: a DuckDB checkpoint delays the lake, not
 *   the profile. see LakeLane for its guarantees; after a lane failure the processor starts over from the stored markers.
 */
/** Slow-step trace threshold (KITH_TRACE_SLOW_STEP_MS, see shared/trace.ts). */
const TRACE = TRACE_SLOW_STEP_MS;

export class LakeProcessor {
  private readonly opts: LakeProcessorOptions;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private cursor = -1;
  private lakeProgress = 0;
  private downstreamDone = 0;
  /** The downstream marker as stored, and when. */
  private downstreamStored = 0;
  private downstreamStoredAt = 0;
  private readonly open = new Map<string, OpenBatch>();
  private loaded = false;
  /** Lake writes and batch finalisation, in log order, trailing the downstream steps. */
  private readonly lane: LakeLane;
  /** Run counters: the offsets through which each stage's counts are stored, and the profile counts not stored yet. */
  private runsLakeMark = 0;
  private runsProfileMark = 0;
  private profileTally: RunTally | undefined;

  constructor(
    private readonly deps: LakeProcessorDeps,
    opts: Partial<LakeProcessorOptions> = {},
  ) {
    this.opts = { ...DEFAULT_PROCESSOR_OPTIONS, ...opts };
    const counter = deps.runs?.counter;
    this.lane = new LakeLane({
      lake: deps.lake,
      failed: deps.failed,
      seen: deps.seen,
      log: deps.log,
      consumer: LAKE,
      onLanded: deps.onLanded,
      trace: TRACE,
      gatherMs: this.opts.lakeGatherMs,
      fault: deps.laneFault,
      ...(counter ? { runs: (upTo: number, tallies: readonly RunTally[]) => counter.commit('lake', upTo, tallies) } : {}),
    });
  }

  private async load(): Promise<void> {
    if (this.lane.error !== undefined) {
      // a lake failure: let the lane settle, forget what was in flight, and read the markers again (as at a restart)
      await this.lane.idle();
      this.open.clear();
      this.loaded = false;
    }
    if (this.loaded) return;
    this.lakeProgress = await this.deps.lake.progress(LAKE);
    this.lane.reset(this.lakeProgress);
    this.downstreamDone = this.downstreamStored = await this.deps.log.committed(DOWNSTREAM);
    if (this.deps.runs) {
      this.runsLakeMark = await this.deps.runs.counter.mark('lake');
      this.runsProfileMark = await this.deps.runs.counter.mark('profile');
      this.profileTally = undefined;
    }
    // the seen mark may trail the lake marker (a crash between the DuckDB commit and rememberThrough): entries from it
    // are read again so the ids of their rows, already in the lake, are remembered. A directory from before marks
    // falls back to the log's lake marker, which the lane has always committed after remembering.
    const seenMark = (await this.deps.seen.rememberedThrough(LAKE)) ?? (await this.deps.log.committed(LAKE));
    this.cursor = Math.min(this.lakeProgress, this.downstreamDone, seenMark);
    for (const r of await this.deps.state.list<OpenBatch>('streaming-batch', STATE_SCOPE)) this.open.set(r.id, r.doc);
    this.loaded = true;
  }

  /** Wake the loop (called after an append). */
  notify(): void {
    this.wake?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let n = 0;
        try {
          n = await this.runOnce();
          if (n === 0) {
            const close = this.lock.then(() => this.closeDueBatches(false));
            this.lock = close.catch(() => undefined);
            await close;
            await this.storeDownstream();
            // the lane goes on by itself (it may be gathering chunks); a failure in it is picked up by the next step
            if (this.lane.error !== undefined) throw this.lane.error;
          }
        } catch (e) {
          this.deps.onError?.(e);
          await new Promise((r) => setTimeout(r, 500));
        }
        // between chunks, let queued messages in (entity reads, notifications): awaiting the steps alone never
        // leaves the microtask queue while the log has a backlog
        if (n > 0) await new Promise((r) => setImmediate(r));
        if (n === 0 && this.running)
          await new Promise<void>((r) => {
            const t = setTimeout(r, this.opts.idleMs);
            this.wake = () => {
              clearTimeout(t);
              r();
            };
          });
        this.wake = undefined;
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.storeDownstream().catch((e) => this.deps.onError?.(e));
    await this.lane.idle();
  }

  /** Waits for the lake lane; a failure in it is thrown here (and the next step starts over). */
  private async settled(): Promise<void> {
    await this.lane.idle();
    if (this.lane.error !== undefined) throw this.lane.error;
  }

  /** Processes until the log is drained, lake included (tests, graceful shutdown). */
  async drain(): Promise<void> {
    while ((await this.runOnce()) > 0);
    await this.storeDownstream();
    await this.settled();
  }

  /** Stores the downstream marker if it moved (the profile's run counts first: their mark is never behind it). */
  private async storeDownstream(): Promise<void> {
    this.downstreamStoredAt = performance.now();
    if (!this.loaded || this.downstreamDone <= this.downstreamStored) return;
    const upTo = this.downstreamDone;
    if (this.deps.runs && upTo > this.runsProfileMark) {
      await this.deps.runs.counter.commit('profile', upTo, this.profileTally ? [this.profileTally] : []);
      this.runsProfileMark = upTo;
      this.profileTally = undefined;
    }
    await this.deps.log.commit(DOWNSTREAM, upTo);
    this.downstreamStored = upTo;
  }

  /** Closes every open streaming batch now (tests, shutdown). */
  async flushBatches(): Promise<void> {
    const next = this.lock.then(() => this.closeDueBatches(true));
    this.lock = next.catch(() => undefined);
    await next;
    await this.settled();
  }

  private lock: Promise<unknown> = Promise.resolve();

  /** The highest log offset fully processed (lake and downstream steps). */
  position(): number {
    return this.loaded ? Math.min(this.cursor, this.lane.committed, this.downstreamDone) : this.cursor;
  }

  /** Runs `fn` between two steps, never beside one (work that re-feeds the downstream steps, e.g. a replay). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /** Processes one chunk; returns how many log entries it consumed. Calls never overlap. */
  runOnce(): Promise<number> {
    const next = this.lock.then(() => this.step());
    this.lock = next.catch(() => undefined);
    return next;
  }

  private async step(): Promise<number> {
    const t0 = TRACE ? performance.now() : 0;
    const mark: Array<[string, number]> = [];
    const lap = (name: string) => TRACE && mark.push([name, performance.now()]);
    await this.load();
    // back-pressure: the lake lane may trail the downstream steps, not without bound
    await this.lane.below(MAX_LAKE_BACKLOG);
    if (this.lane.error !== undefined) throw this.lane.error;
    const entries = await this.deps.log.read(this.cursor, this.opts.chunkSize);
    if (entries.length === 0) return 0;
    const upTo = entries[entries.length - 1]!.offset;
    const marker = this.lakeProgress; // rows at or below this offset are already in the lake (replay after a restart)
    const ok: ValidatedRecord[] = [];
    const failed: FailedItem[] = [];
    const batchEnds: DecodedEntry[] = [];
    // run counts of entries not counted yet (a replay after a crash skips what the stored mark covers)
    const runs = this.deps.runs ? new RunTally(this.deps.runs.counter.windowMs) : undefined;
    const runsFrom = this.runsLakeMark;
    for (const rec of entries) {
      const e = decodeEntry(rec);
      if (e.kind === 'batch-end') {
        batchEnds.push(e);
        continue;
      }
      const r = await validateRecord(e, this.deps);
      if (runs && e.offset > runsFrom) {
        runs.add(e, 'received');
        runs.add(e, 'inputBytes', e.payload.length);
        if (r.type === 'deadLetter') runs.add(e, 'failed', 1, r.code ?? 'ERROR');
      }
      if (r.type === 'ok') ok.push(r.value);
      else if (r.type === 'deadLetter' && e.offset > marker)
        failed.push({
          sandboxId: e.sandboxId,
          datasetId: e.datasetId,
          batchId: e.importBatchId ?? (await this.streamingBatch(e.sandboxId, e.datasetId, (await this.deps.datasets.getDataset(e.sandboxId, e.datasetId))?.tableName ?? '')).batchId,
          offset: e.offset,
          code: r.code ?? 'ERROR',
          reason: r.reason,
          violations: r.details as FailedItem['violations'],
          payload: e.rawText !== undefined ? e.rawText : e.payload,
        });
    }

    const { dup, remembered } = await dedupeIds(ok, marker, this.deps.seen, (k, id) => this.lane.holds(k, id));

    const rows: LakeRow[] = [];
    const now = this.deps.clock.now();
    const accepted: AcceptedRecord[] = [];
    for (const v of ok) {
      if (runs && v.entry.offset > runsFrom) runs.add(v.entry, dup.has(v.entry.offset) ? 'duplicates' : 'ingested');
      if (dup.has(v.entry.offset)) continue;
      const batchId = v.entry.importBatchId ?? (await this.streamingBatch(v.entry.sandboxId, v.dataset.id, v.dataset.tableName)).batchId;
      if (v.entry.offset > marker) {
        const ts = typeof v.entity.timestamp === 'string' ? Date.parse(v.entity.timestamp) : NaN;
        rows.push({
          sandboxId: v.entry.sandboxId,
          table: v.dataset.tableName,
          id: typeof v.entity._id === 'string' ? v.entity._id : v.entity._id === undefined ? null : String(v.entity._id),
          timestamp: Number.isFinite(ts) ? ts : null,
          batchId,
          offset: v.entry.offset,
          ingestedAt: now,
          record: v.json,
        });
        if (!v.entry.importBatchId) this.open.get(`${v.entry.sandboxId}/${v.dataset.id}`)!.rows++;
      }
      if (v.entry.offset > this.downstreamDone && (v.dataset.profileEnabled || v.dataset.identityEnabled))
        accepted.push({
          offset: v.entry.offset,
          sandboxId: v.entry.sandboxId,
          orgId: v.entry.orgId,
          dataset: v.dataset,
          schemaId: v.dataset.schemaId,
          isEvent: v.isEvent,
          batchId,
          xactionId: v.entry.xactionId,
          receivedAt: v.entry.receivedAt,
          ...(v.entry.flowId ? { flowId: v.entry.flowId } : {}),
          ...(v.entry.inletId ? { inletId: v.entry.inletId } : {}),
          ...(v.entry.connectionId ? { connectionId: v.entry.connectionId } : {}),
          entity: v.entity,
          json: v.json,
        });
    }
    lap('validate+dedupe');

    // The lake write goes to the lake lane and the downstream steps (identity, profile) run now: a slow DuckDB
    // commit or checkpoint delays the lake, never the profile. Each side has its own progress marker and is
    // idempotent under replay on its own (the lake skips rows at or below its marker in the same transaction;
    // downstream steps are idempotent), so a crash at any point replays correctly.
    let downstreamSettled: (ok: boolean) => void = () => undefined;
    const downstream = batchEnds.length ? new Promise<boolean>((r) => (downstreamSettled = r)) : undefined;
    this.lane.push({
      upTo,
      rows,
      failed,
      ids: remembered,
      schemas: new Set(ok.map((v) => `${v.entry.sandboxId}\u0000${v.dataset.schemaId}`)),
      ...(runs ? { runs } : {}),
      // import batches ending here are finalised once their rows are in the lake AND through the downstream steps
      // (their profile metrics count what the profile step could not place), inside the lane's write, before its
      // seen mark and log marker: a crash before then replays the batch end, which finalises it (idempotent)
      after: downstream && (async () => {
        if (await downstream) for (const e of batchEnds) await this.finishImportBatch(e);
      }),
    });

    // counted once: a chunk read again (the downstream steps failed) is not counted again
    if (this.runsLakeMark < upTo) this.runsLakeMark = upTo;
    try {
      if (accepted.length && this.deps.sink) {
        this.deps.runs?.notPlaced();
        await this.deps.sink.accept(accepted);
        if (this.deps.runs) this.countProfile(accepted, this.deps.runs.notPlaced());
      }
      downstreamSettled(true);
    } catch (e) {
      // the chunk is read again (the cursor stays): its batch ends are finalised then
      downstreamSettled(false);
      throw e;
    }
    lap('identity+profile');
    if (upTo > this.downstreamDone) {
      this.downstreamDone = upTo;
      if (performance.now() - this.downstreamStoredAt >= DOWNSTREAM_STORE_MS) await this.storeDownstream();
    }
    this.cursor = upTo;
    this.closeDueBatches(false);
    if (TRACE) {
      lap('commit');
      const total = performance.now() - t0;
      const oldest = Date.now() - entries[0]!.receivedAt;
      if (total >= TRACE || oldest >= 2 * TRACE) {
        let prev = t0;
        process.stderr.write(`[kith processor] slow step ${total.toFixed(0)} ms (oldest entry accepted ${oldest} ms ago), ${entries.length} entries: ${mark.map(([n, t]) => { const d = t - prev; prev = t; return `${n} ${d.toFixed(0)}`; }).join(', ')}\n`);
      }
    }
    return entries.length;
  }

  /** The profile step's run counts of a chunk, kept until the downstream marker is stored (storeDownstream). */
  private countProfile(accepted: readonly AcceptedRecord[], notPlaced: ReadonlySet<number>): void {
    for (const r of accepted) {
      if (!r.dataset.profileEnabled || r.offset <= this.runsProfileMark) continue;
      const ref = { sandboxId: r.sandboxId, datasetId: r.dataset.id, flowId: r.flowId, inletId: r.inletId, connectionId: r.connectionId, receivedAt: r.receivedAt };
      (this.profileTally ??= new RunTally(this.deps.runs!.counter.windowMs)).add(ref, notPlaced.has(r.offset) ? 'profileNotIngested' : 'profileIngested');
    }
  }

  private async streamingBatch(sandboxId: string, datasetId: string, table: string): Promise<OpenBatch> {
    const key = `${sandboxId}/${datasetId}`;
    const cur = this.open.get(key);
    if (cur) {
      if (!cur.table && table) cur.table = table;
      return cur;
    }
    const b = await this.deps.catalog.createBatch(sandboxId, { datasetId, source: 'streaming', inputFormat: { format: 'json' } }, 'streaming-ingestion');
    await this.deps.catalog.updateBatch(sandboxId, b.id, { status: 'processing', started: this.deps.clock.now() });
    const ob: OpenBatch = { batchId: b.id, sandboxId, datasetId, table, openedAt: this.deps.clock.now(), rows: 0 };
    this.open.set(key, ob);
    await this.deps.state.put('streaming-batch', STATE_SCOPE, key, ob);
    return ob;
  }

  private async finalize(sandboxId: string, batchId: string, table: string): Promise<void> {
    const records = table ? await this.deps.lake.countBatch(sandboxId, table, batchId) : 0;
    const failedCount = await this.deps.failed.countBatch(sandboxId, batchId);
    const reasons = failedCount ? await this.deps.failed.firstReasons(sandboxId, batchId, 5) : [];
    const profileIngestion = await this.profileMetrics(sandboxId, batchId, records);
    await this.deps.catalog.updateBatch(sandboxId, batchId, {
      status: records === 0 && failedCount > 0 ? 'failed' : 'success',
      recordCount: records,
      failedRecordCount: failedCount,
      errors: reasons.map((r) => ({ code: r.code, description: r.reason, rows: [String(r.offset)] })),
      ...(profileIngestion ? { metrics: { profileIngestion } } : {}),
      completed: this.deps.clock.now(),
    });
  }

  /** Of a profile-enabled dataset's batch: records placed in the profile, and those not, by reason. */
  private async profileMetrics(sandboxId: string, batchId: string, records: number) {
    if (!this.deps.notIngested) return undefined;
    const b = await this.deps.catalog.getBatch(sandboxId, batchId);
    const ds = b && (await this.deps.datasets.getDataset(sandboxId, b.datasetId));
    if (!ds?.profileEnabled) return undefined;
    const n = await this.deps.notIngested.countBatch(sandboxId, batchId);
    return {
      recordsIngested: Math.max(0, records - n.total),
      recordsNotIngested: n.total,
      notIngestedReasons: n.reasons.map((r) => ({ code: r.code, description: r.reason, count: r.count })),
    };
  }

  private async finishImportBatch(e: DecodedEntry): Promise<void> {
    const b = await this.deps.catalog.getBatch(e.sandboxId, e.importBatchId ?? '');
    if (!b || b.status === 'success' || b.status === 'failed') return;
    const ds = await this.deps.datasets.getDataset(e.sandboxId, e.datasetId);
    await this.finalize(e.sandboxId, b.id, ds?.tableName ?? '');
  }

  /** Closes due streaming batches: new rows go to new batches now; each is finalised after its rows are in the lake. */
  private closeDueBatches(force: boolean): void {
    const now = this.deps.clock.now();
    for (const [key, ob] of this.open) {
      if (!force && ob.rows < this.opts.streamingBatchMaxRecords && now - ob.openedAt < this.opts.streamingBatchMaxAgeMs) continue;
      this.open.delete(key);
      this.lane.task(async () => {
        await this.finalize(ob.sandboxId, ob.batchId, ob.table);
        await this.deps.state.delete('streaming-batch', STATE_SCOPE, key);
      });
    }
  }
}
