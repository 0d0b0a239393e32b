import { Writer } from 'pg-protocol/dist/buffer-writer.js';
import { ok, err, type Result } from '../../../shared/result.js';
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
  type StatementKind,
} from '../../engine/query-engine.js';

/**
 * A test double of the engine for the wire tests: answers statements from a table of canned ones (matched on the
 * normalised text), encodes their rows as DataRow frames (text, or binary for the simple types a client may ask
 * binary for), and records what the wire asked of it. Not storage: the engine's own tests run the real one.
 */

export interface ScriptedStatement {
  kind?: StatementKind;
  columns: ColumnDesc[] | null;
  /** Rows as text values; a function sees the bound parameters. */
  rows?: Array<Array<string | null>> | ((params: ParamValue[]) => Array<Array<string | null>>);
  /** Generated rows: `generate` rows of `[i]` (large results without holding them). */
  generate?: number;
  paramTypes?: number[];
  tag?: string;
  error?: SqlError;
  /** Blocks in startPortal until the session is cancelled (answers 57014). */
  block?: boolean;
  parameterStatus?: Array<[string, string]>;
}

export const col = (name: string, typeOid: number): ColumnDesc => ({ name, typeOid, typeSize: typeOid === 23 ? 4 : typeOid === 20 ? 8 : -1, typeModifier: -1 });

const normalise = (sql: string) => sql.replace(/\s+/g, ' ').replace(/;\s*$/, '').trim().toLowerCase();

interface OpenPortal {
  stmt: ScriptedStatement;
  rows: Array<Array<string | null>> | undefined;
  total: number;
  pos: number;
  formats: number[];
}

function encodeValue(v: string, oid: number, binary: boolean): Buffer {
  if (!binary) return Buffer.from(v, 'utf8');
  const b = Buffer.alloc(oid === 20 || oid === 701 ? 8 : oid === 21 ? 2 : oid === 16 ? 1 : 4);
  switch (oid) {
    case 16:
      b[0] = v === 't' ? 1 : 0;
      return b;
    case 21:
      b.writeInt16BE(Number(v));
      return b;
    case 23:
      b.writeInt32BE(Number(v));
      return b;
    case 20:
      b.writeBigInt64BE(BigInt(v));
      return b;
    case 701:
      b.writeDoubleBE(Number(v));
      return b;
    default:
      return Buffer.from(v, 'utf8');
  }
}

export class ScriptedEngine implements QueryEngine {
  readonly sessions = new Map<string, SessionSpec>();
  readonly closed: string[] = [];
  readonly calls: string[] = [];
  /** Chunk size when the wire asks for all rows (maxRows 0): the wire must loop on `suspended`. */
  chunkRows = 1000;
  private readonly portals = new Map<string, OpenPortal>();
  private readonly cancels = new Map<string, () => void>();
  private readonly closeWaiters: Array<() => void> = [];
  private readonly blockWaiters: Array<(sessionId: string) => void> = [];
  private next = 0;

  constructor(private readonly script: Record<string, ScriptedStatement>) {}

  private lookup(sql: string): Result<ScriptedStatement, SqlError> {
    const s = this.script[normalise(sql)];
    if (s) return s.error ? err(s.error) : ok(s);
    return err({ code: SQLSTATE.syntaxError, message: `scripted engine: no statement "${sql}"`, position: 1 });
  }

  /** Resolves when some session has been closed (tests synchronise on it). */
  sessionClosed(): Promise<void> {
    return new Promise((r) => this.closeWaiters.push(r));
  }

  /** Resolves with the session id once a blocking statement is running. */
  blocked(): Promise<string> {
    return new Promise((r) => this.blockWaiters.push(r));
  }

  async openSession(spec: SessionSpec): Promise<string> {
    const id = `s${++this.next}`;
    this.sessions.set(id, spec);
    return id;
  }

