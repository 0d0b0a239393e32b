import { isInt, isIntOrNull, isRowIdText, isText, isTextOrNull, type RowShape } from '../store/transfer.js';

/**
 * Records "not ingested to profile": accepted into the lake of a profile-enabled dataset, but not placed in the
 * profile (no usable or primary identity, …). Every adapter runs `notIngestedStoreContract`.
 *
 * Idempotent per log offset: the processor re-delivers records after a crash, and a re-delivered record that fails
 * again replaces its row (same offset) instead of adding one, so counts never double. A row marked replayed is
 * live again when its record fails again (see `add`).
 */
export interface NotIngestedItem {
  sandboxId: string;
  orgId: string;
  datasetId: string;
  batchId: string;
  /** Ingest-log offset of the record (the idempotency key). */
  offset: number;
  /** The record's `_id`, when it has one. */
  recordId: string | null;
  xactionId: string;
  isEvent: boolean;
  receivedAt: number;
  code: string;
  reason: string;
  /** The XDM record as JSON text; cut to MAX_STORED_RECORD_CHARS (then `truncated`). */
  record: string;
}

export interface StoredNotIngested extends NotIngestedItem {
  id: string;
  truncated: boolean;
  createdAt: number;
  replayedAt: number | null;
}

export interface NotIngestedQuery {
  sandboxId: string;
  datasetId?: string;
  batchId?: string;
  code?: string;
  /** createdAt >= since (epoch ms). */
  since?: number;
  /** Rows after this id (paging). */
  after?: string;
  limit: number;
  includeReplayed?: boolean;
}

export interface ReasonCount {
  code: string;
  /** One of the rows' messages (the first). */
  reason: string;
  count: number;
}

export interface BatchNotIngested {
  total: number;
  reasons: ReasonCount[];
}

export interface DatasetNotIngested {
  sandboxId: string;
  datasetId: string;
  /** Rows not replayed. */
  count: number;
  replayed: number;
  reasons: ReasonCount[];
  lastAt: number;
}

/** What the profile step writes. */
export interface NotIngestedSink {
  add(items: NotIngestedItem[]): Promise<void>;
}

/** What batch finalisation reads. */
export interface NotIngestedCounter {
  /** Rows of a batch (replayed ones included: the batch's figure as it was ingested). */
  countBatch(sandboxId: string, batchId: string): Promise<BatchNotIngested>;
}

export interface NotIngestedStore extends NotIngestedSink, NotIngestedCounter {
  list(q: NotIngestedQuery): Promise<StoredNotIngested[]>;
  get(sandboxId: string, id: string): Promise<StoredNotIngested | undefined>;
  /** Per dataset of the given sandboxes (not replayed, replayed, reasons of the live rows). */
  countsByDataset(sandboxIds: readonly string[]): Promise<DatasetNotIngested[]>;
  /** The newest live rows of the given sandboxes. */
  recent(sandboxIds: readonly string[], n: number): Promise<StoredNotIngested[]>;
  markReplayed(sandboxId: string, ids: readonly string[], at: number): Promise<void>;
  /** Rows of the sandbox whose record contains `text` (ASCII case folded, see text-search.ts), replayed ones included, newest first, at most `limit`. */
  containing(sandboxId: string, text: string, limit: number): Promise<StoredNotIngested[]>;
  close(): Promise<void>;
}

/** Records are at most 100 KB when accepted (MAX_RECORD_BYTES); this bound only guards the store. */
export const MAX_STORED_RECORD_CHARS = 128 * 1024;

export function boundRecord(json: string): { record: string; truncated: boolean } {
  return json.length <= MAX_STORED_RECORD_CHARS ? { record: json, truncated: false } : { record: json.slice(0, MAX_STORED_RECORD_CHARS), truncated: true };
}

/** A record not ingested to profile in a dump (store 'not-ingested'): StoredNotIngested as it is. */
export const NOT_INGESTED_ROW: RowShape = {
  id: isRowIdText,
  sandboxId: isText,
  orgId: isText,
  datasetId: isText,
  batchId: isText,
  offset: isInt,
  recordId: isTextOrNull,
  xactionId: isText,
  isEvent: (v) => typeof v === 'boolean',
  receivedAt: isInt,
  code: isText,
  reason: isText,
  record: isText,
  truncated: (v) => typeof v === 'boolean',
  createdAt: isInt,
  replayedAt: isIntOrNull,
};
