import type { DuckDBConnection } from '@duckdb/node-api';
import type { Result } from '../../shared/result.js';
import type { SessionSpec, SqlError } from '../engine/query-engine.js';

/**
 * What a session may see and how its SQL is mapped onto the lake: the seam between the engine core
 * (`query/engine/`: sessions, statement gate, execution, encoding) and the tables (`query/tables/`: typed query tables
 * per dataset, FLATTEN views, the per-sandbox pg_catalog / information_schema, psql/JDBC catalog-query rewrites,
 * CTAS / INSERT INTO / DROP TABLE as Catalog datasets).
 *
 * DuckDB layout (one instance, the lake's): raw dataset tables `s_<sb>.<table>` (record JSON; the lake's), typed
 * query tables `q_<sb>.<table>` (STRUCT columns from the XDM schema), flattened views `f_<sb>.<table>`, catalog
 * views `c_<sb>.pg_class` etc. A session's SQL may name only its own sandbox's tables; every other schema (other
 * sandboxes, `main`, the raw `s_` tables, DuckDB's own catalog) is out of reach.
 */
export interface SessionView {
  /** DuckDB search_path for the session (e.g. `q_prod,c_prod`). */
  searchPath: string;
  /**
   * Maps a table reference as written (`schema` may be '' for unqualified; `catalog` too) to the physical one, or
   * refuses it (42P01 for unknown, 42501 for out of reach). Called for every BASE_TABLE in the parsed statement.
   */
  resolveTable(ref: { catalog: string; schema: string; name: string }): Result<{ catalog: string; schema: string; name: string }, SqlError>;
  /**
   * Maps a function call's schema as written (`pg_catalog.format_type` → the sandbox's catalog macros, '' stays '')
   * or refuses it (42501). Called for every FUNCTION in the parsed statement; the engine refuses its own list of
   * server-revealing functions before asking.
   */
  resolveFunction(ref: { catalog: string; schema: string; name: string }): Result<{ catalog: string; schema: string; name: string }, SqlError>;
}

export interface TableSpace {
  /** Makes the sandbox's query tables and catalog views current (cheap when nothing changed) and returns its view. */
  prepare(conn: DuckDBConnection, spec: SessionSpec): Promise<Result<SessionView, SqlError>>;
  /** Textual rewrites of PostgreSQL-only syntax clients send in catalog queries (`OPERATOR(pg_catalog.~)`, `::regclass`, …), before parsing. */
  pgCompat(sql: string): string;
  /** `SHOW TABLES` → a SELECT over the sandbox's tables. */
  showTables(spec: SessionSpec): string;
  /** CREATE TABLE x [WITH (schema='…')] AS (SELECT …): a Catalog dataset holding the result. Returns rows written. */
  createTableAs(conn: DuckDBConnection, spec: SessionSpec, table: string, select: string, options: { schemaTitle?: string }): Promise<Result<number, SqlError>>;
  /** INSERT INTO x SELECT …: appends a batch to a dataset. Returns rows written. */
  insertInto(conn: DuckDBConnection, spec: SessionSpec, table: string, select: string): Promise<Result<number, SqlError>>;
  /** DROP TABLE [IF EXISTS] x: deletes a dataset made by CTAS (others are refused: 42501). */
  dropTable(conn: DuckDBConnection, spec: SessionSpec, table: string, ifExists: boolean): Promise<Result<void, SqlError>>;
}
