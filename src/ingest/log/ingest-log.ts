/**
 * The durable ingest log: every message the HTTP edge acknowledges is appended here first.
 * `append` resolves only after the entries are committed (fsync per group commit with SQLite FULL).
 * Consumers track their own offsets. Every adapter must pass `ingestLogContract`.
 */
export interface LogEntryInput {
  sandboxId: string;
  orgId: string;
  kind: string;
  receivedAt: number;
  payload: string;
}

export interface LogEntry extends LogEntryInput {
  offset: number;
}

export interface IngestLog {
  /** Appends and resolves with the offsets once durable. */
  append(entries: LogEntryInput[]): Promise<number[]>;
  /** Entries with offset > afterOffset, in offset order. */
  read(afterOffset: number, max: number): Promise<LogEntry[]>;
  commit(consumer: string, offset: number): Promise<void>;
  /** The consumer's committed offset (0 when none). */
  committed(consumer: string): Promise<number>;
  /** The highest offset appended (0 when empty). */
  head(): Promise<number>;
  /** Deletes entries at or below `offset` (every consumer has committed them). */
  truncateBefore(offset: number): Promise<void>;
  close(): Promise<void>;
}
