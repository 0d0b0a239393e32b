import type { DuckDBConnection } from '@duckdb/node-api';
import { err, ok, type Result } from '../../shared/result.js';
import { Serial } from '../../shared/serial.js';
import type { SessionView } from '../tables/table-space.js';
import type { ConcurrencyGate } from './concurrency-gate.js';
import type { Portal } from './portal.js';
import type { SessionSpec, SqlError } from './query-engine.js';
import type { SessionSettings } from './session-settings.js';
import { canceled, sqlErrorOf } from './sql-errors.js';

/** One DuckDB call in flight, interruptible by a cancel or its timeout. */
interface Op {
  reason: 'timeout' | 'user' | null;
  conn: DuckDBConnection | null;
  abort: AbortController;
  /** Re-interrupts until the DuckDB call returns: an interrupt that lands before DuckDB starts the query is lost. */
  retry: NodeJS.Timeout | null;
}

/** How often an aborted call is interrupted again until DuckDB notices. */
const REINTERRUPT_MS = 25;

/**
 * A session of the engine: its sandbox view and settings, its DuckDB connections and the calls running on them.
 * An open portal holds a connection of its own (DuckDB ends a streaming result when another query starts on its
 * connection); `serial` runs the session's calls one at a time, as PostgreSQL runs a connection's messages.
 */
export class EngineSession {
  readonly portals = new Map<string, Portal>();
  readonly serial = new Serial();
  /** Connections not holding an open portal. */
  private readonly idle: DuckDBConnection[];
  private readonly all: Set<DuckDBConnection>;
  private readonly ops = new Set<Op>();

  constructor(
    readonly id: string,
    readonly spec: SessionSpec,
    public view: SessionView,
    readonly settings: SessionSettings,
    first: DuckDBConnection,
    private readonly connect: () => Promise<DuckDBConnection>,
    private readonly keepIdle: number,
  ) {
    this.idle = [first];
    this.all = new Set([first]);
  }

  async takeConnection(): Promise<DuckDBConnection> {
    const idle = this.idle.pop();
    if (idle) return idle;
    const c = await this.connect();
    await c.run(`SET search_path = '${this.view.searchPath.replace(/'/g, "''")}'`);
    this.all.add(c);
    return c;
  }

  giveBack(c: DuckDBConnection): void {
    if (!this.all.has(c)) return;
    if (this.idle.length < this.keepIdle) this.idle.push(c);
    else {
      this.all.delete(c);
      c.closeSync();
    }
  }

  /** Interrupts every call running (cancel request, REST cancel, closing). */
  cancel(): void {
    for (const op of this.ops) abort(op, 'user');
  }

  async close(): Promise<void> {
    this.cancel();
    await this.serial.run(async () => {
      this.portals.clear();
      for (const c of this.all) c.closeSync();
      this.all.clear();
      this.idle.length = 0;
    });
  }

  /**
   * Runs DuckDB work under the concurrency gate and the statement timeout (the session's `statement_timeout` below
   * `ceilingMs`; waiting for a slot counts), interruptible by `cancel`. An interrupted streaming fetch returns an empty
   * chunk rather than failing, so the op's own flag decides: once it is set the call answers 57014 whatever DuckDB
   * returned.
   */
  async guarded<T>(gate: ConcurrencyGate, ceilingMs: number, conn: DuckDBConnection | null, fn: () => Promise<T>): Promise<Result<T, SqlError>> {
    const op: Op = { reason: null, conn, abort: new AbortController(), retry: null };
    this.ops.add(op);
    const own = this.settings.statementTimeoutMs;
    const timer = setTimeout(() => abort(op, 'timeout'), own > 0 ? Math.min(own, ceilingMs) : ceilingMs);
    try {
      const release = await gate.acquire(op.abort.signal);
      if (!release || op.reason) {
        release?.();
        return err(canceled(op.reason ?? 'user'));
      }
      try {
        const v = await fn();
        return op.reason ? err(canceled(op.reason)) : ok(v);
      } catch (e) {
        return err(op.reason ? canceled(op.reason) : sqlErrorOf(e));
      } finally {
        release();
      }
    } finally {
      clearTimeout(timer);
      if (op.retry) clearInterval(op.retry);
      this.ops.delete(op);
    }
  }
}

function abort(op: Op, why: 'timeout' | 'user'): void {
  if (op.reason) return;
  op.reason = why;
  op.abort.abort();
  const conn = op.conn;
  if (!conn) return;
  conn.interrupt();
  op.retry = setInterval(() => conn.interrupt(), REINTERRUPT_MS);
}
