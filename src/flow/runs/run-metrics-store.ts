import { isInt, isText, type RowShape } from '../../store/transfer.js';

/**
 * Durable ingestion counters per dataflow run window (Flow Service runs, per-dataset ingestion metrics). The lake
 * processor adds one delta per key per chunk, in one statement per table, together with its stage's mark: a chunk
 * whose `upTo` is at or below the mark is a replay and changes nothing, so a counter moves once per log offset.
 * Every adapter runs `runMetricsStoreContract`.
 */

/** Who the counted records belong to, and when: one row per key. */
export interface RunKey {
  sandboxId: string;
  /** The dataflow that carried the records ('' when none names them: batch files, a source without a dataflow). */
  flowId: string;
  /** The base connection (streaming connection, Web SDK datastream, Segment or Shopify source); '' when none. */
  connectionId: string;
  datasetId: string;
  /** Start of the run window (epoch ms, a multiple of windowMs). */
  windowStart: number;
}

/** What is counted per key. */
export interface RunCounts {
  /** Records read from the ingest log (accepted at the edge). */
  received: number;
  /** Records written to the dataset's lake table. */
  ingested: number;
  /** Records rejected (failed records, with their reason). */
  failed: number;
  /** Events dropped as duplicates of an `_id` already ingested. */
  duplicates: number;
  /** Records of profile-enabled datasets placed in the profile. */
  profileIngested: number;
  /** Records of profile-enabled datasets not ingested to profile (kept with their reason). */
  profileNotIngested: number;
  /** Bytes of the received messages. */
  inputBytes: number;
}

export const COUNT_FIELDS = ['received', 'ingested', 'failed', 'duplicates', 'profileIngested', 'profileNotIngested', 'inputBytes'] as const satisfies ReadonlyArray<keyof RunCounts>;

/** One key's increments from one chunk. */
export interface RunDelta extends RunKey {
  /** The run id of the key's run (the same for every dataset of one dataflow's window). */
  runId: string;
  windowMs: number;
  counts: Partial<RunCounts>;
  /** Failed records by code. */
  errors?: Record<string, number>;
  /** Earliest and latest receipt among the records counted (epoch ms). */
  firstAt: number;
  lastAt: number;
  /** When the processor counted them (epoch ms). */
  at: number;
}

/** A stored row: one key's totals. */
export interface RunRow extends RunKey, RunCounts {
  runId: string;
  windowMs: number;
  firstAt: number;
  lastAt: number;
  updatedAt: number;
}

export interface RunErrorRow {
  sandboxId: string;
  runId: string;
  datasetId: string;
  code: string;
  count: number;
}

/** Rows matching every field given. */
export interface RunQuery {
  sandboxId: string;
  flowId?: string;
  connectionId?: string;
  datasetIds?: readonly string[];
  runId?: string;
  /** windowStart >= from */
  from?: number;
  /** windowStart < to */
  to?: number;
}

export interface RunMetricsStore {
  /** The stage's mark: the last log offset whose counts are in (0 when none). */
  mark(stage: string): Promise<number>;
  /** Adds the deltas and moves the stage's mark to `upTo` in one transaction; false (nothing written) when `upTo` is not above the mark. */
  add(stage: string, upTo: number, deltas: readonly RunDelta[]): Promise<boolean>;
  /** Rows matching the query, by windowStart then key. */
  rows(q: RunQuery): Promise<RunRow[]>;
  /** Failed-record counts by code of the sandbox's runs. */
  errors(sandboxId: string, runIds: readonly string[]): Promise<RunErrorRow[]>;
}

/** Merges deltas of the same key (a statement may not upsert one row twice). */
export function mergeDeltas(deltas: readonly RunDelta[]): RunDelta[] {
  const by = new Map<string, RunDelta>();
  for (const d of deltas) {
    const k = keyOf(d);
    const cur = by.get(k);
    if (!cur) {
      by.set(k, { ...d, counts: { ...d.counts }, ...(d.errors ? { errors: { ...d.errors } } : {}) });
      continue;
    }
    for (const f of COUNT_FIELDS) if (d.counts[f]) cur.counts[f] = (cur.counts[f] ?? 0) + d.counts[f];
    for (const [code, n] of Object.entries(d.errors ?? {})) (cur.errors ??= {})[code] = (cur.errors[code] ?? 0) + n;
    cur.firstAt = Math.min(cur.firstAt, d.firstAt);
    cur.lastAt = Math.max(cur.lastAt, d.lastAt);
    cur.at = Math.max(cur.at, d.at);
  }
  return [...by.values()];
}

export const keyOf = (k: RunKey): string => `${k.sandboxId}\u0000${k.flowId}\u0000${k.connectionId}\u0000${k.datasetId}\u0000${k.windowStart}`;

/** Rows of run metrics in a dump (store 'flow-runs'). */
export type RunTransferRow = ({ t: 'count' } & RunRow) | ({ t: 'error' } & RunErrorRow) | { t: 'mark'; stage: string; offset: number };

export const RUN_TRANSFER_ROWS: Readonly<Record<string, RowShape>> = {
  count: {
    sandboxId: isText,
    flowId: isText,
    connectionId: isText,
    datasetId: isText,
    windowStart: isInt,
    runId: isText,
    windowMs: isInt,
    ...Object.fromEntries(COUNT_FIELDS.map((f) => [f, isInt])),
    firstAt: isInt,
    lastAt: isInt,
    updatedAt: isInt,
  },
  error: { sandboxId: isText, runId: isText, datasetId: isText, code: isText, count: isInt },
  mark: { stage: isText, offset: isInt },
};
