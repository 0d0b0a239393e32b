import type { Clock } from '../../shared/clock.js';
import { consumedUpTo, type IngestLog } from './ingest-log.js';

export interface RetentionOptions {
  /** How long an entry is kept after it was received, once every consumer has committed it (0: not kept). */
  retentionMs: number;
  /**
   * Least age (ms since receipt) of an entry deleted, whatever `retentionMs` (default 0). The server uses a minute: the
   * stores the processor wrote commit without fsync (WAL, synchronous NORMAL) and are fsynced by their checkpoints
   * every second, so an entry outlives an OS crash or power loss that would take its data's last writes with it.
   */
  minAgeMs?: number;
  /** The log's consumers: an entry goes only when all of them have committed it (one that never did holds all). */
  consumers: readonly string[];
  clock: Clock;
  /** Entries deleted per statement: each one holds the log's write lock (the API's group commits wait) briefly. */
  stepEntries?: number;
  /** Statements per run (a run trails a long backlog of expired entries over several runs). */
  maxStepsPerRun?: number;
}

export interface RetentionRun {
  /** Entries this run deleted (what is left starts at `oldestOffset()`). */
  deleted: number;
}

/**
 * Ingest-log retention: the log is the durable buffer between the HTTP acknowledgement and the lake, profile and
 * segmentation; once every consumer has committed an entry its data lives in those stores, so the entry is kept only
 * `retentionMs` more (for inspection and replays by an operator) and then deleted, oldest first. Without it the log
 * grows by every message ever received.
 *
 * Guarantee: an entry some consumer has not committed is never deleted, whatever its age (a stopped processor loses
 * nothing); offsets are never reused (the adapters' contract). The age boundary is found by binary search over
 * offsets (entries are appended in order of receipt, so their receive times rise with offsets; receive times out of
 * order by clock skew move the boundary by about that skew), reading one entry per probe: no index on receive time,
 * nothing to maintain per append.
 */
export class LogRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionRun> | undefined;

  constructor(
    private readonly log: IngestLog,
    private readonly opts: RetentionOptions,
  ) {
    if (!(opts.retentionMs >= 0)) throw new RangeError(`ingest log retention must be 0 or more ms, got ${opts.retentionMs}`);
  }

  /** One pass: deletes the expired, consumed entries (at most maxStepsPerRun × stepEntries of them). */
  run(): Promise<RetentionRun> {
    // one pass at a time: the timer and an explicit call never delete concurrently
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<RetentionRun> {
    // small DELETEs keep each hold of the API thread short; 50 per 10 s run keep up with 10,000 entries/s
    // (bench/ingest-log/write-paths.ts times the steps)
    const step = this.opts.stepEntries ?? 2000;
    const maxSteps = this.opts.maxStepsPerRun ?? 50;
    const consumed = await consumedUpTo(this.log, this.opts.consumers);
    let deleted = 0;
    if (consumed > 0) {
      const oldest = await this.oldestOffset();
      if (oldest !== undefined && oldest <= consumed) {
        const keepMs = Math.max(this.opts.retentionMs, this.opts.minAgeMs ?? 0);
        const boundary = await this.lastReceivedBy(oldest, consumed, this.opts.clock.now() - keepMs);
        let first = oldest;
        for (let i = 0; i < maxSteps && first <= boundary; i++) {
          const upTo = Math.min(boundary, first + step - 1);
          await this.log.truncateBefore(upTo);
          deleted += upTo - first + 1;
          first = upTo + 1;
          // between statements, the API's appends and the processor's reads go on
          if (first <= boundary) await new Promise((r) => setImmediate(r));
        }
      }
    }
    return { deleted };
  }

  /** The oldest offset still in the log (undefined when empty). */
  async oldestOffset(): Promise<number | undefined> {
    return (await this.log.read(0, 1))[0]?.offset;
  }

  /**
   * The highest offset in [lo, hi] received at or before `cutoff` (lo − 1 when none is): binary search, one entry read
   * per probe (`read(o − 1, 1)` is the first entry at or after `o`).
   */
  private async lastReceivedBy(lo: number, hi: number, cutoff: number): Promise<number> {
    let ans = lo - 1;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = (await this.log.read(mid - 1, 1))[0];
      if (!e || e.offset > hi) {
        hi = mid - 1;
        continue;
      }
      if (e.receivedAt <= cutoff) {
        ans = e.offset;
        lo = e.offset + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Runs a pass every `intervalMs` (the timer does not keep the process alive); errors go to `onError`. */
  start(intervalMs: number, onError: (e: unknown) => void): void {
    this.stopTimer();
    this.timer = setInterval(() => void this.run().catch(onError), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopTimer();
    await this.running?.catch(() => undefined);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The configured retention and what the log holds now (the head is the caller's: entries = head - oldest + 1). */
  async status(head: number): Promise<{ retentionMinutes: number; oldestOffset: number; entries: number }> {
    const oldest = await this.oldestOffset();
    return { retentionMinutes: this.opts.retentionMs / 60_000, oldestOffset: oldest ?? head + 1, entries: oldest === undefined ? 0 : head - oldest + 1 };
  }
}
