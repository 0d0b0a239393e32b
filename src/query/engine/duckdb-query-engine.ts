import { randomUUID } from 'node:crypto';
import { DuckDBTypeId, type DuckDBConnection, type DuckDBPreparedStatement, type DuckDBValue } from '@duckdb/node-api';
import type { Lake } from '../../lake/lake.js';
import { engineOptionsFromEnv, type EngineOptions } from './engine-options.js';
import { err, ok, type Result } from '../../shared/result.js';
import { EngineSession as Session } from './engine-session.js';
import type { TableSpace } from '../tables/table-space.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { plainValue } from './json-values.js';
import { duckdbTypeForOid, OID, oidForParameter } from './pg-types.js';
import { donePortal, readPortal, type Portal } from './portal.js';
import {
  SQLSTATE,
  type ColumnDesc,
  type JsonChunk,
  type ParamValue,
  type PortalChunk,
  type PortalStart,
  type QueryEngine,
  type SessionSpec,
  type SqlError,
  type StatementInfo,
} from './query-engine.js';
import { DataRowWriter, rowShape } from './row-encoder.js';
import { SessionSettings } from './session-settings.js';
import { SqlGate, type CheckedSelect } from './sql-gate.js';
import { sqlErrorOf } from './sql-errors.js';
import { classify, type Classified } from './statement-classifier.js';

const noSession = (id: string): SqlError => ({ code: SQLSTATE.protocolViolation, message: `no such session ${id}` });
const noPortal = (name: string): SqlError => ({ code: SQLSTATE.invalidCursorName, message: `portal "${name}" does not exist` });

/**
 * The Query Service engine on the lake's DuckDB instance (see `query-engine.ts` for the port and `src/query/README.md`
 * for the design): sessions are DuckDB connections bound to a sandbox's view, SELECTs pass the gate (`sql-gate.ts`)
 * and stream chunk by chunk into DataRow bytes, the session settings are the engine's own.
 */
export class DuckdbQueryEngine implements QueryEngine {
  private readonly sessions = new Map<string, Session>();
  private readonly gate: ConcurrencyGate;
  private sqlGate: Promise<SqlGate> | null = null;
  private serverOwned: Promise<ReadonlySet<string>> | null = null;

  private constructor(
    private readonly lake: Lake,
    private readonly tables: TableSpace,
    private readonly options: EngineOptions,
  ) {
    this.gate = new ConcurrencyGate(options.concurrency);
  }

  static create(deps: { lake: Lake; tables: TableSpace; options?: Partial<EngineOptions> }): DuckdbQueryEngine {
    return new DuckdbQueryEngine(deps.lake, deps.tables, { ...engineOptionsFromEnv(), ...deps.options });
  }

  /** The parser's own connection (never a session's: parsing must not end a session's open result). */
  private parser(): Promise<SqlGate> {
    this.sqlGate ??= this.lake.connect().then((c) => new SqlGate(c));
    return this.sqlGate;
  }

  /** DuckDB's own setting names (memory_limit, threads, …): the server's, never a session's to set, even as a remembered no-op. */
  private serverSettings(): Promise<ReadonlySet<string>> {
    this.serverOwned ??= this.lake.connect().then(async (c) => {
      try {
        const r = await c.runAndReadAll('SELECT lower(name) FROM duckdb_settings()');
        return new Set(r.getRows().map((row) => String(row[0])));
      } finally {
        c.closeSync();
      }
    });
    return this.serverOwned;
  }

  /** Sessions open and statements executing now (operations; tests wait on it instead of sleeping). */
  async activity(): Promise<{ sessions: number; running: number }> {
    return { sessions: this.sessions.size, running: this.gate.active };
  }

  /** Closes every session (the lake closes after). */
  async close(): Promise<void> {
    for (const id of [...this.sessions.keys()]) await this.closeSession(id);
  }

