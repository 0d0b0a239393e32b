import { err, ok, type Result } from '../../../shared/result.js';
import { SQLSTATE, type JsonChunk, type PortalChunk, type PortalStart, type QueryEngine, type SessionSpec, type SqlError, type StatementInfo } from '../../engine/query-engine.js';

/** What a statement does in the scripted engine. */
export interface Script {
  columns?: Array<{ name: string; type: string }>;
  rows?: unknown[][];
  /** CommandComplete tag (default `SELECT <n>` for rows, else the statement's first word). */
  commandTag?: string;
  /** Fails at Bind (startPortal) with this error. */
  error?: SqlError;
  /** Its first fetch waits until the session is cancelled, then answers 57014 (as the engine does). */
  block?: boolean;
}

interface Session {
  spec: SessionSpec;
  portal?: { script: Script; sql: string; pos: number };
  cancel?: () => void;
  closed: boolean;
}

/**
 * A test double of the engine port (`QueryEngine`), not of storage: statements answer what the test scripted for
 * them (by their exact text), unknown ones fail with 42P01. `whenBlocked(sql)` resolves once a blocking statement is
 * waiting in a fetch (so a test cancels a running query on an event, not after a sleep).
 */
export class ScriptedEngine implements QueryEngine {
  private readonly scripts = new Map<string, Script>();
  private readonly sessions = new Map<string, Session>();
  private readonly blocked = new Map<string, Array<() => void>>();
  private readonly blockedNow = new Set<string>();
  private next = 1;
  /** Every session's spec, in order of opening. */
  readonly opened: SessionSpec[] = [];
  /** Every statement started, in order. */
  readonly ran: string[] = [];

  script(sql: string, s: Script): this {
    this.scripts.set(sql.trim(), s);
    return this;
  }

  /** Resolves when a fetch of `sql` (a blocking script) is waiting. */
  async whenBlocked(sql: string): Promise<void> {
    if (this.blockedNow.has(sql.trim())) return;
    await new Promise<void>((r) => this.blocked.set(sql.trim(), [...(this.blocked.get(sql.trim()) ?? []), r]));
  }

  /** Sessions not closed yet. */
  openSessions(): number {
    return [...this.sessions.values()].filter((s) => !s.closed).length;
  }

  /** Set: openSession throws as the engine does when it cannot prepare a session (the SQL error as `sqlError`). */
  refuseSessions: SqlError | undefined;

  async openSession(spec: SessionSpec): Promise<string> {
    if (this.refuseSessions) throw Object.assign(new Error(this.refuseSessions.message), { sqlError: this.refuseSessions });
    const id = `s${this.next++}`;
    this.sessions.set(id, { spec, closed: false });
    this.opened.push(spec);
    return id;
  }

  async closeSession(sessionId: string): Promise<void> {
    const s = this.sessions.get(sessionId);
    if (s) s.closed = true;
  }

  async describe(_sessionId: string, sql: string): Promise<Result<StatementInfo, SqlError>> {
    const s = this.scripts.get(sql.trim());
    if (!s) return err({ code: SQLSTATE.undefinedTable, message: `no script for: ${sql}` });
    return ok({ kind: 'select', paramTypes: [], columns: s.columns ? s.columns.map((c) => ({ name: c.name, typeOid: 25, typeSize: -1, typeModifier: -1 })) : null });
  }

  async startPortal(sessionId: string, _portal: string, sql: string): Promise<Result<PortalStart, SqlError>> {
    const sess = this.sessions.get(sessionId);
    if (!sess || sess.closed) return err({ code: SQLSTATE.protocolViolation, message: `no session ${sessionId}` });
    this.ran.push(sql.trim());
    const script = this.scripts.get(sql.trim());
    if (!script) return err({ code: SQLSTATE.undefinedTable, message: `relation in "${sql}" does not exist` });
    if (script.error) return err(script.error);
    sess.portal = { script, sql: sql.trim(), pos: 0 };
    return ok({ columns: script.columns ? script.columns.map((c) => ({ name: c.name, typeOid: 25, typeSize: -1, typeModifier: -1 })) : null });
  }

  async fetch(): Promise<Result<PortalChunk, SqlError>> {
    return ok({ data: new Uint8Array(), rows: 0, suspended: false, commandTag: 'SELECT 0' });
  }

  async fetchJson(sessionId: string, _portal: string, maxRows: number): Promise<Result<JsonChunk, SqlError>> {
    const sess = this.sessions.get(sessionId);
    const p = sess?.portal;
    if (!sess || !p) return err({ code: SQLSTATE.invalidCursorName, message: 'no portal' });
    const { script } = p;
    if (script.block) {
      await new Promise<void>((resolve) => {
        sess.cancel = resolve;
        this.blockedNow.add(p.sql);
        for (const w of this.blocked.get(p.sql) ?? []) w();
        this.blocked.delete(p.sql);
      });
      this.blockedNow.delete(p.sql);
      return err({ code: SQLSTATE.queryCanceled, message: 'canceling statement due to user request' });
    }
    const rows = script.rows ?? [];
    const take = maxRows === 0 ? rows.length - p.pos : maxRows;
    const chunk = rows.slice(p.pos, p.pos + take);
    p.pos += chunk.length;
    const suspended = p.pos < rows.length;
    const tag = script.commandTag ?? (script.columns ? `SELECT ${rows.length}` : p.sql.split(/\s+/)[0]!.toUpperCase());
    return ok({ columns: script.columns ?? [], rows: chunk, suspended, ...(suspended ? {} : { commandTag: tag }) });
  }

  async closePortal(sessionId: string): Promise<void> {
    const s = this.sessions.get(sessionId);
    if (s) delete s.portal;
  }

  async activity(): Promise<{ sessions: number; running: number }> {
    return { sessions: [...this.sessions.values()].filter((s) => !s.closed).length, running: [...this.sessions.values()].filter((s) => s.cancel !== undefined).length };
  }

  async cancel(sessionId: string): Promise<void> {
    const s = this.sessions.get(sessionId);
    s?.cancel?.();
    if (s) delete s.cancel;
  }
}
