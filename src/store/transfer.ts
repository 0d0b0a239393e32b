/**
 * Moving a store's state between adapters (`kith export` / `kith import`, src/cli/transfer.ts). Every adapter of a
 * port implements Transferable with the same row shapes, documented beside its port's adapters:
 *   resources       {kind, scope, id, doc, version, uniqueKey, createdAt, updatedAt}
 *   ingest-log      {t:'head', offset} | {t:'consumer', name, offset} | {t:'entry', ...LogEntry}
 *   failed-records  StoredFailedRecord with `violations` null when absent and `replayedAt` null when not replayed
 *   not-ingested    StoredNotIngested
 *   seen-ids        {t:'id', datasetKey, id} | {t:'mark', consumer, offset}
 *   source-state    {t:'seen-key', key, expiresAt} | {t:'version', key, updatedAt} | {t:'counter', key, n}
 *   identity        src/identity/identity-transfer-rows.ts (snapshot chunks, observation log, history, marks)
 *   profile         src/profile/profile-transfer-rows.ts (fragments, events, computed-attribute state)
 *   segment         src/segment/segment-transfer-rows.ts (memberships, timers, outbox, meta, active sandboxes)
 *   journey         src/journey/store/journey-transfer-rows.ts (inbox, instances, step-event outbox, cursors, sequence marks)
 *   gateway-rejections  RejectionRow (src/auth/rejections/rejection-store.ts)
 *   flow-runs       src/flow/runs/run-metrics-store.ts (run window counts, failed codes per run, stage marks)
 * Ids, offsets and timestamps travel as they are (a failed record's id is in URLs clients hold).
 */
export interface Transferable {
  /** Stable name of the store in a dump (e.g. 'resources', 'ingest-log', 'failed-records'). */
  readonly transferName: string;
  /** Every row the store holds, in batches, in an order importRows can replay; rows are JSON-serialisable and
   *  have the same shape for every adapter of the port (documented beside the port). */
  exportRows(): AsyncIterable<readonly unknown[]>;
  /** Writes exported rows (from any adapter of the same port); importing the same rows twice changes nothing. */
  importRows(rows: readonly unknown[]): Promise<void>;
}

/** Rows per exported batch (one NDJSON line of a dump). */
export const TRANSFER_BATCH_ROWS = 1000;

/** A row that does not have its store's shape (a corrupt or foreign dump). */
export class TransferRowError extends Error {}

export type Row = Record<string, unknown>;

export const isText = (v: unknown): v is string => typeof v === 'string';
export const isTextOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
export const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
export const isIntOrNull = (v: unknown): v is number | null => v === null || Number.isSafeInteger(v);
export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isNumOrNull = (v: unknown): v is number | null => v === null || isNum(v);
export const isTextList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isText);
/** Text holding one JSON document (stored encoded, never looked into by the store). */
export const isJsonText = (v: unknown): v is string => {
  if (typeof v !== 'string') return false;
  try {
    JSON.parse(v);
    return true;
  } catch {
    return false;
  }
};
/** A row id as adapters hand them out: a positive integer in decimal. */
export const isRowIdText = (v: unknown): v is string => typeof v === 'string' && /^[1-9]\d{0,14}$/.test(v);

/** Field checks of one row shape: every listed field must pass (absent fields are `undefined`). */
export type RowShape = Readonly<Record<string, (v: unknown) => boolean>>;

/** The fields a row misses or has of the wrong type (empty when it fits the shape). */
export function misfits(row: unknown, shape: RowShape): string[] {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return ['(not an object)'];
  const r = row as Row;
  return Object.keys(shape).filter((k) => !shape[k]!(r[k]));
}

/**
 * The rows checked against the shapes of a store (by their `t`, or the one shape `''` of a store without kinds);
 * throws TransferRowError naming the first row that does not fit.
 */
export function checkedRows<T>(store: string, rows: readonly unknown[], shapes: Readonly<Record<string, RowShape>>): T[] {
  rows.forEach((row, i) => {
    const kind = shapes[''] ? '' : String((row as Row | null)?.t);
    const shape = shapes[kind];
    const bad = shape ? misfits(row, shape) : [`t (unknown kind ${JSON.stringify(kind)})`];
    if (bad.length > 0) throw new TransferRowError(`${store}: row ${i + 1} of the batch does not fit (${bad.join(', ')}): ${JSON.stringify(row)?.slice(0, 200)}`);
  });
  return rows as T[];
}

/** The rows of a kind, in their order. */
export const rowsOfKind = <T extends Row>(rows: readonly T[], t: string): T[] => rows.filter((r) => r.t === t);

/** True when the store holds any row (an import target that is not empty). */
export async function holdsData(store: Transferable): Promise<boolean> {
  for await (const batch of store.exportRows()) if (batch.length > 0) return true;
  return false;
}

/** Every row of a store, in export order (tests and small stores). */
export async function allRows(store: Transferable): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const batch of store.exportRows()) out.push(...batch);
  return out;
}

/** Groups a stream of rows into batches of TRANSFER_BATCH_ROWS. */
export async function* batched<T>(rows: Iterable<T> | AsyncIterable<T>, size: number = TRANSFER_BATCH_ROWS): AsyncIterable<T[]> {
  let batch: T[] = [];
  for await (const r of rows) {
    batch.push(r);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
