import { walAutocheckpoint, type SqliteDb } from '../store/sqlite/open.js';
import type { IdentityRef } from '../profile/identity-resolver.js';
import type { Transferable } from '../store/transfer.js';
import type { SegmentRow } from './segment-transfer-rows.js';
import { exportSegmentRows, importSegmentRows } from './sqlite-segment-transfer.js';
import { pidKey, rowToMembership, timerKey, type DueTimer, type MembershipRow, type MembershipRowData, type OutboxRow, type SegmentStore } from './segment-store.js';

/** segment.db's tables, created or upgraded by the writer. */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS membership (sandbox TEXT NOT NULL, segment TEXT NOT NULL, pid TEXT NOT NULL, ns TEXT NOT NULL, id TEXT NOT NULL,
    status TEXT NOT NULL, qualified_at INTEGER NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (sandbox, pid, segment)) WITHOUT ROWID;
  DROP INDEX IF EXISTS membership_seg;
  -- rows written under an identity are the rows of its XID (pid = the XID of the identity written under), so no
  -- second index: each transition dirtied one more random page of it
  DROP INDEX IF EXISTS membership_ref;
  DROP TABLE IF EXISTS state_event;
  CREATE TABLE IF NOT EXISTS timer (sandbox TEXT NOT NULL, ns TEXT NOT NULL, id TEXT NOT NULL, due INTEGER NOT NULL, PRIMARY KEY (sandbox, ns, id)) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS timer_due ON timer (due);
  CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, sandbox TEXT NOT NULL, ts INTEGER NOT NULL, record TEXT NOT NULL, id TEXT);
  DROP TABLE IF EXISTS known_ref;
  CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS active_sandbox (sandbox TEXT PRIMARY KEY) WITHOUT ROWID;