  async openSession(spec: SessionSpec): Promise<string> {
    const serverOwned = await this.serverSettings();
    const conn = await this.lake.connect();
    const view = await this.tables.prepare(conn, spec);
    if (!view.ok) {
      conn.closeSync();
      // the port has no error value here: the wire turns this into an ErrorResponse at connect
      throw Object.assign(new Error(view.error.message), { sqlError: view.error });
    }
    await conn.run(`SET search_path = '${view.value.searchPath.replace(/'/g, "''")}'`);
    const id = randomUUID();
    this.sessions.set(id, new Session(id, spec, view.value, new SessionSettings(serverOwned), conn, () => this.lake.connect(), this.options.idleConnectionsPerSession));
    return id;
  }

  async closeSession(sessionId: string): Promise<void> {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    this.sessions.delete(sessionId);
    await s.close();
  }

  async cancel(sessionId: string): Promise<void> {
    this.sessions.get(sessionId)?.cancel();
  }

  private session<T>(sessionId: string, fn: (s: Session) => Promise<Result<T, SqlError>>): Promise<Result<T, SqlError>> {
    const s = this.sessions.get(sessionId);
    if (!s) return Promise.resolve(err(noSession(sessionId)));
    return s.serial.run(() => fn(s));
  }

  private guarded<T>(s: Session, conn: DuckDBConnection | null, fn: () => Promise<T>): Promise<Result<T, SqlError>> {
    return s.guarded(this.gate, this.options.timeoutMs, conn, fn);
  }

  /** pgCompat → DuckDB's parser → the walk: a SELECT (or a CTAS / INSERT's SELECT) checked for this session. */
  private async check(s: Session, sql: string): Promise<Result<CheckedSelect, SqlError>> {
    // the sandbox's tables as of now (datasets appear, CTAS adds some): cheap when nothing changed
    const conn = await s.takeConnection();
    try {
      const view = await this.tables.prepare(conn, s.spec);
      if (!view.ok) return view;
      s.view = view.value;
    } finally {
      s.giveBack(conn);
    }
    const gate = await this.parser();
    return gate.check(this.tables.pgCompat(sql), s.view);
  }

  /**
   * Prepares a checked SELECT on `conn`: parameters the client typed are cast to that type, parameters DuckDB cannot
   * infer become text (a second prepare), so the statement always describes its columns.
   */
  private async prepareChecked(conn: DuckDBConnection, checked: CheckedSelect, paramTypes: number[]): Promise<Result<DuckDBPreparedStatement, SqlError>> {
    const gate = await this.parser();
    const casts = new Map<number, string>();
    for (let i = 1; i <= checked.paramCount; i++) {
      const t = duckdbTypeForOid(paramTypes[i - 1] ?? 0);
      if (t) casts.set(i, t);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const sql = await gate.render(checked, casts);
      if (!sql.ok) return sql;
      let prepared: DuckDBPreparedStatement;
      try {
        prepared = await conn.prepare(sql.value);
      } catch (e) {
        return err(sqlErrorOf(e));
      }
      const unknown: number[] = [];
      for (let i = 1; i <= prepared.parameterCount; i++) {
        const id = prepared.parameterTypeId(i);
        if ((id === DuckDBTypeId.INVALID || id === DuckDBTypeId.ANY || id === DuckDBTypeId.SQLNULL) && !casts.has(i)) unknown.push(i);
      }
      if (unknown.length === 0 || attempt === 1) return ok(prepared);
      prepared.destroySync();
      for (const i of unknown) casts.set(i, 'VARCHAR');
    }
    return err({ code: SQLSTATE.internalError, message: 'could not prepare the statement' });
  }

  /** Classifies a statement; SHOW TABLES becomes the table space's SELECT, which then goes through the gate like any other. */
  private classify(s: Session, sql: string): Result<Classified, SqlError> {
    const c = classify(sql);
    if (c.ok && c.value.kind === 'select' && c.value.showTables) return ok({ kind: 'select', sql: this.tables.showTables(s.spec), showTables: false });
    return c;
  }