  async closeSession(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
    this.closed.push(sessionId);
    for (const k of [...this.portals.keys()]) if (k.startsWith(`${sessionId}/`)) this.portals.delete(k);
    this.closeWaiters.splice(0).forEach((w) => w());
  }

  async describe(sessionId: string, sql: string, paramTypes: number[]): Promise<Result<StatementInfo, SqlError>> {
    this.calls.push(`describe ${sql}`);
    const s = this.lookup(sql);
    if (!s.ok) return s;
    const types = s.value.paramTypes ?? paramTypes;
    return ok({ kind: s.value.kind ?? 'select', paramTypes: types.map((t, i) => (t === 0 ? (paramTypes[i] ?? 25) || 25 : t)), columns: s.value.columns });
  }

  async startPortal(sessionId: string, portal: string, sql: string, params: ParamValue[], _types: number[], resultFormats: number[]): Promise<Result<PortalStart, SqlError>> {
    this.calls.push(`start ${portal} ${sql} ${JSON.stringify(params)}`);
    const s = this.lookup(sql);
    if (!s.ok) return s;
    if (s.value.block) {
      const cancelled = new Promise<void>((r) => this.cancels.set(sessionId, r));
      this.blockWaiters.splice(0).forEach((w) => w(sessionId));
      await cancelled;
      return err({ code: SQLSTATE.queryCanceled, message: 'canceling statement due to user request' });
    }
    const rows = typeof s.value.rows === 'function' ? s.value.rows(params) : s.value.rows;
    const ncols = s.value.columns?.length ?? 0;
    const formats = resultFormats.length === 0 ? [] : resultFormats.length === 1 ? new Array<number>(ncols).fill(resultFormats[0]!) : resultFormats;
    this.portals.set(`${sessionId}/${portal}`, { stmt: s.value, rows, total: rows?.length ?? s.value.generate ?? 0, pos: 0, formats });
    return ok({ columns: s.value.columns });
  }

  async fetch(sessionId: string, portal: string, maxRows: number): Promise<Result<PortalChunk, SqlError>> {
    const p = this.portals.get(`${sessionId}/${portal}`);
    if (!p) return err({ code: SQLSTATE.invalidCursorName, message: `portal "${portal}" does not exist` });
    const n = Math.min(p.total - p.pos, maxRows > 0 ? maxRows : this.chunkRows);
    const w = new Writer();
    const frames: Buffer[] = [];
    const cols = p.stmt.columns ?? [];
    for (let i = 0; i < n; i++) {
      const row = p.rows ? p.rows[p.pos + i]! : [String(p.pos + i)];
      w.addInt16(row.length);
      row.forEach((v, c) => {
        if (v === null) w.addInt32(-1);
        else {
          const b = encodeValue(v, cols[c]?.typeOid ?? 25, p.formats[c] === 1);
          w.addInt32(b.length).add(b);
        }
      });
      frames.push(w.flush(0x44));
    }
    p.pos += n;
    const suspended = p.pos < p.total;
    const done = p.stmt.columns ? `SELECT ${p.total}` : (p.stmt.tag ?? 'SET');
    return ok({ data: Buffer.concat(frames), rows: n, suspended, ...(suspended ? {} : { commandTag: p.stmt.tag ?? done, parameterStatus: p.stmt.parameterStatus }) });
  }

  async fetchJson(): Promise<Result<JsonChunk, SqlError>> {
    return err({ code: SQLSTATE.featureNotSupported, message: 'scripted engine: no JSON' });
  }

  async closePortal(sessionId: string, portal: string): Promise<void> {
    this.portals.delete(`${sessionId}/${portal}`);
  }

  async activity(): Promise<{ sessions: number; running: number }> {
    return { sessions: this.sessions.size, running: 0 };
  }

  async cancel(sessionId: string): Promise<void> {
    this.calls.push(`cancel ${sessionId}`);
    this.cancels.get(sessionId)?.();
    this.cancels.delete(sessionId);
  }
}
