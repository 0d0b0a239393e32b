/**
 * Running compiled segment definitions on a DuckDB connection: bulk loaders for the three input tables (DuckDB
 * appender) and `evaluateBatch` (members per definition) / `countBatch` (member counts, computed in DuckDB).
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { compileSegments, type SegmentDef } from './compile.js';

export interface BatchTableNames {
  profiles: string;
  events: string;
  memberships: string;
}
export const DEFAULT_TABLES: BatchTableNames = { profiles: 'seg_profiles', events: 'seg_events', memberships: 'seg_memberships' };

export interface SnapshotRow {
  pid: string;
  entity: Record<string, unknown>;
  /** deduplicated by id (as the evaluator expects) */
  events: Array<{ id: string; ts: number; event: Record<string, unknown> }>;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
function names(t: BatchTableNames): BatchTableNames {
  for (const n of [t.profiles, t.events, t.memberships]) if (!IDENT.test(n)) throw new Error(`invalid table name ${JSON.stringify(n)}`);
  return t;
}

/** Creates the three input tables (`replace`: drops existing ones first). */
export async function createBatchTables(conn: DuckDBConnection, tables: BatchTableNames = DEFAULT_TABLES, opts: { replace?: boolean } = {}): Promise<void> {
  const t = names(tables);
  const how = opts.replace ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS';
  await conn.run(`${how} ${t.profiles} (pid VARCHAR, entity JSON)`);
  await conn.run(`${how} ${t.events} (pid VARCHAR, id VARCHAR, ts BIGINT, event JSON)`);
  await conn.run(`${how} ${t.memberships} (pid VARCHAR, segment_id VARCHAR)`);
}

/**
 * Appends profiles and their events (creating the tables if missing). An event ts that is not a finite epoch-ms
 * instant within ±8.64e15 is stored as NULL (the evaluator treats it as no datetime); fractional ms are truncated.
 */
export async function loadProfiles(
  conn: DuckDBConnection,
  rows: Iterable<SnapshotRow> | AsyncIterable<SnapshotRow>,
  tables: BatchTableNames = DEFAULT_TABLES,
): Promise<{ profiles: number; events: number }> {
  const t = names(tables);
  await createBatchTables(conn, t);
  const pa = await conn.createAppender(t.profiles);
  const ea = await conn.createAppender(t.events);
  let profiles = 0;
  let events = 0;
  try {
    for await (const r of rows) {
      pa.appendVarchar(r.pid);
      pa.appendVarchar(JSON.stringify(r.entity ?? {}));
      pa.endRow();
      profiles++;
      for (const e of r.events ?? []) {
        ea.appendVarchar(r.pid);
        ea.appendVarchar(e.id);
        appendTs(ea, e.ts);
        ea.appendVarchar(JSON.stringify(e.event ?? {}));
        ea.endRow();
        events++;
      }
    }
    pa.flushSync();
    ea.flushSync();
  } finally {
    pa.closeSync();
    ea.closeSync();
  }
  return { profiles, events };
}

function appendTs(a: DuckDBAppender, ts: number): void {
  if (typeof ts === 'number' && Number.isFinite(ts) && Math.abs(ts) <= 8.64e15) a.appendBigInt(BigInt(Math.trunc(ts)));
  else a.appendNull();
}

/** Appends current memberships (for `inSegment`). */
export async function loadMemberships(conn: DuckDBConnection, rows: Iterable<{ pid: string; segmentId: string }>, tables: BatchTableNames = DEFAULT_TABLES): Promise<number> {
  const t = names(tables);
  await createBatchTables(conn, t);
  const a = await conn.createAppender(t.memberships);
  let n = 0;
  try {
    for (const r of rows) {
      a.appendVarchar(r.pid);
      a.appendVarchar(r.segmentId);
      a.endRow();
      n++;
    }
    a.flushSync();
  } finally {
    a.closeSync();
  }
  return n;
}

export interface BatchResult<T> {
  /** per compiled definition (every compiled id is present, possibly empty) */
  members: Map<string, T>;
  /** definitions the SQL could not express: evaluate them with the JS evaluator */
  unsupported: Array<{ id: string; error: string }>;
}

/** Runs the definitions on the loaded tables: the members of each compiled definition. */
export async function evaluateBatch(
  conn: DuckDBConnection,
  defs: ReadonlyArray<SegmentDef>,
  opts: { now: number; tables?: BatchTableNames },
): Promise<BatchResult<Set<string>>> {
  const c = compileSegments(defs, { ...names(opts.tables ?? DEFAULT_TABLES), now: opts.now });
  if (!c.ok) throw new Error(c.error);
  const members = new Map<string, Set<string>>(c.value.segmentIds.map((id) => [id, new Set<string>()]));
  const result = await conn.stream(c.value.sql);
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const pids = chunk.getColumnValues(0);
    const segs = chunk.getColumnValues(1);
    for (let i = 0; i < pids.length; i++) members.get(String(segs[i]))?.add(String(pids[i]));
  }
  return { members, unsupported: c.value.unsupported };
}

/** Runs the definitions and returns only member counts (aggregated in DuckDB). */
export async function countBatch(
  conn: DuckDBConnection,
  defs: ReadonlyArray<SegmentDef>,
  opts: { now: number; tables?: BatchTableNames },
): Promise<BatchResult<number>> {
  const c = compileSegments(defs, { ...names(opts.tables ?? DEFAULT_TABLES), now: opts.now });
  if (!c.ok) throw new Error(c.error);
  const members = new Map<string, number>(c.value.segmentIds.map((id) => [id, 0]));
  const r = await conn.runAndReadAll(`SELECT segment_id, count(*) FROM (${c.value.sql}) GROUP BY segment_id`);
  for (const [id, n] of r.getRows()) members.set(String(id), Number(n));
  return { members, unsupported: c.value.unsupported };
}