  async describe(sessionId: string, sql: string, paramTypes: number[]): Promise<Result<StatementInfo, SqlError>> {
    return this.session(sessionId, async (s): Promise<Result<StatementInfo, SqlError>> => {
      const c = this.classify(s, sql);
      if (!c.ok) return c;
      const st = c.value;
      switch (st.kind) {
        case 'select': {
          const checked = await this.check(s, st.sql);
          if (!checked.ok) return checked;
          const conn = await s.takeConnection();
          try {
            const prepared = await this.prepareChecked(conn, checked.value, paramTypes);
            if (!prepared.ok) return prepared;
            const p = prepared.value;
            const types = Array.from({ length: p.parameterCount }, (_, i) => (paramTypes[i] ? paramTypes[i]! : oidForParameter(p.parameterTypeId(i + 1))));
            const shape = rowShape(
              Array.from({ length: p.columnCount }, (_, i) => p.columnName(i)),
              Array.from({ length: p.columnCount }, (_, i) => p.columnType(i)),
              s.settings.autoToJson,
              [],
            );
            p.destroySync();
            if (!shape.ok) return shape;
            return ok({ kind: 'select', paramTypes: types, columns: shape.value.columns });
          } finally {
            s.giveBack(conn);
          }
        }
        case 'show': {
          const cols = this.showColumns(s, st.name);
          if (!cols.ok) return cols;
          return ok({ kind: 'show', paramTypes: [], columns: cols.value });
        }
        case 'ctas':
        case 'insert': {
          const checked = await this.check(s, st.select);
          if (!checked.ok) return checked;
          return ok({ kind: st.kind, paramTypes: [], columns: null });
        }
        default:
          return ok({ kind: st.kind, paramTypes: [], columns: null });
      }
    });
  }

  private showColumns(s: Session, name: string): Result<ColumnDesc[], SqlError> {
    const text = (n: string): ColumnDesc => ({ name: n, typeOid: OID.text, typeSize: -1, typeModifier: -1 });
    if (name === 'all') return ok([text('name'), text('setting'), text('description')]);
    const v = s.settings.show(name);
    if (!v.ok) return v;
    return ok([text(v.value[0])]);
  }

  async startPortal(sessionId: string, portal: string, sql: string, params: ParamValue[], paramTypes: number[], resultFormats: number[]): Promise<Result<PortalStart, SqlError>> {
    return this.session(sessionId, async (s) => {
      this.dropPortal(s, portal);
      const c = this.classify(s, sql);
      if (!c.ok) return c;
      const p = await this.open(s, c.value, params, paramTypes, resultFormats);
      if (!p.ok) return p;
      s.portals.set(portal, p.value);
      return ok({ columns: p.value.columns, kind: p.value.kind });
    });
  }

  private async open(s: Session, st: Classified, params: ParamValue[], paramTypes: number[], formats: number[]): Promise<Result<Portal, SqlError>> {
    if (params.length > 0 && st.kind !== 'select')
      return err({ code: SQLSTATE.featureNotSupported, message: `parameters are not supported in a ${st.kind.toUpperCase()} statement` });
    switch (st.kind) {
      case 'empty':
        return ok(donePortal('empty', ''));
      case 'transaction':
        return ok(donePortal('transaction', st.tag));
      case 'discard':
        return ok(donePortal('discard', st.tag));
      case 'set': {
        const r = s.settings.set(st.name, st.value);
        if (!r.ok) return r;
        return ok(donePortal('set', st.tag, { parameterStatus: r.value }));
      }
      case 'show': {
        const cols = this.showColumns(s, st.name);
        if (!cols.ok) return cols;
        const rows = st.name === 'all' ? s.settings.all() : [[(s.settings.show(st.name) as { value: [string, string] }).value[1]]];
        return ok(donePortal('show', 'SHOW', { columns: cols.value, staticRows: rows }));
      }
      case 'select':
        return this.openSelect(s, st.sql, params, paramTypes, formats);
      case 'ctas':
      case 'insert':
      case 'drop':
        return this.runWrite(s, st);
    }
  }

