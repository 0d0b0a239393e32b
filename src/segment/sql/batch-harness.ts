/**
 * Test harness: runs segment definitions through both back ends — the batch SQL (a real in-memory DuckDB) and the
 * streaming JS evaluator — on the same profiles, and returns the members each one finds.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { evaluate } from '../eval/evaluate.js';
import type { SegmentDef } from './compile.js';
import { createBatchTables, DEFAULT_TABLES, evaluateBatch, loadMemberships, loadProfiles, type SnapshotRow } from './run-batch.js';

export interface BatchDb {
  conn: DuckDBConnection;
  close(): void;
}

export async function openBatchDb(): Promise<BatchDb> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

export interface BothResult {
  /** segment id -> sorted member pids (only the definitions the SQL compiled) */
  sql: Map<string, string[]>;
  js: Map<string, string[]>;
  unsupported: Array<{ id: string; error: string }>;
}

/** The data both sides see: JSON round-tripped (the lake/profile store hold JSON; SQL reads JSON text). */
export function jsonSafe(rows: SnapshotRow[]): SnapshotRow[] {
  return JSON.parse(JSON.stringify(rows)) as SnapshotRow[];
}

export async function runBoth(
  db: BatchDb,
  defs: SegmentDef[],
  profiles: SnapshotRow[],
  memberships: Array<{ pid: string; segmentId: string }>,
  now: number,
): Promise<BothResult> {
  const rows = jsonSafe(profiles);
  await createBatchTables(db.conn, DEFAULT_TABLES, { replace: true });
  await loadProfiles(db.conn, rows);
  await loadMemberships(db.conn, memberships);
  const batch = await evaluateBatch(db.conn, defs, { now });
  const sql = new Map([...batch.members].map(([id, s]) => [id, [...s].sort()]));
  const js = new Map<string, string[]>();
  for (const d of defs) {
    if (!sql.has(d.id)) continue;
    const members: string[] = [];
    for (const r of rows) {
      const inSegment = (id: string): boolean => memberships.some((m) => m.pid === r.pid && m.segmentId === id);
      if (evaluate(d.root, { entity: r.entity, events: r.events }, { now, inSegment })) members.push(r.pid);
    }
    js.set(d.id, members.sort());
  }
  return { sql, js, unsupported: batch.unsupported };
}
