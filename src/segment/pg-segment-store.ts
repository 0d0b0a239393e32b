import type pg from 'pg';
import type { IdentityRef } from '../profile/identity-resolver.js';
import { migrate, type Migration } from '../store/postgres/migrations.js';
import { fromPgText, schemaPrefix, toPgText } from '../store/postgres/pg-text.js';
import { pidKey, timerKey, type DueTimer, type MembershipRow, type OutboxRow, type SegmentStore } from './segment-store.js';
import type { MembershipStatus } from './segment-types.js';
import type { Transferable } from '../store/transfer.js';
import type { SegmentRow } from './segment-transfer-rows.js';
import { exportSegmentRows, importSegmentRows } from './pg-segment-transfer.js';

/** segment.db's tables on PostgreSQL ("C": ids are only matched for equality and ordered bytewise, as in SQLite). */
export const SEGMENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'memberships, timers, outbox, meta, active sandboxes',
    sql: (p) => `
      CREATE TABLE ${p}kith_segment_membership (sandbox TEXT COLLATE "C" NOT NULL, segment TEXT COLLATE "C" NOT NULL, pid TEXT COLLATE "C" NOT NULL,
        ns TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, qualified_at BIGINT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (sandbox, pid, segment));
      -- jobs, audiences and counts read a segment's rows (SQLite scans its small file; a shared server should not)
      CREATE INDEX kith_segment_membership_by_segment ON ${p}kith_segment_membership (sandbox, segment, pid);
      CREATE TABLE ${p}kith_segment_timer (sandbox TEXT COLLATE "C" NOT NULL, ns TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, due BIGINT NOT NULL, PRIMARY KEY (sandbox, ns, id));
      CREATE INDEX kith_segment_timer_due ON ${p}kith_segment_timer (due);
      CREATE TABLE ${p}kith_segment_outbox (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, sandbox TEXT NOT NULL, ts BIGINT NOT NULL, record TEXT NOT NULL, id TEXT NOT NULL);
      CREATE TABLE ${p}kith_segment_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE ${p}kith_segment_active_sandbox (sandbox TEXT PRIMARY KEY);`,
  },
];

interface PgMembershipRow {
  segment: string;
  pid: string;
  ns: string;
  id: string;
  status: string;
  qualified_at: string;
  version: number;
}
export const fromPgMembership = (r: PgMembershipRow): MembershipRow => ({
  segmentId: fromPgText(r.segment),
  pid: fromPgText(r.pid),
  ref: { namespace: fromPgText(r.ns), id: fromPgText(r.id) },
  status: r.status as MembershipStatus,
  lastQualificationTime: Number(r.qualified_at),
  version: r.version,
});

const CACHE_LIMIT = 200_000;
const ABSENT = Symbol('absent');

/** Table names of one schema. */
export function segmentTables(schema?: string) {
  const p = schemaPrefix(schema);
  return { m: `${p}kith_segment_membership`, t: `${p}kith_segment_timer`, o: `${p}kith_segment_outbox`, meta: `${p}kith_segment_meta`, active: `${p}kith_segment_active_sandbox` };
}

/**
 * SegmentStore on PostgreSQL (same rules as SqliteSegmentStore). The pool is the caller's; `schema` qualifies the
 * tables. A unit of work holds no server transaction while it evaluates: `prefetch` loads the memberships and timers a
 * profile's evaluation reads (one round trip, only what the read caches miss), the synchronous evaluation runs
 * against that view, its writes are buffered (collapsed per key) and `commit` applies them in one statement (one
 * transaction: multi-row `unnest` writes in data-modifying CTEs). The caches outlive a unit as in SQLite (this store
 * is the tables' only writer) and are dropped on rollback.
 */
