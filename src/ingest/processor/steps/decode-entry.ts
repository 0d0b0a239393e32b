import type { LogRecord } from '../processor-ports.js';

/** A log entry's payload, decoded (see IngestMessage.payload for the wire form). */
export interface DecodedEntry {
  offset: number;
  sandboxId: string;
  orgId: string;
  receivedAt: number;
  kind: string;
  datasetId: string;
  schemaId: string;
  xactionId: string;
  flowId?: string;
  /** The `/collection` inlet that accepted it. */
  inletId?: string;
  /** The source's base connection (Web SDK, Segment, Shopify: `c` in the payload). */
  connectionId?: string;
  /** Set for rows of a batch-ingestion batch. */
  importBatchId?: string;
  /**
   * The record's `_id` names one send (`u` in the payload: Individual Profile records that came through the Edge
   * endpoints, whose sender retries with the same `_id`): deduplicated on it as ExperienceEvents are.
   */
  uniqueId?: boolean;
  entity?: Record<string, unknown>;
  raw?: unknown;
  /** A row the batch file parser could not read. */
  parseError?: string;
  rawText?: string;
  /** batch-end marker: number of rows the batch had. */
  batchRows?: number;
  /** The original payload text (kept for failed records). */
  payload: string;
}

interface Wire {
  d?: string;
  s?: string;
  x?: string;
  f?: string;
  c?: string;
  b?: string;
  u?: number;
  e?: Record<string, unknown>;
  r?: unknown;
  err?: string;
  raw?: string;
  n?: number;
}

/** Step 1: decode the payload. A payload that is not JSON becomes a parse error, never an exception. */
export function decodeEntry(rec: LogRecord): DecodedEntry {
  let w: Wire;
  try {
    w = JSON.parse(rec.payload) as Wire;
  } catch (e) {
    w = { err: `undecodable log payload: ${(e as Error).message}` };
  }
  return {
    offset: rec.offset,
    sandboxId: rec.sandboxId,
    orgId: rec.orgId,
    receivedAt: rec.receivedAt,
    kind: rec.kind,
    datasetId: w.d ?? '',
    schemaId: w.s ?? '',
    xactionId: w.x ?? String(rec.offset),
    flowId: w.f,
    inletId: rec.inletId || undefined,
    connectionId: w.c,
    importBatchId: w.b,
    ...(w.u === 1 ? { uniqueId: true } : {}),
    entity: w.e,
    raw: w.r,
    parseError: w.err,
    rawText: w.raw,
    batchRows: w.n,
    payload: rec.payload,
  };
}
