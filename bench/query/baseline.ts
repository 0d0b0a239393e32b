/**
 * The baseline: DuckDB in-process (`@duckdb/node-api`) on the same lake file, with the lake's thread count, running
 * the same SQL texts on the typed tables (search_path), reading every result row into JS values; (c) streams its rows
 * with `fetchChunk` and touches every value. Kith must be down (one DuckDB instance per file).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import os from 'node:os';
import { join } from 'node:path';
import type { BenchData } from './generate.js';
import { benchQueries, type BenchQueries } from './queries.js';
import { baselineTables, type BaselineTables } from './typed-tables.js';

export interface Timing {
  /** Median of the timed runs (ms). */
  ms: number;
  runsMs: number[];
  rows: number;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** One warm-up run, then `runs` timed ones; `once` returns the rows it read. */
export async function timed(runs: number, once: () => Promise<number>): Promise<Timing> {
  let rows = await once();
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    rows = await once();
    runsMs.push(Number((performance.now() - t0).toFixed(1)));
  }
  return { ms: Number(median(runsMs).toFixed(1)), runsMs, rows };
}

/** Every value of a result into JS (what a client does with a result). */
async function readAll(conn: DuckDBConnection, sql: string): Promise<number> {
  const r = await conn.runAndReadAll(sql);
  let touched = 0;
  for (const row of r.getRows()) for (const v of row) if (v !== undefined) touched++;
  return touched === 0 ? 0 : r.currentRowCount;
}

/** A streaming result, chunk by chunk, every value converted to JS. */
async function streamAll(conn: DuckDBConnection, sql: string): Promise<number> {
  const r = await conn.stream(sql);
  let rows = 0;
  let touched = 0;
  for (;;) {
    const chunk = await r.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const row of chunk.getRows()) for (const v of row) if (v !== undefined) touched++;
    rows += chunk.rowCount;
  }
  return touched === 0 ? 0 : rows;
}

/** Two passes of the same measurements as one: every run counts, the median over all of them. */
export function mergeBaselines(a: BaselineResult | undefined, b: BaselineResult): BaselineResult {
  if (!a) return b;
  const both = (x: Timing, y: Timing): Timing => {
    const runsMs = [...x.runsMs, ...y.runsMs];
    return { ms: Number(median(runsMs).toFixed(1)), runsMs, rows: y.rows };
  };
  return { ...b, perTypePerDay: both(a.perTypePerDay, b.perTypePerDay), purchasesByTier: both(a.purchasesByTier, b.purchasesByTier), stream: both(a.stream, b.stream) };
}

export interface BaselineResult {
  threads: number;
  duckdb: string;
  tables: BaselineTables;
  /** Rows of the events table the queries saw (typed table). */
  eventRows: number;
  /** Rows of the raw lake table: the typed table holds all of them when it is complete. */
  rawEventRows: number;
  perTypePerDay: Timing;
  purchasesByTier: Timing;
  stream: Timing;
}

/** `serverTablesOnly`: undefined instead of building the bench's own typed tables when the server has none yet. */
export async function runBaseline(data: BenchData, opts: { threads: number; runs: number; queries?: BenchQueries; serverTablesOnly?: boolean }): Promise<BaselineResult | undefined> {
  // every core while the bench builds its own typed tables (a one-time cost), the lake's thread count when timing
  const instance = await DuckDBInstance.create(join(data.dataDir, 'lake.duckdb'), { threads: String(os.cpus().length) });
  const conn = await instance.connect();
  try {
    const tables = await baselineTables(
      conn,
      data.sandboxSchema,
      [
        { name: data.eventsTable, schema: data.eventSchema },
        { name: data.profilesTable, schema: data.profileSchema },
      ],
      { serverTablesOnly: opts.serverTablesOnly ?? false },
    );
    if (!tables) return undefined;
    await conn.run(`SET threads = ${opts.threads}`);
    await conn.run(`SET search_path = '${tables.schema}'`);
    await conn.run(`SET TimeZone = 'UTC'`);
    const q = opts.queries ?? benchQueries(data.eventsTable, data.profilesTable);
    const version = String((await conn.runAndReadAll('SELECT version()')).getRows()[0]![0]);
    const eventRows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${data.eventsTable}`)).getRows()[0]![0]);
    const rawEventRows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${data.sandboxSchema}.${data.eventsTable}`)).getRows()[0]![0]);
    return {
      threads: opts.threads,
      duckdb: version,
      tables,
      eventRows,
      rawEventRows,
      perTypePerDay: await timed(opts.runs, () => readAll(conn, q.perTypePerDay)),
      purchasesByTier: await timed(opts.runs, () => readAll(conn, q.purchasesByTier)),
      stream: await timed(opts.runs, () => streamAll(conn, q.stream)),
    };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