export class PgSegmentStore implements SegmentStore, Transferable {
  readonly transferName = 'segment';
  private readonly q;
  private inUnit = false;
  /** Buffered membership writes: per profile id, per segment, the row or null (deleted). */
  private readonly pendingM = new Map<string, { sandboxId: string; pid: string; segs: Map<string, MembershipRow | null> }>();
  private readonly pendingT = new Map<string, { sandboxId: string; ref: IdentityRef; due: number | null }>();
  private pendingO: Array<{ sandboxId: string; ts: number; record: string; id: string }> = [];
  /** Undo steps of the open `transaction()` calls (see transaction). */
  private journal: Array<() => void> | undefined;
  private readonly pidCache = new Map<string, MembershipRow[]>();
  private readonly timerCache = new Map<string, number | null>();
  private readonly active = new Set<string>();

  private constructor(private readonly pool: pg.Pool, schema?: string) {
    const { m, t, o, meta, active } = segmentTables(schema);
    this.q = {
      m, t, o, meta, active,
      prefetch: `SELECT segment, pid, ns, id, status, qualified_at, version, NULL::bigint AS due FROM ${m} WHERE sandbox = $1 AND pid = ANY($2::text[])
        UNION ALL
        SELECT NULL, NULL, t.ns, t.id, NULL, NULL, NULL, t.due FROM ${t} t JOIN unnest($3::text[], $4::text[]) AS r(ns, id) ON t.sandbox = $1 AND t.ns = r.ns AND t.id = r.id`,
      // one statement, hence one transaction; the delete and upsert sets are disjoint (writes are collapsed per key)
      commit: `WITH dm AS (DELETE FROM ${m} x USING unnest($1::text[], $2::text[], $3::text[]) AS d(sandbox, pid, segment) WHERE x.sandbox = d.sandbox AND x.pid = d.pid AND x.segment = d.segment),
        um AS (INSERT INTO ${m} (sandbox, segment, pid, ns, id, status, qualified_at, version)
          SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::int[])
          ON CONFLICT (sandbox, pid, segment) DO UPDATE SET ns = excluded.ns, id = excluded.id, status = excluded.status, qualified_at = excluded.qualified_at, version = excluded.version),
        dt AS (DELETE FROM ${t} x USING unnest($12::text[], $13::text[], $14::text[]) AS d(sandbox, ns, id) WHERE x.sandbox = d.sandbox AND x.ns = d.ns AND x.id = d.id),
        ut AS (INSERT INTO ${t} (sandbox, ns, id, due) SELECT * FROM unnest($15::text[], $16::text[], $17::text[], $18::bigint[]) ON CONFLICT (sandbox, ns, id) DO UPDATE SET due = excluded.due),
        ob AS (INSERT INTO ${o} (sandbox, ts, record, id) SELECT s, ts, r, i FROM unnest($19::text[], $20::bigint[], $21::text[], $22::text[]) WITH ORDINALITY AS x(s, ts, r, i, n) ORDER BY n)
        SELECT 1`,
    };
  }

  static async open(opts: { pool: pg.Pool; schema?: string }): Promise<PgSegmentStore> {
    await migrate(opts.pool, 'segment', SEGMENT_MIGRATIONS, opts.schema);
    return new PgSegmentStore(opts.pool, opts.schema);
  }

  // ---- unit of work

  async begin(): Promise<void> {
    if (this.inUnit) throw new Error('PgSegmentStore: a unit of work is already open');
    // evicted between units only: inside one, a cached profile id holds the unit's own writes
    if (this.pidCache.size >= CACHE_LIMIT) this.pidCache.clear();
    if (this.timerCache.size >= CACHE_LIMIT) this.timerCache.clear();
    this.inUnit = true;
  }

  async commit(): Promise<void> {
    if (!this.inUnit) return;
    const cols: unknown[][] = Array.from({ length: 22 }, () => []);
    const push = (from: number, ...v: unknown[]) => v.forEach((x, i) => cols[from + i]!.push(x));
    for (const { sandboxId, pid, segs } of this.pendingM.values())
      for (const [segmentId, row] of segs) {
        if (row === null) push(0, toPgText(sandboxId), toPgText(pid), toPgText(segmentId));
        else push(3, toPgText(sandboxId), toPgText(segmentId), toPgText(pid), toPgText(row.ref.namespace), toPgText(row.ref.id), row.status, row.lastQualificationTime, row.version);
      }
    for (const { sandboxId, ref, due } of this.pendingT.values()) {
      if (due === null) push(11, toPgText(sandboxId), toPgText(ref.namespace), toPgText(ref.id));
      else push(14, toPgText(sandboxId), toPgText(ref.namespace), toPgText(ref.id), due);
    }
    for (const r of this.pendingO) push(18, toPgText(r.sandboxId), r.ts, r.record, toPgText(r.id));
    if (cols.some((c) => c.length > 0)) await this.pool.query(this.q.commit, cols);
    this.endUnit();
  }

