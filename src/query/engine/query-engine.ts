import type { Result } from '../../shared/result.js';

/**
 * The Query Service's SQL engine: what the PostgreSQL wire endpoint (`query/wire/`, API thread) and the REST API
 * (`query/rest/`, API thread) ask of the thread that owns the lake's DuckDB instance (the processor thread; inline
 * in tests). Everything here crosses threads through the typed RPC (`PipelineServiceMap.query`), so arguments and
 * results are plain data.
 *
 * A session is one DuckDB connection on the lake's instance, bound to one sandbox; it keeps the session settings
 * (`auto_to_json`, `search_path`, …), prepared statements are parsed per call (the wire layer keeps their text), and
 * a portal is an open result (a DuckDB streaming result) read `maxRows` at a time.
 */

/** What a connection (or a REST query) runs as. */
export interface SessionSpec {
  orgId: string;
  sandboxId: string;
  sandboxName: string;
  /** `dbname=prod:all?FLATTEN`: nested objects as flat columns (BI tools). */
  flatten: boolean;
  /** Who (for CTAS datasets' createdUser/createdClient). */
  user: string;
}

/** A result column as the wire describes it (RowDescription). */
export interface ColumnDesc {
  name: string;
  /** PostgreSQL type OID (`query/engine/pg-types.ts`). */
  typeOid: number;
  /** pg_type.typlen (-1 for variable length). */
  typeSize: number;
  typeModifier: number;
}

/** The statement classes the engine accepts; anything else is refused with a PostgreSQL error naming it. */
export type StatementKind =
  | 'select' // SELECT / WITH / VALUES / TABLE / SHOW TABLES (rewritten) / catalog queries
  | 'set' // SET x = y / SET x TO y / RESET / SET SESSION CHARACTERISTICS …: session settings
  | 'show' // SHOW x (a setting)
  | 'transaction' // BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK / SAVEPOINT … : accepted, nothing to do
  | 'ctas' // CREATE TABLE x [WITH (schema='…')] AS (SELECT …)
  | 'insert' // INSERT INTO x SELECT …
  | 'drop' // DROP TABLE [IF EXISTS] x
  | 'discard' // DISCARD ALL, DEALLOCATE …: accepted
  | 'empty'; // only whitespace/comments (EmptyQueryResponse)

/** A PostgreSQL error as values (SQLSTATE code, message; position is 1-based into the statement text). */
export interface SqlError {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: number;
}

/** Parse + Describe of one statement. */
export interface StatementInfo {
  kind: StatementKind;
  /** Parameter type OIDs ($1…$n), as given by the client or inferred (0 → text). */
  paramTypes: number[];
  /** Result columns; null when the statement returns no rows (NoData). */
  columns: ColumnDesc[] | null;
}

/** Parameter values as the wire delivers them, decoded to text (binary parameters are decoded by the wire). */
export type ParamValue = string | null;

export interface PortalStart {
  /** Result columns (null: no rows, e.g. SET). */
  columns: ColumnDesc[] | null;
  /** What the statement was ('empty': answer EmptyQueryResponse instead of CommandComplete). */
  kind?: StatementKind;
}

/** One Execute's worth of a portal. */
export interface PortalChunk {
  /** Concatenated DataRow messages (`'D'` frames), ready for the socket. Empty when no rows. */
  data: Uint8Array;
  rows: number;
  /** More rows remain (the wire sends PortalSuspended); false: done, `commandTag` set. */
  suspended: boolean;
  /** CommandComplete tag when done: `SELECT 3`, `SET`, `BEGIN`, `CREATE TABLE AS 10` (PG says `SELECT 10`), `INSERT 0 5`, `DROP TABLE`. */
  commandTag?: string;
  /** ParameterStatus messages to send (a SET of a reported parameter, e.g. `TimeZone`). */
  parameterStatus?: Array<[string, string]>;
}

/** Rows as plain JSON values (REST results, downloads): integers beyond 2^53 and decimals as strings, timestamps ISO. */
export interface JsonChunk {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
  suspended: boolean;
  commandTag?: string;
}

export interface QueryEngine {
  /** Opens a session (a DuckDB connection bound to the sandbox). */
  openSession(spec: SessionSpec): Promise<string>;
  closeSession(sessionId: string): Promise<void>;
  /** Parse + Describe: classifies, checks and describes a statement without running it. */
  describe(sessionId: string, sql: string, paramTypes: number[]): Promise<Result<StatementInfo, SqlError>>;
  /**
   * Bind: runs the statement up to its first rows and opens the portal (replacing one of the same name).
   * `resultFormats` as in Bind: [] = all text, [f] = all f, else one per column (0 text, 1 binary).
   */
  startPortal(sessionId: string, portal: string, sql: string, params: ParamValue[], paramTypes: number[], resultFormats: number[]): Promise<Result<PortalStart, SqlError>>;
  /**
   * Execute: the next `maxRows` rows of a portal as DataRow bytes. `maxRows` 0 = all, delivered in pieces: a call
   * returns once about `EngineOptions.maxBytesPerFetch` (2 MB) of rows are ready, with `suspended: true`; the wire
   * calls again (without sending PortalSuspended, the client asked for all) until `suspended` is false. With
   * `maxRows` > 0, `suspended` after exactly `maxRows` rows (PortalSuspended), as PostgreSQL does even when none remain.
   */
  fetch(sessionId: string, portal: string, maxRows: number): Promise<Result<PortalChunk, SqlError>>;
  /** Execute for REST: the next rows as JSON values (`maxRows` 0: at most `maxJsonRowsPerFetch` rows a call, `suspended` while more remain). */
  fetchJson(sessionId: string, portal: string, maxRows: number): Promise<Result<JsonChunk, SqlError>>;
  closePortal(sessionId: string, portal: string): Promise<void>;
  /** Interrupts what the session is running (cancel request, REST cancel); the running call answers 57014. */
  cancel(sessionId: string): Promise<void>;
  /** Sessions open and statements executing now. */
  activity(): Promise<{ sessions: number; running: number }>;
}

/** SQLSTATE codes used across the Query Service. */
export const SQLSTATE = {
  syntaxError: '42601',
  undefinedTable: '42P01',
  undefinedColumn: '42703',
  undefinedFunction: '42883',
  duplicateTable: '42P07',
  insufficientPrivilege: '42501',
  featureNotSupported: '0A000',
  invalidParameterValue: '22023',
  dataException: '22000',
  queryCanceled: '57014',
  outOfMemory: '53200',
  invalidPassword: '28P01',
  invalidAuthorization: '28000',
  invalidCatalogName: '3D000',
  protocolViolation: '08P01',
  internalError: 'XX000',
  invalidSqlStatementName: '26000',
  invalidCursorName: '34000',
} as const;