  private async openSelect(s: Session, sql: string, params: ParamValue[], paramTypes: number[], formats: number[]): Promise<Result<Portal, SqlError>> {
    const checked = await this.check(s, sql);
    if (!checked.ok) return checked;
    const conn = await s.takeConnection();
    let keep = false;
    try {
      const r = await this.prepareChecked(conn, checked.value, paramTypes);
      if (!r.ok) return r;
      const prepared = r.value;
      if (params.length !== prepared.parameterCount) {
        prepared.destroySync();
        return err({ code: SQLSTATE.protocolViolation, message: `bind message supplies ${params.length} parameters, but prepared statement requires ${prepared.parameterCount}` });
      }
      try {
        params.forEach((v, i) => (v === null ? prepared.bindNull(i + 1) : prepared.bindVarchar(i + 1, v)));
      } catch (e) {
        prepared.destroySync();
        return err(sqlErrorOf(e));
      }
      const result = await this.guarded(s, conn, () => prepared.stream());
      if (!result.ok) return result;
      const names = result.value.columnNames();
      const types = result.value.columnTypes();
      const shape = rowShape(names, types, s.settings.autoToJson, formats);
      if (!shape.ok) return shape;
      keep = true;
      return ok({
        kind: 'select',
        columns: shape.value.columns,
        stream: { result: result.value, conn, types, names, cells: shape.value.cells, chunk: null },
        staticRows: [],
        rowsSent: 0,
        done: false,
        tag: '',
        parameterStatus: [],
      });
    } finally {
      if (!keep) s.giveBack(conn);
    }
  }

  /** CTAS / INSERT INTO … SELECT / DROP TABLE: the SELECT through the gate, then the table space writes the dataset. */
  private async runWrite(s: Session, st: Extract<Classified, { kind: 'ctas' | 'insert' | 'drop' }>): Promise<Result<Portal, SqlError>> {
    let select = '';
    if (st.kind !== 'drop') {
      const checked = await this.check(s, st.select);
      if (!checked.ok) return checked;
      if (checked.value.paramCount > 0) return err({ code: SQLSTATE.featureNotSupported, message: 'parameters are not supported in CREATE TABLE AS / INSERT INTO' });
      const sql = await (await this.parser()).render(checked.value);
      if (!sql.ok) return sql;
      select = sql.value;
    }
    const conn = await s.takeConnection();
    try {
      if (st.kind === 'drop') {
        const r = await this.guarded(s, conn, () => this.tables.dropTable(conn, s.spec, st.table, st.ifExists));
        if (!r.ok) return r;
        if (!r.value.ok) return r.value;
        return ok(donePortal('drop', 'DROP TABLE'));
      }
      const r = await this.guarded(s, conn, () =>
        st.kind === 'ctas'
          ? this.tables.createTableAs(conn, s.spec, st.table, select, st.schemaTitle !== undefined ? { schemaTitle: st.schemaTitle } : {})
          : this.tables.insertInto(conn, s.spec, st.table, select),
      );
      if (!r.ok) return r;
      if (!r.value.ok) return r.value;
      // PostgreSQL tags CREATE TABLE AS with SELECT n
      return ok(donePortal(st.kind, st.kind === 'ctas' ? `SELECT ${r.value.value}` : `INSERT 0 ${r.value.value}`));
    } finally {
      s.giveBack(conn);
    }
  }

  private dropPortal(s: Session, name: string): void {
    const p = s.portals.get(name);
    if (!p) return;
    s.portals.delete(name);
    this.finish(s, p);
  }