  async rollback(): Promise<void> {
    this.endUnit();
    this.pidCache.clear();
    this.timerCache.clear();
  }

  private endUnit(): void {
    this.inUnit = false;
    this.journal = undefined;
    this.pendingM.clear();
    this.pendingT.clear();
    this.pendingO = [];
  }

  prefetch(sandboxId: string, pids: readonly string[], refs: readonly IdentityRef[]): Promise<void> | undefined {
    const missP = pids.filter((p) => !this.pidCache.has(pidKey(sandboxId, p)));
    const missT = refs.filter((r) => !this.timerCache.has(timerKey(sandboxId, r)));
    if (missP.length === 0 && missT.length === 0) return undefined;
    return this.load(sandboxId, [...new Set(missP)], missT);
  }

  private async load(sandboxId: string, pids: string[], refs: readonly IdentityRef[]): Promise<void> {
    const r = await this.pool.query<PgMembershipRow & { due: string | null }>(this.q.prefetch, [toPgText(sandboxId), pids.map(toPgText), refs.map((x) => toPgText(x.namespace)), refs.map((x) => toPgText(x.id))]);
    const byPid = new Map<string, MembershipRow[]>(pids.map((p) => [p, []]));
    const dues = new Map<string, number>();
    for (const row of r.rows) {
      if (row.due !== null) dues.set(timerKey(sandboxId, { namespace: fromPgText(row.ns), id: fromPgText(row.id) }), Number(row.due));
      else {
        const m = fromPgMembership(row);
        byPid.get(m.pid)?.push(m);
      }
    }
    for (const [pid, rows] of byPid) {
      const k = pidKey(sandboxId, pid);
      // another call may have loaded (and this unit written) it meanwhile
      if (this.pidCache.has(k)) continue;
      const pending = this.pendingM.get(k)?.segs;
      let out = rows;
      if (pending) {
        out = rows.filter((x) => !pending.has(x.segmentId));
        for (const row of pending.values()) if (row) out.push(row);
      }
      this.pidCache.set(k, out);
    }
    for (const ref of refs) {
      const k = timerKey(sandboxId, ref);
      if (!this.timerCache.has(k)) this.timerCache.set(k, this.pendingT.get(k)?.due ?? dues.get(k) ?? null);
    }
  }

  /**
   * Atomic within the unit: a throw undoes the writes `fn` buffered (as SQLite's savepoint does), the unit goes on.
   */
  transaction<T>(fn: () => T): T {
    this.writable();
    const outer = this.journal;
    const journal: Array<() => void> = [];
    this.journal = journal;
    try {
      const out = fn();
      outer?.push(...journal);
      return out;
    } catch (e) {
      for (let i = journal.length - 1; i >= 0; i--) journal[i]!();
      throw e;
    } finally {
      this.journal = outer;
    }
  }

  private writable(): void {
    if (!this.inUnit) throw new Error('PgSegmentStore: writes belong to a unit of work (begin … commit)');
  }

