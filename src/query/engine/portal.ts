import type { DuckDBConnection, DuckDBDataChunk, DuckDBResult, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { ok, type Result } from '../../shared/result.js';
import { chunkColumns } from './row-encoder.js';
import type { ColumnDesc, SqlError, StatementKind } from './query-engine.js';
import type { Cell } from './value-codecs.js';

/** An open portal: a streaming DuckDB result read a chunk at a time, or a statement already done (SET, SHOW, CTAS…). */
export interface Portal {
  kind: StatementKind;
  columns: ColumnDesc[] | null;
  /** Streaming results only. */
  stream: {
    result: DuckDBResult;
    conn: DuckDBConnection;
    types: DuckDBType[];
    names: string[];
    cells: Cell[];
    /** The chunk being read (column-major values) and the next row in it. */
    chunk: { values: DuckDBValue[][]; rows: number; next: number } | null;
  } | null;
  /** Rows of a statement answered by the engine itself (SHOW), as text. */
  staticRows: Array<Array<string | null>>;
  rowsSent: number;
  done: boolean;
  /** The CommandComplete tag once done ('' for an empty query). */
  tag: string;
  parameterStatus: Array<[string, string]>;
}

export function donePortal(kind: StatementKind, tag: string, extra: Partial<Portal> = {}): Portal {
  return { kind, columns: null, stream: null, staticRows: [], rowsSent: 0, done: true, tag, parameterStatus: [], ...extra };
}

type Stream = NonNullable<Portal['stream']>;

/**
 * Reads up to `maxRows` rows of a portal's stream (0: all, but returns `suspended` once `full()` says a call's worth is
 * ready), a DuckDB chunk at a time, calling `emit` per row. The end of the stream ends the portal with `SELECT n`;
 * a failed fetch ends it too (`finish(true)`) and is returned.
 */
export async function readPortal(
  p: Portal,
  maxRows: number,
  io: {
    fetchChunk(st: Stream): Promise<Result<DuckDBDataChunk | null | undefined, SqlError>>;
    finish(failed: boolean): void;
    emit(values: DuckDBValue[][], row: number): void;
    full(): boolean;
  },
): Promise<Result<{ rows: number; suspended: boolean }, SqlError>> {
  let rows = 0;
  const bounded = maxRows === 0;
  while (p.stream && (bounded || rows < maxRows)) {
    const st = p.stream;
    if (!st.chunk || st.chunk.next >= st.chunk.rows) {
      if (bounded && io.full()) return ok({ rows, suspended: true });
      const ch = await io.fetchChunk(st);
      if (!ch.ok) {
        io.finish(true);
        return ch;
      }
      if (!ch.value || ch.value.rowCount === 0) {
        io.finish(false);
        p.tag = `SELECT ${p.rowsSent}`;
        break;
      }
      st.chunk = { values: chunkColumns(ch.value), rows: ch.value.rowCount, next: 0 };
    }
    const chunk = st.chunk;
    const end = bounded ? chunk.rows : Math.min(chunk.rows, chunk.next + (maxRows - rows));
    while (chunk.next < end) {
      io.emit(chunk.values, chunk.next++);
      rows++;
      p.rowsSent++;
      if (bounded && io.full()) break;
    }
    if (bounded && io.full() && p.stream) return ok({ rows, suspended: true });
  }
  return ok({ rows, suspended: !p.done });
}
