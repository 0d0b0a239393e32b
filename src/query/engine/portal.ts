import type { DuckDBConnection, DuckDBResult, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { ColumnDesc, StatementKind } from './query-engine.js';
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
