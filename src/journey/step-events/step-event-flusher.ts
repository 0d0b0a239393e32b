import type { JourneyStore, OutboxRow } from '../store/journey-store.js';
import type { Journey, JourneyVersion } from '../journey-types.js';
import type { LakeRow } from '../../ingest/processor/processor-ports.js';
import type { Result } from '../../shared/result.js';
import type { JourneySystemDatasetIds } from './journey-system-datasets.js';
import { journeyRecord, journeyRecordFromStep, stepEventRecords, type XdmRecord } from './step-event-records.js';

/** The lake's progress marker of the copy (its value is the seq of the last outbox row in the lake). */
export const STEP_EVENTS_CONSUMER = 'journey-step-events';
const BATCH_ID = 'journey-step-events';
const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

/** The part of the Lake the copy uses (`write`: rows and progress in one transaction). */
export interface StepEventLake {
  progress(consumer: string): Promise<number>;
  write(consumer: string, upTo: number, rows: LakeRow[]): Promise<void>;
  tables(sandboxId: string): Promise<string[]>;
  query(sandboxId: string, sql: string, params?: Array<string | number | boolean | null>): Promise<Array<Record<string, unknown>>>;
}

/** Journey versions by id (the Journeys records carry their name and description). */
export interface JourneyVersionSource {
  version(sandboxId: string, versionId: string): Promise<{ journey: Journey; version: JourneyVersion } | undefined>;
}

/** Puts profile-event records into the profile store when the user enabled that dataset for Profile. */
export interface StepEventProfileWriter {
  /** Whether the dataset is enabled for Profile now. */
  enabled(sandboxId: string, datasetId: string): Promise<boolean>;
  /** Idempotent by event `_id` (a batch is written again after a crash before its lake commit). */
  write(sandboxId: string, datasetId: string, events: XdmRecord[]): Promise<Result<void, string>>;
}

export interface StepEventFlusherDeps {
  /** Only the outbox part of the journey store is used. */
  store: Pick<JourneyStore, 'readOutbox' | 'trimOutbox'>;
  lake: StepEventLake;
  /** The sandbox's system datasets (`readJourneySystemDatasets` over the resource store); undefined until provisioned. */
  systemDatasets: (sandboxId: string) => Promise<JourneySystemDatasetIds | undefined>;
  versions: JourneyVersionSource;
  profileWriter?: StepEventProfileWriter;
  now: () => number;
  onError: (e: unknown) => void;
  /** Outbox rows per lake write (default 1000). */
  batchSize?: number;
  /** Trim once this many copied rows are still in the outbox, this many per delete (defaults 1000, 5000). */
  trimEvery?: number;
  trimSlice?: number;
}

/**
 * Copies the journey store's step-event outbox to the lake, exactly once: each batch's rows for both step tables,
 * plus the Journeys record of every version seen for the first time, go in ONE `lake.write` whose progress is the
 * batch's last outbox seq (a crash before it commits writes the whole batch again; after, nothing of it). Which
 * versions the Journeys table holds is read back from it once per sandbox (so it survives restarts), and updated
 * only after a commit. Copied rows are trimmed from the outbox a slice at a time (as segmentation's flush does).
 * Errors are reported through `onError` and retried at the next flush; `flush` never throws.
 */