  /** Sets `map[key]`, remembering the previous value for the open transaction() (if any). */
  private set<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (this.journal) {
      const prev = map.has(key) ? map.get(key)! : ABSENT;
      this.journal.push(() => (prev === ABSENT ? map.delete(key) : map.set(key, prev)));
    }
    map.set(key, value);
  }

  private pendingOf(sandboxId: string, pid: string): Map<string, MembershipRow | null> {
    const k = pidKey(sandboxId, pid);
    let p = this.pendingM.get(k);
    if (!p) this.set(this.pendingM, k, (p = { sandboxId, pid, segs: new Map() }));
    return p.segs;
  }

  // ---- the unit's synchronous view

  membershipsOfPid(sandboxId: string, pid: string): MembershipRow[] {
    const rows = this.pidCache.get(pidKey(sandboxId, pid));
    if (!rows) throw new Error(`PgSegmentStore: memberships of ${pid} were not prefetched`);
    return rows;
  }

  putMembership(sandboxId: string, m: MembershipRow): void {
    this.writable();
    const row = { ...m, ref: { namespace: m.ref.namespace, id: m.ref.id } };
    this.set(this.pendingOf(sandboxId, m.pid), m.segmentId, row);
    const k = pidKey(sandboxId, m.pid);
    const rows = this.pidCache.get(k);
    if (rows) this.set(this.pidCache, k, [...rows.filter((r) => r.segmentId !== m.segmentId), row]);
  }

  deleteMembership(sandboxId: string, segmentId: string, pid: string): void {
    this.writable();
    this.set(this.pendingOf(sandboxId, pid), segmentId, null);
    const k = pidKey(sandboxId, pid);
    const rows = this.pidCache.get(k);
    if (rows) this.set(this.pidCache, k, rows.filter((r) => r.segmentId !== segmentId));
  }

  addOutbox(sandboxId: string, ts: number, record: Record<string, unknown> & { _id: string }): void {
    this.writable();
    const n = this.pendingO.length;
    this.pendingO.push({ sandboxId, ts, record: JSON.stringify(record), id: record._id });
    this.journal?.push(() => void (this.pendingO.length = n));
  }

  timerOf(sandboxId: string, ref: IdentityRef): number | undefined {
    const due = this.timerCache.get(timerKey(sandboxId, ref));
    if (due === undefined) throw new Error(`PgSegmentStore: the timer of ${ref.namespace}:${ref.id} was not prefetched`);
    return due ?? undefined;
  }

  setTimer(sandboxId: string, ref: IdentityRef, due: number | undefined): void {
    this.writable();
    const k = timerKey(sandboxId, ref);
    this.set(this.pendingT, k, { sandboxId, ref: { namespace: ref.namespace, id: ref.id }, due: due ?? null });
    this.set(this.timerCache, k, due ?? null);
  }

  // ---- reads and writes outside the unit

  async membershipsOfPids(sandboxId: string, pids: readonly string[]): Promise<MembershipRow[]> {
    if (pids.length === 0) return [];
    const r = await this.pool.query<PgMembershipRow>(`SELECT * FROM ${this.q.m} WHERE sandbox = $1 AND pid = ANY($2::text[])`, [toPgText(sandboxId), pids.map(toPgText)]);
    return r.rows.map(fromPgMembership);
  }

  async members(sandboxId: string, segmentId: string): Promise<MembershipRow[]> {
    const r = await this.pool.query<PgMembershipRow>(`SELECT * FROM ${this.q.m} WHERE sandbox = $1 AND segment = $2 AND status IN ('realized', 'existing') ORDER BY pid`, [toPgText(sandboxId), toPgText(segmentId)]);
    return r.rows.map(fromPgMembership);
  }

  async memberships(sandboxId: string, segmentId: string): Promise<MembershipRow[]> {
    const r = await this.pool.query<PgMembershipRow>(`SELECT * FROM ${this.q.m} WHERE sandbox = $1 AND segment = $2 ORDER BY pid`, [toPgText(sandboxId), toPgText(segmentId)]);
    return r.rows.map(fromPgMembership);
  }

  async counts(sandboxId: string): Promise<Map<string, Record<string, number>>> {
    const r = await this.pool.query<{ segment: string; status: string; n: number }>(`SELECT segment, status, count(*)::int AS n FROM ${this.q.m} WHERE sandbox = $1 GROUP BY segment, status`, [toPgText(sandboxId)]);
    const out = new Map<string, Record<string, number>>();
    for (const x of r.rows) {
      const seg = fromPgText(x.segment);
      (out.get(seg) ?? out.set(seg, {}).get(seg)!)[x.status] = x.n;
    }
    return out;
  }

  async dropSegment(sandboxId: string, segmentId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.q.m} WHERE sandbox = $1 AND segment = $2`, [toPgText(sandboxId), toPgText(segmentId)]);
    // a unit in flight must not write the rows back; what it loaded is reloaded (with its other writes on top)
    for (const p of this.pendingM.values()) if (p.sandboxId === sandboxId) p.segs.delete(segmentId);
    this.pidCache.clear();
  }

  async dueTimers(now: number, max = 1000): Promise<DueTimer[]> {
    const r = await this.pool.query<{ sandbox: string; ns: string; id: string; due: string }>(`SELECT * FROM ${this.q.t} WHERE due <= $1 ORDER BY due LIMIT $2`, [now, max]);
    return r.rows.map((x) => ({ sandboxId: fromPgText(x.sandbox), ref: { namespace: fromPgText(x.ns), id: fromPgText(x.id) }, due: Number(x.due) }));
  }

  async nextDue(): Promise<number | undefined> {
    const r = await this.pool.query<{ due: string | null }>(`SELECT min(due) AS due FROM ${this.q.t}`);
    const due = r.rows[0]?.due;
    return due === null || due === undefined ? undefined : Number(due);
  }

  async readOutbox(afterSeq: number, max: number): Promise<OutboxRow[]> {
    const r = await this.pool.query<{ seq: string; sandbox: string; ts: string; record: string; id: string }>(`SELECT * FROM ${this.q.o} WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, max]);
    return r.rows.map((x) => ({ seq: Number(x.seq), sandboxId: fromPgText(x.sandbox), ts: Number(x.ts), record: x.record, id: fromPgText(x.id) }));
  }

  async firstOutboxSeq(): Promise<number> {
    const r = await this.pool.query<{ seq: string }>(`SELECT seq FROM ${this.q.o} ORDER BY seq LIMIT 1`);
    return r.rows[0] ? Number(r.rows[0].seq) : 1;
  }

  async trimOutbox(upToSeq: number): Promise<void> {
    // the newest row stays, as in SQLite (there the largest row gives the next number; here it keeps the two alike)
    await this.pool.query(`DELETE FROM ${this.q.o} WHERE seq <= $1 AND seq < (SELECT max(seq) FROM ${this.q.o})`, [upToSeq]);
  }

  async markOpen(): Promise<boolean> {
    // the CTE reads the row as it was before the statement
    const r = await this.pool.query<{ v: string }>(`WITH old AS (SELECT v FROM ${this.q.meta} WHERE k = 'open'),
      up AS (INSERT INTO ${this.q.meta} (k, v) VALUES ('open', '1') ON CONFLICT (k) DO UPDATE SET v = '1')
      SELECT v FROM old`);
    return r.rows[0]?.v === '1';
  }

  async markClosed(): Promise<void> {
    await this.pool.query(`INSERT INTO ${this.q.meta} (k, v) VALUES ('open', '0') ON CONFLICT (k) DO UPDATE SET v = '0'`);
  }

  async rememberSandbox(sandboxId: string): Promise<void> {
    if (this.active.has(sandboxId)) return;
    await this.pool.query(`INSERT INTO ${this.q.active} (sandbox) VALUES ($1) ON CONFLICT DO NOTHING`, [toPgText(sandboxId)]);
    this.active.add(sandboxId);
  }

  async activeSandboxes(): Promise<string[]> {
    const r = await this.pool.query<{ sandbox: string }>(`SELECT sandbox FROM ${this.q.active} ORDER BY sandbox COLLATE "C"`);
    return r.rows.map((x) => fromPgText(x.sandbox));
  }

  exportRows(): AsyncIterable<SegmentRow[]> {
    return exportSegmentRows(this.pool, this.q);
  }

  async importRows(rows: readonly unknown[]): Promise<void> {
    await importSegmentRows(this.pool, this.q, rows);
    this.pidCache.clear();
    this.timerCache.clear();
    this.active.clear();
  }

  /** The pool is the caller's. */
  async close(): Promise<void> {
    this.endUnit();
  }
}
