import type { FailedItem, FailedSink, LakeRow, LakeSink, LogSource, SeenIds } from './processor-ports.js';
import type { RunTally } from './run-tally.js';

/** What one processed chunk leaves for the lake. */
export interface LakeChunk {
  /** The chunk's last log offset (the lake marker moves here with its rows). */
  upTo: number;
  rows: LakeRow[];
  failed: FailedItem[];
  /** Event (and Edge profile record) `_id`s to remember as seen, per dataset key (held in memory until they are). */
  ids: Map<string, string[]>;
  /** `sandboxId\u0000schemaId` of the chunk's records (onLanded). */
  schemas: Set<string>;
  /** Runs after the chunk's rows are in the lake (import batches ending in it). */
  after?: () => Promise<void>;
  /** The chunk's run counts (received, ingested, failed, duplicates), stored with the group's write. */
  runs?: RunTally;
}

export interface LakeLaneDeps {
  lake: LakeSink;
  failed: FailedSink;
  seen: SeenIds;
  log: LogSource;
  /** The ingest-log consumer name of the lake marker. */
  consumer: string;
  onLanded?: (sandboxId: string, schemaId: string) => Promise<void>;
  /** Slow-work trace threshold in ms (0: off). */
  trace?: number;
  /**
   * Least time between the starts of two lake writes (default 0). Chunks arriving meanwhile are written together:
   * each DuckDB commit has a fixed cost (its WAL, and checkpoints every 16 MB of it) whatever its size, so under
   * steady load fewer, larger commits save CPU that the rest of the pipeline needs; the lake trails by this much
   * more. `idle()` (drains, stops) writes at once.
   */
  gatherMs?: number;
  /** Stores a group's run counts with `upTo` as the lake stage's mark (RunCounter.commit). */
  runs?: (upTo: number, tallies: readonly RunTally[]) => Promise<void>;
  /** Tests only: runs after each step of a write (crash tests kill the process here). */
  fault?: (step: LaneStep, upTo: number) => Promise<void> | void;
}

/** The steps of a lake write, in order (see `write`). */
export const LANE_STEPS = ['failed', 'lake', 'landed', 'after', 'seen', 'log'] as const;
export type LaneStep = (typeof LANE_STEPS)[number];

type Item = { kind: 'chunk'; chunk: LakeChunk } | { kind: 'task'; run: () => Promise<void> };

/**
 * The lake side of the processor: chunks' rows land in DuckDB one group at a time, in log order, while the
 * downstream steps (identity, profile, segmentation) go on. Chunks queued behind a running write are written
 * together in one transaction (group commit: a DuckDB commit or checkpoint costs the same for 50 rows or 5,000).
 *
 * Guarantees: rows and the lake marker move together (LakeSink.write); failed records are idempotent per offset;
 * `_id`s are remembered after their rows are written, with the seen mark in the same transaction (SeenIds
 * .rememberThrough), and until then answered from memory (`holds`). After a
 * failure nothing further runs (a later chunk must not move the marker past a missing one): `error` is set and the
 * processor starts over from the stored markers.
 */
export class LakeLane {
  private readonly queue: Item[] = [];
  private running: Promise<void> | undefined;
  private rowsQueued = 0;
  private readonly held = new Map<string, Map<string, number>>();
  private readonly landed = new Set<string>();
  error: unknown = undefined;
  /** The lake marker as committed by the lane. */
  committed = 0;

  constructor(private readonly d: LakeLaneDeps) {}

  /** Rows waiting (back-pressure for the processor). */
  backlog(): number {
    return this.rowsQueued;
  }

  /** Whether this dataset `_id` is in a chunk not yet remembered as seen. */
  holds(datasetKey: string, id: string): boolean {
    return this.held.get(datasetKey)?.has(id) ?? false;
  }

  push(chunk: LakeChunk): void {
    for (const [k, ids] of chunk.ids) this.hold(k, ids, +1);
    this.rowsQueued += chunk.rows.length + chunk.failed.length + 1;
    this.queue.push({ kind: 'chunk', chunk });
    this.kick();
  }

  /** Runs work after everything queued before it (batch finalisation: it counts rows in the lake). */
  task(run: () => Promise<void>): void {
    this.queue.push({ kind: 'task', run });
    this.kick();
  }

  /** Resolves when the queue is empty (it never rejects: see `error`); queued chunks are written without gathering. */
  async idle(): Promise<void> {
    this.urgent++;
    try {
      this.stopGathering?.();
      while (this.running) await this.running;
    } finally {
      this.urgent--;
    }
  }

