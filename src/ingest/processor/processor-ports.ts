import type { Violation } from '../../schema/schema-lookup.js';
import type { DatasetInfo } from '../ports.js';

/** A committed ingest-log entry as the processor reads it. */
export interface LogRecord {
  offset: number;
  sandboxId: string;
  orgId: string;
  kind: string;
  receivedAt: number;
  payload: string;
  /** The `/collection` inlet that accepted it (absent for other edges). */
  inletId?: string;
}

export interface LogSource {
  read(afterOffset: number, max: number): Promise<LogRecord[]>;
  commit(consumer: string, offset: number): Promise<void>;
  committed(consumer: string): Promise<number>;
}

/** One row for a dataset's lake table. */
export interface LakeRow {
  sandboxId: string;
  table: string;
  id: string | null;
  /** Event time in epoch ms (ExperienceEvents), null for records. */
  timestamp: number | null;
  batchId: string;
  offset: number;
  ingestedAt: number;
  /** The XDM record as JSON text. */
  record: string;
}

export interface LakeSink {
  /** The highest log offset whose rows are in the lake (0 when none). */
  progress(consumer: string): Promise<number>;
  /** Appends rows and moves the progress marker to `upTo` in ONE transaction (exactly-once under replay). */
  write(consumer: string, upTo: number, rows: LakeRow[]): Promise<void>;
  /** Rows of one batch in one table. */
  countBatch(sandboxId: string, table: string, batchId: string): Promise<number>;
}

export interface FailedItem {
  sandboxId: string;
  datasetId: string;
  batchId: string;
  offset: number;
  code: string;
  reason: string;
  violations?: Violation[];
  payload: string;
}

export interface FailedSink {
  /** Idempotent per offset. */
  add(items: FailedItem[]): Promise<void>;
  countBatch(sandboxId: string, batchId: string): Promise<number>;
  firstReasons(sandboxId: string, batchId: string, n: number): Promise<Array<{ code: string; reason: string; offset: number }>>;
}

/** `_id` dedupe index for ExperienceEvents (and Edge profile records: DecodedEntry.uniqueId), per dataset. */
export interface SeenIds {
  /** Which of these ids have been seen before in the dataset. */
  seen(datasetKey: string, ids: string[]): Promise<Set<string>>;
  /** Records ids as seen (idempotent). */
  remember(datasetKey: string, ids: string[]): Promise<void>;
  /**
   * Records a lake write's ids (per dataset key) as seen and moves the consumer's mark to `upTo`, in one transaction:
   * the ids of every lake row at or below the mark are remembered. The mark never moves backwards.
   */
  rememberThrough(consumer: string, upTo: number, ids: ReadonlyMap<string, readonly string[]>): Promise<void>;
  /** The consumer's mark (undefined when never recorded: a data directory from before marks). */
  rememberedThrough(consumer: string): Promise<number | undefined>;
}

/** A record that passed validation, handed to the next pipeline steps (identity, profile). */
export interface AcceptedRecord {
  offset: number;
  sandboxId: string;
  orgId: string;
  dataset: DatasetInfo;
  schemaId: string;
  isEvent: boolean;
  batchId: string;
  xactionId: string;
  receivedAt: number;
  /** Where it came from (dataflow run counts): `x-adobe-flow-id`, the `/collection` inlet, a source's connection. */
  flowId?: string;
  inletId?: string;
  connectionId?: string;
  entity: Record<string, unknown>;
  /** `entity` as JSON text (encoded once by validation; steps that store it reuse it). */
  json?: string;
}

/** Downstream of the lake: identity and profile steps. Must be idempotent (records may be re-delivered after a crash). */
export interface RecordSink {
  accept(records: AcceptedRecord[]): Promise<void>;
}
