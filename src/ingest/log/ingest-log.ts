import { isInt, isText, type RowShape } from '../../store/transfer.js';

/**
 * The durable ingest log: every message the HTTP edge acknowledges is appended here first.
 * `append` resolves only after the entries are committed (fsync per group commit with SQLite FULL / Postgres COMMIT).
 * Consumers track their own offsets. Every adapter must pass `ingestLogContract`.
 *
 * Offsets are positive, contiguous and never reused (not even after `truncateBefore`), so
 * `backlog(consumer) = head() - committed(consumer)`.
 */
export interface LogEntryInput {
  sandboxId: string;
  orgId: string;
  /** 'xdm' | 'raw' | 'batch-file' | 'batch-end' | … */
  kind: string;
  receivedAt: number;
  /** The message as received (JSON text), kept byte for byte. */
  payload: string;
  inletId?: string;
  datasetId?: string;
  /** Ordering key (e.g. the primary identity); '' or absent when none. */
  key?: string;
  /** Request id / xactionId of the HTTP request that carried the message. */
  requestId?: string;
  /** Free JSON metadata (kept as given). */
  meta?: Record<string, unknown>;
}

export interface LogEntry extends LogEntryInput {
  offset: number;
}

export interface IngestLog {
  /** Appends and resolves with the offsets once durable. One call's entries get contiguous offsets. */
  append(entries: LogEntryInput[]): Promise<number[]>;
  /** Entries with offset > afterOffset, in offset order. */
  read(afterOffset: number, max: number): Promise<LogEntry[]>;
  commit(consumer: string, offset: number): Promise<void>;
  /** The consumer's committed offset (0 when none). */
  committed(consumer: string): Promise<number>;
  /** The highest offset appended (0 when empty). */
  head(): Promise<number>;
  /** Entries appended but not yet committed by `consumer` (for back-pressure). */
  backlog(consumer: string): Promise<number>;
  /** Deletes entries at or below `offset` (every consumer has committed them). Offsets are never reused. */
  truncateBefore(offset: number): Promise<void>;
  close(): Promise<void>;
}

/** An ingest log with group commit: the HTTP edge's back-pressure reads how many entries wait for the next commit. */
export interface GroupCommitLog extends IngestLog {
  queued(): number;
}

/** Optional columns of an entry, as stored by the adapters (absent when null, so entries round-trip exactly). */
export interface EntryExtras {
  inlet_id: string | null;
  dataset_id: string | null;
  key: string | null;
  request_id: string | null;
  meta: string | null;
}

export function extrasOf(e: LogEntryInput): EntryExtras {
  return {
    inlet_id: e.inletId ?? null,
    dataset_id: e.datasetId ?? null,
    key: e.key ?? null,
    request_id: e.requestId ?? null,
    meta: e.meta === undefined ? null : JSON.stringify(e.meta),
  };
}

export function withExtras<T extends LogEntryInput>(base: T, x: EntryExtras): T {
  if (x.inlet_id !== null) base.inletId = x.inlet_id;
  if (x.dataset_id !== null) base.datasetId = x.dataset_id;
  if (x.key !== null) base.key = x.key;
  if (x.request_id !== null) base.requestId = x.request_id;
  if (x.meta !== null) base.meta = JSON.parse(x.meta) as Record<string, unknown>;
  return base;
}

/**
 * The highest offset every one of `consumers` has committed (0 when one never committed, or there are none): what
 * retention (retention.ts) may delete, once old enough.
 */
export async function consumedUpTo(log: IngestLog, consumers: readonly string[]): Promise<number> {
  if (consumers.length === 0) return 0;
  return Math.min(...(await Promise.all(consumers.map((c) => log.committed(c)))));
}

/** Rows of the ingest log in a dump (store 'ingest-log'): the head (offsets never reused), markers and entries. */
export type IngestLogRow = { t: 'head'; offset: number } | { t: 'consumer'; name: string; offset: number } | ({ t: 'entry' } & LogEntry);

const optionalText = (v: unknown) => v === undefined || isText(v);

export const INGEST_LOG_ROWS: Readonly<Record<string, RowShape>> = {
  head: { offset: isInt },
  consumer: { name: isText, offset: isInt },
  entry: {
    offset: (v) => isInt(v) && v > 0,
    sandboxId: isText,
    orgId: isText,
    kind: isText,
    receivedAt: isInt,
    payload: isText,
    inletId: optionalText,
    datasetId: optionalText,
    key: optionalText,
    requestId: optionalText,
    meta: (v) => v === undefined || (v !== null && typeof v === 'object' && !Array.isArray(v)),
  },
};

/** The rows of a dump batch split by kind, and the head they imply (the highest offset they name). */
export function splitLogRows(rows: readonly Extract<IngestLogRow, object>[]) {
  const entries = rows.filter((r): r is { t: 'entry' } & LogEntry => r.t === 'entry');
  const consumers = rows.filter((r): r is { t: 'consumer'; name: string; offset: number } => r.t === 'consumer');
  let head = 0;
  for (const r of rows) if (r.t !== 'consumer') head = Math.max(head, r.offset);
  return { entries, consumers, head };
}

/** An entry as a dump row (the entry's own fields, optional ones only when present). */
export const entryRow = (e: LogEntry): IngestLogRow => ({ t: 'entry', ...e });
