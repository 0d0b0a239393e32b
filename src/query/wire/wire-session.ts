import { ok, err, type Result } from '../../shared/result.js';
import { SQLSTATE, type ColumnDesc, type QueryEngine, type SqlError, type StatementInfo } from '../engine/query-engine.js';
import * as be from './backend-messages.js';
import type { FrontendMessage } from './frontend-messages.js';
import { printable } from './frontend-messages.js';
import { decodeParams } from './param-decode.js';
import { splitStatementsWithOffsets } from '../engine/sql-lexer.js';
import { afterError, afterSuccess, allowedWhenFailed, transactionEffect, type TxEffect } from './transaction-status.js';

/**
 * One authenticated connection's protocol state after startup: prepared statements, portals, the transaction status
 * byte, and "skip until Sync" after an extended-protocol error. Every engine call's error (or rejection: the engine
 * thread may be gone) becomes an ErrorResponse; `handle` never throws.
 */

export type Engine = Pick<QueryEngine, keyof QueryEngine>;

/** How the session reaches its socket. */
export interface WireOutput {
  write(b: Uint8Array): void;
  /** Resolves once the socket has drained what was written (backpressure before the next fetch). */
  drained(): Promise<void>;
}

interface Prepared {
  /** The single statement's text ('' for an empty statement). */
  sql: string;
  /** Where `sql` starts in what the client sent (error positions). */
  offset: number;
  paramTypes: number[];
  columns: ColumnDesc[] | null;
  effect: TxEffect;
}

interface Portal {
  statement: Prepared;
  columns: ColumnDesc[] | null;
  formats: number[];
  rows: number;
  /** Set once the portal ran to completion (a further Execute repeats it, empty). */
  doneTag?: string;
}

const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H']);
const quoted = (name: string) => `"${name}"`;
const failedBlock: SqlError = { code: '25P02', message: 'current transaction is aborted, commands ignored until end of transaction block' };

export class WireSession {
  private readonly statements = new Map<string, Prepared>();
  private readonly portals = new Map<string, Portal>();
  private tx: be.TxStatus = 'I';
  private skipToSync = false;
  /** An engine call is in flight (a closing socket cancels it). */
  busy = false;

  constructor(
    private readonly engine: Engine,
    readonly sessionId: string,
    private readonly out: WireOutput,
  ) {}

  /** Handles one message; 'close' when the connection must end (Terminate, fatal protocol error). */
  async handle(m: FrontendMessage): Promise<'continue' | 'close'> {
    if (this.skipToSync && m.type !== 'S' && m.type !== 'X') return 'continue';
    this.busy = true;
    try {
      return await this.dispatch(m);
    } catch (e) {
      // a bug of ours, not the client's: answer it like PostgreSQL's internal errors and keep the connection
      this.fail(m.type, { code: SQLSTATE.internalError, message: e instanceof Error ? e.message : String(e) });
      if (m.type === 'Q') this.out.write(be.readyForQuery(this.tx));
      return 'continue';
    } finally {
      this.busy = false;
    }
  }

  /** Closes every portal (the engine's open results), e.g. when the connection ends. */
  async closeAll(): Promise<void> {
    const names = [...this.portals.keys()];
    this.portals.clear();
    for (const n of names) await this.quietly(this.engine.closePortal(this.sessionId, n));
  }

  private async dispatch(m: FrontendMessage): Promise<'continue' | 'close'> {
    switch (m.type) {
      case 'Q':
        await this.simpleQuery(m.sql);
        return 'continue';
      case 'P':
        return this.step(m.type, await this.parse(m.name, m.sql, m.paramTypes));
      case 'B':
        return this.step(m.type, await this.bind(m));
      case 'D':
        return this.step(m.type, this.describe(m.target, m.name));
      case 'E':
        return this.step(m.type, await this.execute(m.portal, m.maxRows));
      case 'C':
        return this.step(m.type, await this.close(m.target, m.name));
      case 'H':
        return 'continue';
      case 'S':
        this.skipToSync = false;
        // outside a transaction block, Sync ends the implicit transaction and with it the portals
        if (this.tx === 'I') await this.closeAll();
        this.out.write(be.readyForQuery(this.tx));
        return 'continue';
      case 'X':
        return 'close';
      case 'other':
        return this.other(m.code);
    }
  }

  private step(type: string, r: Result<unknown, SqlError>): 'continue' {
    if (!r.ok) this.fail(type, r.error);
    return 'continue';
  }