`;

/** Memberships of several profile ids in one statement (a JSON array of ids). */
export const MEMBERSHIPS_OF_PIDS_SQL = 'SELECT * FROM membership WHERE sandbox=? AND pid IN (SELECT value FROM json_each(?))';

/**
 * SegmentStore over `segment.db` (SQLite, WAL). The runtime's unit of work is one IMMEDIATE transaction on this
 * connection; reads run on demand through prepared statements and two read caches (this store is their only
 * writer; both are dropped on rollback).
 */
export class SqliteSegmentStore implements SegmentStore, Transferable {
  readonly transferName = 'segment';
  private readonly s;

  constructor(private readonly db: SqliteDb) {
    this.tx = db.transaction((fn: () => unknown) => fn());
    // units of work touch many pages; the default 1,000-page auto-checkpoint would copy and fsync on most commits
    walAutocheckpoint(db, 8192);
    db.exec(SCHEMA);
    // files from before the event id had its own column (the flush read it by parsing each record)
    if (!db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('outbox')").all().some((c) => c.name === 'id')) db.exec('ALTER TABLE outbox ADD COLUMN id TEXT');
    this.s = {
      mOfPid: db.prepare<[string, string], MembershipRowData>('SELECT * FROM membership WHERE sandbox=? AND pid=?'),
      mOfPids: db.prepare<[string, string], MembershipRowData>(MEMBERSHIPS_OF_PIDS_SQL),
      putM: db.prepare('INSERT INTO membership VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (sandbox, pid, segment) DO UPDATE SET ns=excluded.ns, id=excluded.id, status=excluded.status, qualified_at=excluded.qualified_at, version=excluded.version'),
      delM: db.prepare('DELETE FROM membership WHERE sandbox=? AND segment=? AND pid=?'),
      delSegM: db.prepare('DELETE FROM membership WHERE sandbox=? AND segment=?'),
      membersOf: db.prepare<[string, string], MembershipRowData>(`SELECT * FROM membership WHERE sandbox=? AND segment=? AND status IN ('realized','existing') ORDER BY pid`),
      allOf: db.prepare<[string, string], MembershipRowData>('SELECT * FROM membership WHERE sandbox=? AND segment=? ORDER BY pid'),
      counts: db.prepare<[string], { segment: string; status: string; n: number }>('SELECT segment, status, count(*) AS n FROM membership WHERE sandbox=? GROUP BY segment, status'),
      putTimer: db.prepare('INSERT INTO timer VALUES (?,?,?,?) ON CONFLICT (sandbox, ns, id) DO UPDATE SET due=excluded.due'),
      getTimer: db.prepare<[string, string, string], { due: number }>('SELECT due FROM timer WHERE sandbox=? AND ns=? AND id=?'),
      delTimer: db.prepare('DELETE FROM timer WHERE sandbox=? AND ns=? AND id=?'),
      due: db.prepare<[number, number], { sandbox: string; ns: string; id: string; due: number }>('SELECT * FROM timer WHERE due <= ? ORDER BY due LIMIT ?'),
      nextDue: db.prepare<[], { due: number | null }>('SELECT min(due) AS due FROM timer'),
      outbox: db.prepare('INSERT INTO outbox (sandbox, ts, record, id) VALUES (?,?,?,?)'),
      readOutbox: db.prepare<[number, number], { seq: number; sandbox: string; ts: number; record: string; id: string | null }>('SELECT * FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?'),
      // the newest row stays: sequence numbers come from the largest one (an empty table would start over at 1,
      // below the lake's progress, and those events would never be flushed)
      trimOutbox: db.prepare('DELETE FROM outbox WHERE seq <= ? AND seq < (SELECT max(seq) FROM outbox)'),
      firstOutbox: db.prepare<[], { seq: number }>('SELECT seq FROM outbox ORDER BY seq LIMIT 1'),
      getMeta: db.prepare<[string], { v: string }>('SELECT v FROM meta WHERE k = ?'),
      setMeta: db.prepare('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v'),
      addActive: db.prepare('INSERT OR IGNORE INTO active_sandbox (sandbox) VALUES (?)'),
      allActive: db.prepare<[], { sandbox: string }>('SELECT sandbox FROM active_sandbox ORDER BY sandbox'),
    };
  }

  async markOpen(): Promise<boolean> {
    const was = this.s.getMeta.get('open')?.v === '1';
    this.s.setMeta.run('open', '1');
    return was;
  }
  async markClosed(): Promise<void> {
    this.s.setMeta.run('open', '0');
  }
  private readonly active = new Set<string>();
  async rememberSandbox(sandboxId: string): Promise<void> {
    if (this.active.has(sandboxId)) return;
    this.s.addActive.run(sandboxId);
    this.active.add(sandboxId);
  }
  async activeSandboxes(): Promise<string[]> {
    return this.s.allActive.all().map((r) => r.sandbox);
  }

  // IMMEDIATE: the write lock is taken up front, waiting if the checkpointer thread briefly holds it (a deferred
  // transaction that has read cannot wait for it: SQLite answers SQLITE_BUSY at once)
  transaction<T>(fn: () => T): T {
    return (this.db.inTransaction ? this.tx(fn) : this.tx.immediate(fn)) as T;
  }
  /** One transaction function for every call (better-sqlite3 builds a wrapper per `transaction()`: costly per row). */
  private readonly tx: ReturnType<SqliteDb['transaction']>;
  async begin(): Promise<void> {
    this.db.exec('BEGIN IMMEDIATE');
  }
  async commit(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }
  async rollback(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.pidCache.clear();
    this.timerCache.clear();
  }
  prefetch(): undefined {
    return undefined;
  }

  /** Read caches of the evaluation hot path (this store is their only writer; cleared on rollback). */
  private readonly pidCache = new Map<string, MembershipRow[]>();
  private readonly timerCache = new Map<string, number | null>();
  private static bounded<V>(m: Map<string, V>, k: string, v: V): void {
    if (m.size >= 200_000) m.clear();
    m.set(k, v);
  }

  membershipsOfPid(sandboxId: string, pid: string): MembershipRow[] {
    const k = pidKey(sandboxId, pid);
    let rows = this.pidCache.get(k);
    if (!rows) SqliteSegmentStore.bounded(this.pidCache, k, (rows = this.s.mOfPid.all(sandboxId, pid).map(rowToMembership)));
    return rows;
  }
  async membershipsOfPids(sandboxId: string, pids: readonly string[]): Promise<MembershipRow[]> {
    return pids.length === 0 ? [] : this.s.mOfPids.all(sandboxId, JSON.stringify(pids)).map(rowToMembership);
  }
  putMembership(sandboxId: string, m: MembershipRow): void {
    this.s.putM.run(sandboxId, m.segmentId, m.pid, m.ref.namespace, m.ref.id, m.status, m.lastQualificationTime, m.version);
    // write-through: the cached rows of this profile id take the new row (they are replaced, never mutated)
    const k = pidKey(sandboxId, m.pid);
    const rows = this.pidCache.get(k);
    if (rows) this.pidCache.set(k, [...rows.filter((r) => r.segmentId !== m.segmentId), { ...m, ref: { namespace: m.ref.namespace, id: m.ref.id } }]);
  }
  deleteMembership(sandboxId: string, segmentId: string, pid: string): void {
    this.s.delM.run(sandboxId, segmentId, pid);
    const k = pidKey(sandboxId, pid);
    const rows = this.pidCache.get(k);
    if (rows) this.pidCache.set(k, rows.filter((r) => r.segmentId !== segmentId));
  }
  async members(sandboxId: string, segmentId: string): Promise<MembershipRow[]> {
    return this.s.membersOf.all(sandboxId, segmentId).map(rowToMembership);
  }
  async memberships(sandboxId: string, segmentId: string): Promise<MembershipRow[]> {
    return this.s.allOf.all(sandboxId, segmentId).map(rowToMembership);
  }
  async counts(sandboxId: string): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>();
    for (const r of this.s.counts.all(sandboxId)) (out.get(r.segment) ?? out.set(r.segment, {}).get(r.segment)!)[r.status] = r.n;
    return out;
  }
  async dropSegment(sandboxId: string, segmentId: string): Promise<void> {
    this.s.delSegM.run(sandboxId, segmentId);
    this.pidCache.clear();
  }

  setTimer(sandboxId: string, ref: IdentityRef, due: number | undefined): void {
    if (due === undefined) this.s.delTimer.run(sandboxId, ref.namespace, ref.id);
    else this.s.putTimer.run(sandboxId, ref.namespace, ref.id, due);
    SqliteSegmentStore.bounded(this.timerCache, timerKey(sandboxId, ref), due ?? null);
  }
  timerOf(sandboxId: string, ref: IdentityRef): number | undefined {
    const k = timerKey(sandboxId, ref);
    let due = this.timerCache.get(k);
    if (due === undefined) SqliteSegmentStore.bounded(this.timerCache, k, (due = this.s.getTimer.get(sandboxId, ref.namespace, ref.id)?.due ?? null));
    return due ?? undefined;
  }
  async dueTimers(now: number, max = 1000): Promise<DueTimer[]> {
    return this.s.due.all(now, max).map((r) => ({ sandboxId: r.sandbox, ref: { namespace: r.ns, id: r.id }, due: r.due }));
  }
  async nextDue(): Promise<number | undefined> {
    return this.s.nextDue.get()?.due ?? undefined;
  }

  addOutbox(sandboxId: string, ts: number, record: Record<string, unknown> & { _id: string }): void {
    this.s.outbox.run(sandboxId, ts, JSON.stringify(record), record._id);
  }
  async readOutbox(afterSeq: number, max: number): Promise<OutboxRow[]> {
    return this.s.readOutbox.all(afterSeq, max).map((r) => ({ seq: r.seq, sandboxId: r.sandbox, ts: r.ts, record: r.record, id: r.id ?? (JSON.parse(r.record) as { _id: string })._id }));
  }
  async firstOutboxSeq(): Promise<number> {
    return this.s.firstOutbox.get()?.seq ?? 1;
  }
  async trimOutbox(upToSeq: number): Promise<void> {
    this.s.trimOutbox.run(upToSeq);
  }

  exportRows(): AsyncIterable<SegmentRow[]> {
    return exportSegmentRows(this.db);
  }
  async importRows(rows: readonly unknown[]): Promise<void> {
    importSegmentRows(this.db, rows);
    this.pidCache.clear();
    this.timerCache.clear();
    this.active.clear();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
