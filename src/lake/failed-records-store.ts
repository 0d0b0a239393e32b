import type { FailedSink } from '../ingest/processor/processor-ports.js';
import type { FailedRecordsReader, StoredFailedRecord } from '../ingest/failed/failed-records-routes.js';
import { isInt, isIntOrNull, isRowIdText, isText, type RowShape } from '../store/transfer.js';

export type { StoredFailedRecord };

export interface FailedQuery {
  sandboxId: string;
  datasetId?: string;
  batchId?: string;
  limit: number;
  /** Records after this id (paging). */
  after?: string;
  includeReplayed?: boolean;
}

export interface BatchFailedCounts {
  batchId: string;
  datasetId: string;
  failed: number;
  replayed: number;
}

/**
 * Failed records: every record the processor rejects, with dataset, batch, reason, violations and the original
 * payload. Idempotent per log offset (a re-delivered chunk adds nothing: the first row of an offset stays).
 * Every adapter runs `failedRecordsStoreContract`; the `_id` dedupe index is a port of its own (`SeenIds`).
 */
export interface FailedRecordsStore extends FailedSink, FailedRecordsReader {
  list(q: FailedQuery): Promise<StoredFailedRecord[]>;
  /** One failed record of the sandbox by id (replayed or not). */
  get(sandboxId: string, id: string): Promise<StoredFailedRecord | undefined>;
  /** Failed (and of those, replayed) record counts per batch of the sandbox, optionally of one dataset. */
  countsByBatch(sandboxId: string, datasetId?: string): Promise<BatchFailedCounts[]>;
  markReplayed(sandboxId: string, ids: string[]): Promise<void>;
  /**
   * Records of the sandbox whose payload contains `text` (ASCII case folded, see text-search.ts), replayed ones
   * included, newest first, at most `limit` (≤ MAX_SEARCH_ROWS): the profile doctor's search for an identity.
   */
  containing(sandboxId: string, text: string, limit: number): Promise<StoredFailedRecord[]>;
}

/** A failed record in a dump (store 'failed-records'): as stored, `violations` and `replayedAt` null when absent. */
export type FailedRecordRow = Omit<StoredFailedRecord, 'violations' | 'replayedAt'> & { violations: StoredFailedRecord['violations'] | null; replayedAt: number | null };

export const FAILED_RECORD_ROW: RowShape = {
  id: isRowIdText,
  sandboxId: isText,
  datasetId: isText,
  batchId: isText,
  offset: isInt,
  code: isText,
  reason: isText,
  violations: (v) => v === null || Array.isArray(v),
  payload: isText,
  createdAt: isInt,
  replayedAt: isIntOrNull,
};

export const failedRecordRow = (r: StoredFailedRecord): FailedRecordRow => ({ ...r, violations: r.violations ?? null, replayedAt: r.replayedAt ?? null });