  /** Reports an error: after an extended-protocol message, everything until Sync is skipped. */
  private fail(type: string, e: SqlError): void {
    this.out.write(be.errorResponse(e));
    this.tx = afterError(this.tx);
    if (EXTENDED.has(type)) this.skipToSync = true;
    else if (type !== 'Q') this.out.write(be.readyForQuery(this.tx));
  }

  private other(code: string): 'continue' | 'close' {
    if (code === 'F') this.fail(code, { code: SQLSTATE.featureNotSupported, message: 'the function call protocol is not supported' });
    else if (code === 'd' || code === 'c' || code === 'f') this.fail(code, { code: SQLSTATE.protocolViolation, message: 'COPY data received outside COPY' });
    else {
      // PostgreSQL ends the connection here: the stream cannot be trusted to be in step any more
      this.out.write(be.errorResponse({ code: SQLSTATE.protocolViolation, message: `invalid frontend message type ${printable(code)}` }, 'FATAL'));
      return 'close';
    }
    return 'continue';
  }

  /** Engine call with rejections (a dead engine thread) as values. */
  private async call<T>(p: Promise<Result<T, SqlError>>): Promise<Result<T, SqlError>> {
    try {
      return await p;
    } catch (e) {
      return err({ code: SQLSTATE.internalError, message: `query engine unavailable: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  private async quietly(p: Promise<void>): Promise<void> {
    try {
      await p;
    } catch {
      // closing something on an engine that is gone: nothing left to close
    }
  }

  private async simpleQuery(sql: string): Promise<void> {
    const statements = splitStatementsWithOffsets(sql);
    if (statements.length === 0) this.out.write(be.emptyQueryResponse());
    for (const s of statements) {
      const r = await this.runSimple(s.text);
      if (!r.ok) {
        const e = r.error.position === undefined ? r.error : { ...r.error, position: r.error.position + s.offset };
        this.fail('Q', e);
        break;
      }
    }
    if (this.tx === 'I') await this.closeAll();
    this.out.write(be.readyForQuery(this.tx));
  }

  private async runSimple(sql: string): Promise<Result<void, SqlError>> {
    const effect = transactionEffect(sql);
    if (this.tx === 'E' && !allowedWhenFailed(effect)) return err(failedBlock);
    // a simple query replaces the unnamed portal, as in PostgreSQL
    this.portals.delete('');
    const start = await this.call(this.engine.startPortal(this.sessionId, '', sql, [], [], []));
    if (!start.ok) return start;
    const { columns } = start.value;
    if (columns) this.out.write(be.rowDescription(columns));
    const statement: Prepared = { sql, offset: 0, paramTypes: [], columns, effect };
    const portal: Portal = { statement, columns, formats: [], rows: 0 };
    const r = await this.run('', portal, 0);
    await this.quietly(this.engine.closePortal(this.sessionId, ''));
    return r.ok ? ok(undefined) : r;
  }

  /** Execute: fetches (waiting for the socket to drain between chunks) until done or `maxRows` rows were sent. */
  private async run(name: string, portal: Portal, maxRows: number): Promise<Result<void, SqlError>> {
    if (portal.doneTag !== undefined) {
      this.out.write(be.commandComplete(portal.doneTag));
      return ok(undefined);
    }
    for (;;) {
      await this.out.drained();
      const r = await this.call(this.engine.fetch(this.sessionId, name, maxRows));
      if (!r.ok) return r;
      const c = r.value;
      if (c.data.length > 0) this.out.write(c.data);
      portal.rows += c.rows;
      if (!c.suspended) {
        for (const [k, v] of c.parameterStatus ?? []) this.out.write(be.parameterStatus(k, v));
        portal.doneTag = c.commandTag ?? `SELECT ${portal.rows}`;
        this.out.write(be.commandComplete(portal.doneTag));
        this.tx = afterSuccess(this.tx, portal.statement.effect);
        if (this.tx === 'I' && portal.statement.effect === 'end') await this.closeAll();
        return ok(undefined);
      }
      if (maxRows > 0) {
        this.out.write(be.portalSuspended());
        return ok(undefined);
      }
    }
  }

  private async parse(name: string, sql: string, given: number[]): Promise<Result<void, SqlError>> {
    if (name !== '' && this.statements.has(name)) return err({ code: '42P05', message: `prepared statement ${quoted(name)} already exists` });
    const parts = splitStatementsWithOffsets(sql);
    if (parts.length > 1) return err({ code: SQLSTATE.syntaxError, message: 'cannot insert multiple commands into a prepared statement' });
    const part = parts[0];
    let prepared: Prepared;
    if (!part) prepared = { sql: '', offset: 0, paramTypes: given, columns: null, effect: 'none' };
    else {
      const effect = transactionEffect(part.text);
      if (this.tx === 'E' && !allowedWhenFailed(effect)) return err(failedBlock);
      const d = await this.call<StatementInfo>(this.engine.describe(this.sessionId, part.text, given));
      if (!d.ok) return err(d.error.position === undefined ? d.error : { ...d.error, position: d.error.position + part.offset });
      const types = d.value.paramTypes.length >= given.length ? d.value.paramTypes : given;
      prepared = { sql: part.text, offset: part.offset, paramTypes: types, columns: d.value.columns, effect };
    }
    this.statements.set(name, prepared);
    this.out.write(be.parseComplete());
    return ok(undefined);
  }

  private async bind(m: Extract<FrontendMessage, { type: 'B' }>): Promise<Result<void, SqlError>> {
    const st = this.statements.get(m.statement);
    if (!st) return err({ code: SQLSTATE.invalidSqlStatementName, message: `prepared statement ${quoted(m.statement)} does not exist` });
    if (m.portal !== '' && this.portals.has(m.portal)) return err({ code: '42P03', message: `cursor ${quoted(m.portal)} already exists` });
    if (m.params.length !== st.paramTypes.length)
      return err({
        code: SQLSTATE.protocolViolation,
        message: `bind message supplies ${m.params.length} parameters, but prepared statement ${quoted(m.statement)} requires ${st.paramTypes.length}`,
      });
    const params = decodeParams(m.params, m.paramFormats, st.paramTypes);
    if (!params.ok) return params;
    if (m.resultFormats.some((f) => f !== 0 && f !== 1)) return err({ code: SQLSTATE.invalidParameterValue, message: 'unsupported result format code' });
    const ncols = st.columns?.length ?? 0;
    if (m.resultFormats.length > 1 && m.resultFormats.length !== ncols)
      return err({ code: SQLSTATE.protocolViolation, message: `bind message has ${m.resultFormats.length} result formats but query has ${ncols} columns` });
    if (this.tx === 'E' && !allowedWhenFailed(st.effect)) return err(failedBlock);
    if (m.portal === '') this.portals.delete('');
    let columns: ColumnDesc[] | null = null;
    if (st.sql !== '') {
      const start = await this.call(this.engine.startPortal(this.sessionId, m.portal, st.sql, params.value, st.paramTypes, m.resultFormats));
      if (!start.ok) return err(start.error.position === undefined ? start.error : { ...start.error, position: start.error.position + st.offset });
      columns = start.value.columns;
    }
    this.portals.set(m.portal, { statement: st, columns, formats: be.columnFormats(m.resultFormats, columns?.length ?? 0), rows: 0 });
    this.out.write(be.bindComplete());
    return ok(undefined);
  }

  private describe(target: 'S' | 'P', name: string): Result<void, SqlError> {
    if (target === 'S') {
      const st = this.statements.get(name);
      if (!st) return err({ code: SQLSTATE.invalidSqlStatementName, message: `prepared statement ${quoted(name)} does not exist` });
      this.out.write(be.parameterDescription(st.paramTypes));
      this.out.write(st.columns ? be.rowDescription(st.columns) : be.noData());
      return ok(undefined);
    }
    const p = this.portals.get(name);
    if (!p) return err({ code: SQLSTATE.invalidCursorName, message: `portal ${quoted(name)} does not exist` });
    this.out.write(p.columns ? be.rowDescription(p.columns, p.formats) : be.noData());
    return ok(undefined);
  }

  private async execute(name: string, maxRows: number): Promise<Result<void, SqlError>> {
    const p = this.portals.get(name);
    if (!p) return err({ code: SQLSTATE.invalidCursorName, message: `portal ${quoted(name)} does not exist` });
    if (p.statement.sql === '') {
      this.out.write(be.emptyQueryResponse());
      return ok(undefined);
    }
    return this.run(name, p, maxRows);
  }

  private async close(target: 'S' | 'P', name: string): Promise<Result<void, SqlError>> {
    if (target === 'S') this.statements.delete(name);
    else if (this.portals.delete(name)) await this.quietly(this.engine.closePortal(this.sessionId, name));
    this.out.write(be.closeComplete());
    return ok(undefined);
  }
}