export class StepEventFlusher {
  private flushing: Promise<number> | undefined;
  private trimmed: number | undefined;
  /** Per sandbox: journeyVersionIDs whose record is in the Journeys table. */
  private readonly known = new Map<string, Set<string>>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: StepEventFlusherDeps) {}

  /** Copies everything the outbox holds now; answers how many step events were copied. */
  flush(): Promise<number> {
    this.flushing ??= this.run()
      .catch((e: unknown) => {
        this.deps.onError(e);
        return 0;
      })
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Flushes every `everyMs` in the background (a flush still running is not started twice). */
  start(everyMs: number): void {
    this.timer ??= setInterval(() => void this.flush(), everyMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async run(): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await this.deps.lake.progress(STEP_EVENTS_CONSUMER);
      const rows = await this.deps.store.readOutbox(done, this.deps.batchSize ?? 1000);
      if (rows.length === 0) {
        await this.trim(done);
        return total;
      }
      const batch = await this.prepare(rows);
      if (batch.upTo <= done) return total; // stuck on the first row: reported, retried at the next flush
      if (!(await this.toProfile(batch.profile))) return total;
      await this.deps.lake.write(STEP_EVENTS_CONSUMER, batch.upTo, batch.rows);
      for (const [sb, ids] of batch.versions) for (const v of ids) this.known.get(sb)!.add(v);
      total += batch.copied;
      await this.trim(batch.upTo);
      if (batch.upTo < rows.at(-1)!.seq) return total;
    }
  }

  /**
   * The lake rows of a batch. A row whose sandbox has no system datasets yet, or whose version cannot be read,
   * ends the batch before it (retried at the next flush); a step event that cannot become records is reported and
   * skipped (no retry makes it valid).
   */
  private async prepare(rows: OutboxRow[]) {
    const out: LakeRow[] = [];
    const profile = new Map<string, { datasetId: string; events: XdmRecord[] }>();
    const versions = new Map<string, Set<string>>();
    const systems = new Map<string, JourneySystemDatasetIds | undefined>();
    const ingestedAt = this.deps.now();
    let upTo = rows[0]!.seq - 1;
    let copied = 0;
    for (const { seq, event } of rows) {
      const sb = event.sandboxId;
      if (!systems.has(sb)) systems.set(sb, await this.deps.systemDatasets(sb));
      const sys = systems.get(sb);
      if (!sys) {
        this.deps.onError(new Error(`journey step events of sandbox ${sb} wait: its system datasets are not provisioned`));
        break;
      }
      const recs = stepEventRecords(event);
      if (!recs.ok) {
        this.deps.onError(new Error(`journey step event at outbox seq ${seq} skipped: ${recs.error}`));
        upTo = seq;
        continue;
      }
      const known = await this.knownVersions(sb, sys.journeyTable);
      const seen = versions.get(sb) ?? versions.set(sb, new Set()).get(sb)!;
      let journey: XdmRecord | undefined;
      if (!known.has(event.journeyVersionId) && !seen.has(event.journeyVersionId)) {
        const v = await this.deps.versions.version(sb, event.journeyVersionId).catch((e: unknown) => e as Error);
        if (v instanceof Error) {
          this.deps.onError(v);
          break;
        }
        journey = v ? journeyRecord(v.journey, v.version) : journeyRecordFromStep(event);
        seen.add(event.journeyVersionId);
      }
      const row = (table: string, rec: XdmRecord, timestamp: number | null): LakeRow => ({ sandboxId: sb, table, id: rec._id as string, timestamp, batchId: BATCH_ID, offset: seq, ingestedAt, record: JSON.stringify(rec) });
      out.push(row(sys.profileEventTable, recs.value.profileEvent, event.timestamp), row(sys.stepEventTable, recs.value.stepEvent, event.timestamp));
      if (journey) out.push(row(sys.journeyTable, journey, null));
      const p = profile.get(sb) ?? profile.set(sb, { datasetId: sys.profileEventDatasetId, events: [] }).get(sb)!;
      p.events.push(recs.value.profileEvent);
      upTo = seq;
      copied++;
    }
    return { rows: out, upTo, copied, versions, profile };
  }

  /** Profile-event records to the profile store first (idempotent), for sandboxes whose dataset is enabled for Profile. */
  private async toProfile(bySandbox: Map<string, { datasetId: string; events: XdmRecord[] }>): Promise<boolean> {
    const w = this.deps.profileWriter;
    if (!w) return true;
    for (const [sb, { datasetId, events }] of bySandbox) {
      if (events.length === 0 || !(await w.enabled(sb, datasetId))) continue;
      const r = await w.write(sb, datasetId, events);
      if (!r.ok) {
        this.deps.onError(new Error(`journey step events of sandbox ${sb} not written to Profile (retried): ${r.error}`));
        return false;
      }
    }
    return true;
  }

  /** journeyVersionIDs already in the sandbox's Journeys table (read once per sandbox; kept current after commits). */
  private async knownVersions(sandboxId: string, table: string): Promise<Set<string>> {
    const hit = this.known.get(sandboxId);
    if (hit) return hit;
    if (!TABLE_NAME.test(table)) throw new Error(`invalid journeys table name ${table}`);
    const ids = new Set<string>();
    if ((await this.deps.lake.tables(sandboxId)).includes(table))
      for (const r of await this.deps.lake.query(sandboxId, `SELECT DISTINCT _id FROM ${table} WHERE _id IS NOT NULL`)) ids.add(String(r._id));
    this.known.set(sandboxId, ids);
    return ids;
  }

  /** Removes copied rows from the outbox, a slice at a time (a large delete holds the store for a while). */
  private async trim(done: number): Promise<void> {
    if (this.trimmed === undefined) {
      const first = await this.deps.store.readOutbox(0, 1);
      this.trimmed = first[0] ? Math.min(first[0].seq - 1, done) : done;
    }
    const every = this.deps.trimEvery ?? 1000;
    const slice = this.deps.trimSlice ?? 5000;
    while (done - this.trimmed >= every) {
      const upTo = Math.min(done, this.trimmed + slice);
      await this.deps.store.trimOutbox(upTo);
      this.trimmed = upTo;
    }
  }
}