  /** Ends a portal's stream and gives its connection back (the next query there discards the old result). */
  private finish(s: Session, p: Portal): void {
    p.done = true;
    if (p.stream) {
      const conn = p.stream.conn;
      p.stream = null;
      s.giveBack(conn);
    }
  }

  /** Reads up to `maxRows` rows of a portal (`readPortal`); a failed read drops the portal, as PostgreSQL does. */
  private async readRows(
    s: Session,
    name: string,
    maxRows: number,
    emit: (p: Portal, values: DuckDBValue[][], r: number) => void,
    full: () => boolean,
  ): Promise<Result<{ portal: Portal; rows: number; suspended: boolean }, SqlError>> {
    const p = s.portals.get(name);
    if (!p) return err(noPortal(name));
    const r = await readPortal(p, maxRows, {
      fetchChunk: (st) => this.guarded(s, st.conn, () => st.result.fetchChunk()),
      finish: (failed) => {
        if (failed) s.portals.delete(name);
        this.finish(s, p);
      },
      emit: (values, row) => emit(p, values, row),
      full,
    });
    return r.ok ? ok({ portal: p, ...r.value }) : r;
  }

  async fetch(sessionId: string, portal: string, maxRows: number): Promise<Result<PortalChunk, SqlError>> {
    return this.session(sessionId, async (s) => {
      const w = new DataRowWriter();
      const p0 = s.portals.get(portal);
      if (p0 && !p0.stream) return ok(this.fetchDone(p0, w));
      const r = await this.readRows(s, portal, maxRows, (p, values, i) => w.row(values, i, p.stream!.cells), () => w.size >= this.options.maxBytesPerFetch);
      if (!r.ok) return r;
      const { portal: p, rows, suspended } = r.value;
      return ok({ data: w.take(), rows, suspended, ...(suspended ? {} : { commandTag: p.tag }) });
    });
  }

  /** A portal with no stream: its static rows (SHOW) once, then its tag and parameter statuses. */
  private fetchDone(p: Portal, w: DataRowWriter): PortalChunk {
    const rows = p.rowsSent === 0 ? p.staticRows : [];
    const text = (v: DuckDBValue): string => String(v);
    for (const row of rows) w.row(row.map((v) => [v]), 0, row.map(() => text));
    p.rowsSent += rows.length;
    const status = p.parameterStatus;
    p.parameterStatus = [];
    return { data: w.take(), rows: rows.length, suspended: false, commandTag: p.tag, ...(status.length > 0 ? { parameterStatus: status } : {}) };
  }

  async fetchJson(sessionId: string, portal: string, maxRows: number): Promise<Result<JsonChunk, SqlError>> {
    return this.session(sessionId, async (s) => {
      const p0 = s.portals.get(portal);
      if (!p0) return err(noPortal(portal));
      if (!p0.stream) {
        const rows = p0.rowsSent === 0 ? p0.staticRows : [];
        p0.rowsSent += rows.length;
        return ok({ columns: (p0.columns ?? []).map((c) => ({ name: c.name, type: 'VARCHAR' })), rows, suspended: false, commandTag: p0.tag });
      }
      const columns = p0.stream.names.map((n, i) => ({ name: n, type: p0.stream!.types[i]!.toString() }));
      const types = p0.stream.types;
      const out: unknown[][] = [];
      const r = await this.readRows(
        s,
        portal,
        maxRows,
        (_p, values, i) => out.push(values.map((col, c) => plainValue(col[i]!, types[c]!))),
        () => out.length >= this.options.maxJsonRowsPerFetch,
      );
      if (!r.ok) return r;
      return ok({ columns, rows: out, suspended: r.value.suspended, ...(r.value.suspended ? {} : { commandTag: r.value.portal.tag }) });
    });
  }

  async closePortal(sessionId: string, portal: string): Promise<void> {
    await this.session(sessionId, async (s) => {
      this.dropPortal(s, portal);
      return ok(undefined);
    });
  }
}