  private lastWrite = -Infinity;
  private urgent = 0;
  private stopGathering: (() => void) | undefined;
  /** Waits until `gatherMs` after the last write started, unless someone waits for the lane (undefined: no wait). */
  private gather(): Promise<void> | undefined {
    const wait = this.lastWrite + (this.d.gatherMs ?? 0) - performance.now();
    if (wait <= 0 || this.urgent > 0) return undefined;
    return new Promise<void>((r) => {
      const t = setTimeout(r, wait);
      this.stopGathering = () => {
        clearTimeout(t);
        r();
      };
    }).then(() => (this.stopGathering = undefined));
  }

  /** Resolves once at most `rows` wait. */
  async below(rows: number): Promise<void> {
    while (this.rowsQueued > rows && this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, 5))]);
  }

  /** Forgets queued state after a failure (the processor re-reads its markers). */
  reset(committed: number): void {
    this.queue.length = 0;
    this.held.clear();
    this.rowsQueued = 0;
    this.error = undefined;
    this.committed = committed;
  }

  private kick(): void {
    if (this.running) return;
    const run = (async () => {
      try {
        while (this.queue.length > 0 && this.error === undefined) await this.next();
      } finally {
        this.running = undefined;
      }
    })();
    this.running = run;
  }

  private async next(): Promise<void> {
    const head = this.queue[0]!;
    if (head.kind === 'task') {
      this.queue.shift();
      try {
        await head.run();
      } catch (e) {
        this.error ??= e;
      }
      return;
    }
    const gathering = this.gather();
    if (gathering) await gathering;
    // every chunk queued now, up to the next task, goes in one write
    this.lastWrite = performance.now();
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.kind === 'chunk') n++;
    const group = this.queue.splice(0, n).map((i) => (i as { chunk: LakeChunk }).chunk);
    const t0 = this.d.trace ? performance.now() : 0;
    try {
      await this.write(group);
    } catch (e) {
      this.error ??= e;
    } finally {
      for (const c of group) this.rowsQueued -= c.rows.length + c.failed.length + 1;
    }
    if (this.d.trace && performance.now() - t0 >= this.d.trace)
      process.stderr.write(`[kith processor] slow lake write ${(performance.now() - t0).toFixed(0)} ms, ${group.length} chunks, ${group.reduce((a, c) => a + c.rows.length, 0)} rows\n`);
  }

  private async write(group: LakeChunk[]): Promise<void> {
    const upTo = group[group.length - 1]!.upTo;
    const failed = group.flatMap((c) => c.failed);
    if (failed.length) await this.d.failed.add(failed);
    if (this.d.fault) await this.d.fault('failed', upTo);
    await this.d.lake.write(this.d.consumer, upTo, group.length === 1 ? group[0]!.rows : group.flatMap((c) => c.rows));
    if (this.d.fault) await this.d.fault('lake', upTo);
    if (this.d.onLanded)
      for (const c of group)
        for (const k of c.schemas) {
          if (this.landed.has(k)) continue;
          this.landed.add(k);
          const [sandboxId, schemaId] = k.split('\u0000') as [string, string];
          await this.d.onLanded(sandboxId, schemaId);
        }
    if (this.d.fault) await this.d.fault('landed', upTo);
    // before the seen mark: after a crash short of it, the log is read again from the mark, batch ends included
    for (const c of group) await c.after?.();
    if (this.d.fault) await this.d.fault('after', upTo);
    // before the seen mark: the log is read again from it after a crash, so counts not stored yet are counted again
    // (and counts stored are not: their mark is at or above the replayed chunks)
    if (this.d.runs) await this.d.runs(upTo, group.flatMap((c) => (c.runs && !c.runs.empty ? [c.runs] : [])));
    const ids = new Map<string, string[]>();
    for (const c of group) for (const [k, list] of c.ids) ids.set(k, [...(ids.get(k) ?? []), ...list]);
    // with the mark: after a crash the processor re-reads the log from the mark (LakeProcessor.load), so the ids of
    // rows already in the lake above it are remembered again, never lost
    await this.d.seen.rememberThrough(this.d.consumer, upTo, ids);
    if (this.d.fault) await this.d.fault('seen', upTo);
    await this.d.log.commit(this.d.consumer, upTo);
    if (this.d.fault) await this.d.fault('log', upTo);
    this.committed = upTo;
    for (const c of group) for (const [k, list] of c.ids) this.hold(k, list, -1);
  }

  private hold(k: string, ids: string[], by: 1 | -1): void {
    if (ids.length === 0) return;
    let m = this.held.get(k);
    if (!m) {
      if (by < 0) return;
      this.held.set(k, (m = new Map()));
    }
    for (const id of ids) {
      const n = (m.get(id) ?? 0) + by;
      if (n <= 0) m.delete(id);
      else m.set(id, n);
    }
    if (m.size === 0) this.held.delete(k);
  }
}
