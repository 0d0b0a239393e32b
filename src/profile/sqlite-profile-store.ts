import { BUSY_TIMEOUT_MS, isBusy, walAutocheckpoint, withoutBusyWait, type SqliteDb } from '../store/sqlite/open.js';
import type { Fragment } from './fragment-merge.js';
import type { IdentityRef } from './identity-resolver.js';
import { nsKey, type CaState, type EventQuery, type FragmentStore, type ProfileWriter, type StoredEvent, type WriteScope } from './fragment-store.js';
import type { Transferable } from '../store/transfer.js';
import type { ProfileRow } from './profile-transfer-rows.js';
import { exportProfileRows, importProfileRows } from './sqlite-profile-transfer.js';

/** A 1 ms pause (Atomics.wait) between attempts to take the write lock. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
/** Graphs up to this size read their fragments with one statement. */
const MAX_MEMBERS_PER_QUERY = 16;
type FragRow = { dataset: string; ns: string; nsCode: string; id: string; leaves: string; tags: string; updated_at: number };
/** Identities holding more events than this keep a count row (see countOf). */
export const HEAVY = 100;

type EventRow = { ns: string; ns_code: string; id: string; event_id: string; ts: number; dataset: string; batch: string; body: string; ingested_at: number };

/**
 * SQLite adapter of the profile store (open the db with `openSqlite(dataDir, 'profile')`). It is its own writer: a
 * unit of work is one IMMEDIATE transaction with `fn` run against the file directly (the scope is not needed).
 */
export class SqliteProfileStore implements FragmentStore, ProfileWriter, Transferable {
  readonly transferName = 'profile';
  private readonly st;
  private readonly txStmts;
  private readonly eventStmts = new Map<string, { all(...args: unknown[]): unknown[] }>();
  constructor(private readonly db: SqliteDb) {
    this.tx = db.transaction((fn: () => unknown) => fn());
    // a 16 MB WAL lets a checkpoint write a page dirtied by several chunks once (bench/profile/event-write.ts)
    walAutocheckpoint(db, 4096);
    const hadHeavy = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'profile_event_heavy'").get() !== undefined;
    db.exec(`
      CREATE TABLE IF NOT EXISTS profile_fragment (
        sandbox TEXT NOT NULL, dataset TEXT NOT NULL, ns TEXT NOT NULL, nsCode TEXT NOT NULL, id TEXT NOT NULL,
        leaves TEXT NOT NULL, tags TEXT NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (sandbox, ns, id, dataset)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS profile_fragment_ds ON profile_fragment (sandbox, dataset);
      -- One index keyed by identity, which also deduplicates: every index keyed by identity dirties a random page per
      -- event (written to the WAL, then again by the checkpoint); a second one, (sandbox, ns, id, event_id), doubled
      -- the cost of storing an event. A redelivered event has the same time (the processor dedupes ExperienceEvents
      -- by _id per dataset before this step; a replayed chunk carries the same timestamps). Files from before keep
      -- their primary key on (sandbox, ns, id, event_id): same statements, same answers.
      CREATE TABLE IF NOT EXISTS profile_event (
        sandbox TEXT NOT NULL, ns TEXT NOT NULL, ns_code TEXT NOT NULL, id TEXT NOT NULL, event_id TEXT NOT NULL,
        ts INTEGER NOT NULL, dataset TEXT NOT NULL, batch TEXT NOT NULL, body TEXT NOT NULL, ingested_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX IF NOT EXISTS profile_event_ts ON profile_event (sandbox, ns, id, ts, event_id);
      CREATE INDEX IF NOT EXISTS profile_event_ds ON profile_event (sandbox, dataset);
      CREATE INDEX IF NOT EXISTS profile_event_batch ON profile_event (sandbox, batch);
      CREATE TABLE IF NOT EXISTS profile_event_heavy (
        sandbox TEXT NOT NULL, ns TEXT NOT NULL, id TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (sandbox, ns, id)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS profile_ca (
        sandbox TEXT NOT NULL, ca TEXT NOT NULL, ns TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL,
        PRIMARY KEY (sandbox, ns, id, ca)) WITHOUT ROWID;
    `);
    // a store from before the table: count once (in one statement, so a second writer never sees it half done)
    if (!hadHeavy)
      db.exec(`INSERT OR IGNORE INTO profile_event_heavy SELECT sandbox, ns, id, count(*) FROM profile_event GROUP BY sandbox, ns, id HAVING count(*) > ${HEAVY}`);
    this.txStmts = { begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK') };
    this.st = {
      getFrag: db.prepare('SELECT * FROM profile_fragment WHERE sandbox=? AND ns=? AND id=? AND dataset=?'),
      putFrag: db.prepare(
        `INSERT INTO profile_fragment VALUES (?,?,?,?,?,?,?,?)
         ON CONFLICT (sandbox, ns, id, dataset) DO UPDATE SET leaves=excluded.leaves, tags=excluded.tags, updated_at=excluded.updated_at`,
      ),
      fragsOf: db.prepare('SELECT * FROM profile_fragment WHERE sandbox=? AND ns=? AND id=?'),
      addEvent: db.prepare('INSERT OR IGNORE INTO profile_event VALUES (?,?,?,?,?,?,?,?,?,?)'),
      // Events per identity. Counting them at every insert cost O(events) (9x per event at the cap); a count row per
      // identity, bumped at every insert, dirtied one more random page per event. So: a bounded count for the many
      // identities holding few events, and a count row only for those holding more than HEAVY.
      countUpTo: db.prepare<[string, string, string], { n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM profile_event WHERE sandbox=? AND ns=? AND id=? LIMIT ${HEAVY + 1})`),
      countAll: db.prepare<[string, string, string], { n: number }>('SELECT count(*) AS n FROM profile_event WHERE sandbox=? AND ns=? AND id=?'),
      heavyGet: db.prepare<[string, string, string], { n: number }>('SELECT n FROM profile_event_heavy WHERE sandbox=? AND ns=? AND id=?'),
      heavyBump: db.prepare<[string, string, string], { n: number }>('UPDATE profile_event_heavy SET n = n + 1 WHERE sandbox=? AND ns=? AND id=? RETURNING n'),
      heavyPut: db.prepare('INSERT INTO profile_event_heavy VALUES (?,?,?,?) ON CONFLICT (sandbox, ns, id) DO UPDATE SET n = excluded.n'),
      heavyDel: db.prepare('DELETE FROM profile_event_heavy WHERE sandbox=? AND ns=? AND id=?'),
      oldest: db.prepare('SELECT rowid AS rid, * FROM profile_event WHERE sandbox=? AND ns=? AND id=? ORDER BY ts, event_id LIMIT ?'),
      delEvent: db.prepare('DELETE FROM profile_event WHERE rowid=?'),
      findEvent: db.prepare('SELECT * FROM profile_event WHERE sandbox=? AND ns=? AND id=? AND event_id=?'),
      allRefs: db.prepare('SELECT DISTINCT ns_code, id FROM profile_event WHERE sandbox=?'),
      allProfileRefs: db.prepare('SELECT nsCode AS ns_code, id FROM profile_fragment WHERE sandbox=? UNION SELECT ns_code, id FROM profile_event WHERE sandbox=?'),
      getCa: db.prepare('SELECT state FROM profile_ca WHERE sandbox=? AND ca=? AND ns=? AND id=?'),
      putCa: db.prepare('INSERT INTO profile_ca VALUES (?,?,?,?,?) ON CONFLICT (sandbox, ns, id, ca) DO UPDATE SET state=excluded.state'),
      delCaAll: db.prepare('DELETE FROM profile_ca WHERE sandbox=?'),
      delCa: db.prepare('DELETE FROM profile_ca WHERE sandbox=? AND ca=?'),
      delIdFrag: db.prepare('DELETE FROM profile_fragment WHERE sandbox=? AND ns=? AND id=?'),
      delIdEv: db.prepare('DELETE FROM profile_event WHERE sandbox=? AND ns=? AND id=?'),
      delIdCa: db.prepare('DELETE FROM profile_ca WHERE sandbox=? AND ns=? AND id=?'),
      dsFragIds: db.prepare('SELECT nsCode AS ns, id FROM profile_fragment WHERE sandbox=? AND dataset=?'),
      dsEvIds: db.prepare('SELECT DISTINCT ns_code AS ns, id FROM profile_event WHERE sandbox=? AND dataset=?'),
      delDsFrag: db.prepare('DELETE FROM profile_fragment WHERE sandbox=? AND dataset=?'),
      delDsEv: db.prepare('DELETE FROM profile_event WHERE sandbox=? AND dataset=?'),
      batchEvIds: db.prepare('SELECT DISTINCT ns_code AS ns, id FROM profile_event WHERE sandbox=? AND batch=?'),
      delBatchEv: db.prepare('DELETE FROM profile_event WHERE sandbox=? AND batch=?'),
      fragsWithTag: db.prepare(`SELECT * FROM profile_fragment WHERE sandbox=? AND tags LIKE ? ESCAPE '\\'`),
      delFrag: db.prepare('DELETE FROM profile_fragment WHERE sandbox=? AND ns=? AND id=? AND dataset=?'),
    };
  }

  private static frag(r: FragRow): Fragment {
    return { datasetId: r.dataset, namespace: r.nsCode, id: r.id, leaves: JSON.parse(r.leaves), tags: JSON.parse(r.tags), updatedAt: r.updated_at };
  }
  private static ev(r: EventRow): StoredEvent {
    return { eventId: r.event_id, namespace: r.ns_code, id: r.id, datasetId: r.dataset, batchId: r.batch, ts: r.ts, event: JSON.parse(r.body), ingestedAt: r.ingested_at };
  }

  getFragment(sandboxId: string, datasetId: string, ref: IdentityRef): Fragment | undefined {
    const r = this.st.getFrag.get(sandboxId, nsKey(ref.namespace), ref.id, datasetId) as FragRow | undefined;
    return r && SqliteProfileStore.frag(r);
  }
  putFragment(sandboxId: string, f: Fragment): void {
    this.st.putFrag.run(sandboxId, f.datasetId, nsKey(f.namespace), f.namespace, f.id, JSON.stringify(f.leaves), JSON.stringify(f.tags), f.updatedAt);
  }
  async fragmentsOf(sandboxId: string, refs: readonly IdentityRef[]): Promise<Fragment[]> {
    const out: Fragment[] = [];
    if (refs.length === 0) return out;
    if (refs.length === 1 || refs.length > MAX_MEMBERS_PER_QUERY) {
      for (const ref of refs) for (const r of this.st.fragsOf.all(sandboxId, nsKey(ref.namespace), ref.id) as FragRow[]) out.push(SqliteProfileStore.frag(r));
      return out;
    }
    // every member's fragments in one statement (one prepared statement per member count), in member order
    let stmt = this.fragsOfMany.get(refs.length);
    if (!stmt) {
      const or = refs.map((_, i) => `SELECT ${i} AS k, dataset, nsCode, id, leaves, tags, updated_at FROM profile_fragment WHERE sandbox=? AND ns=? AND id=?`).join(' UNION ALL ');
      this.fragsOfMany.set(refs.length, (stmt = this.db.prepare(`${or} ORDER BY k, dataset`)));
    }
    const args: unknown[] = [];
    for (const ref of refs) args.push(sandboxId, nsKey(ref.namespace), ref.id);
    for (const r of stmt.all(...args) as FragRow[]) out.push(SqliteProfileStore.frag(r));
    return out;
  }
  private readonly fragsOfMany = new Map<number, { all(...args: unknown[]): unknown[] }>();
  addEvent(sandboxId: string, e: StoredEvent, cap: number, json?: string): { inserted: boolean; count: number; evicted: StoredEvent[] } {
    return this.atomically(() => {
      const ns = nsKey(e.namespace);
      const inserted =
        this.st.addEvent.run(sandboxId, ns, e.namespace, e.id, e.eventId, e.ts, e.datasetId, e.batchId, json ?? JSON.stringify(e.event), e.ingestedAt).changes === 1;
      let count = this.countOf(sandboxId, ns, e.id, inserted);
      const evicted: StoredEvent[] = [];
      if (count > cap) {
        for (const r of this.st.oldest.all(sandboxId, ns, e.id, count - cap) as Array<EventRow & { rid: number }>) {
          this.st.delEvent.run(r.rid);
          evicted.push(SqliteProfileStore.ev(r));
        }
        count = cap;
        this.setCount(sandboxId, ns, e.id, count);
      }
      return { inserted, count, evicted };
    });
  }
  /** Runs `fn` in a transaction, or as part of the caller's (no savepoint per event inside a chunk's transaction). */
  private atomically<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : (this.tx.immediate(fn) as T);
  }
  /** One transaction function for every call (better-sqlite3 builds a wrapper per `transaction()`). */
  private readonly tx: ReturnType<SqliteDb['transaction']>;
  async countEvents(sandboxId: string, refs: readonly IdentityRef[]): Promise<number> {
    let n = 0;
    for (const r of refs) n += this.countOf(sandboxId, nsKey(r.namespace), r.id, false);
    return n;
  }
  async events(sandboxId: string, refs: readonly IdentityRef[], q: EventQuery): Promise<StoredEvent[]> {
    if (refs.length === 0) return [];
    const where: string[] = [`sandbox = ?`, `(${refs.map(() => '(ns = ? AND id = ?)').join(' OR ')})`];
    const args: unknown[] = [sandboxId];
    for (const r of refs) args.push(nsKey(r.namespace), r.id);
    if (q.startTime !== undefined) (where.push('ts >= ?'), args.push(q.startTime));
    if (q.endTime !== undefined) (where.push('ts < ?'), args.push(q.endTime));
    if (q.from) {
      where.push(q.order === 'asc' ? '(ts > ? OR (ts = ? AND event_id >= ?))' : '(ts < ? OR (ts = ? AND event_id <= ?))');
      args.push(q.from.ts, q.from.ts, q.from.eventId);
    }
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    args.push(q.limit);
    const sql = `SELECT * FROM profile_event WHERE ${where.join(' AND ')} ORDER BY ts ${dir}, event_id ${dir} LIMIT ?`;
    let stmt = this.eventStmts.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql) as unknown as { all(...args: unknown[]): unknown[] };
      if (this.eventStmts.size < 256) this.eventStmts.set(sql, stmt); // a few shapes: members count x filters x order
    }
    const rows = stmt.all(...args) as EventRow[];
    return rows.map(SqliteProfileStore.ev);
  }
  async findEvent(sandboxId: string, refs: readonly IdentityRef[], eventId: string): Promise<StoredEvent | undefined> {
    for (const r of refs) {
      const row = this.st.findEvent.get(sandboxId, nsKey(r.namespace), r.id, eventId) as EventRow | undefined;
      if (row) return SqliteProfileStore.ev(row);
    }
    return undefined;
  }
  async allEventRefs(sandboxId: string): Promise<IdentityRef[]> {
    return (this.st.allRefs.all(sandboxId) as Array<{ ns_code: string; id: string }>).map((r) => ({ namespace: r.ns_code, id: r.id }));
  }
  async allRefs(sandboxId: string): Promise<IdentityRef[]> {
    // namespace codes may differ in case between rows of one identity: one entry per (lower-cased namespace, id)
    const seen = new Map<string, IdentityRef>();
    for (const r of this.st.allProfileRefs.all(sandboxId, sandboxId) as Array<{ ns_code: string; id: string }>) {
      const k = `${nsKey(r.ns_code)}\u0000${r.id}`;
      if (!seen.has(k)) seen.set(k, { namespace: r.ns_code, id: r.id });
    }
    return [...seen.values()];
  }
  getCa(sandboxId: string, caId: string, ref: IdentityRef): CaState | undefined {
    const r = this.st.getCa.get(sandboxId, caId, nsKey(ref.namespace), ref.id) as { state: string } | undefined;
    return r && JSON.parse(r.state);
  }
  putCa(sandboxId: string, caId: string, ref: IdentityRef, s: CaState): void {
    this.st.putCa.run(sandboxId, caId, nsKey(ref.namespace), ref.id, JSON.stringify(s));
  }
  async deleteCa(sandboxId: string, caId?: string): Promise<void> {
    if (caId === undefined) this.st.delCaAll.run(sandboxId);
    else this.st.delCa.run(sandboxId, caId);
  }
  async caStates(sandboxId: string, caId: string, refs: readonly IdentityRef[]): Promise<CaState[]> {
    const out: CaState[] = [];
    for (const ref of refs) {
      const s = this.getCa(sandboxId, caId, ref);
      if (s !== undefined) out.push(s);
    }
    return out;
  }
  async deleteIdentities(sandboxId: string, refs: readonly IdentityRef[]): Promise<number> {
    return this.transaction(() => {
      let n = 0;
      for (const ref of refs) {
        const ns = nsKey(ref.namespace);
        this.st.heavyDel.run(sandboxId, ns, ref.id);
        n += this.st.delIdFrag.run(sandboxId, ns, ref.id).changes + this.st.delIdEv.run(sandboxId, ns, ref.id).changes + this.st.delIdCa.run(sandboxId, ns, ref.id).changes;
      }
      return n;
    });
  }
  async deleteByDataset(sandboxId: string, datasetId: string): Promise<{ removed: number; identities: IdentityRef[] }> {
    return this.transaction(() => {
      const ids = dedupe([...(this.st.dsFragIds.all(sandboxId, datasetId) as Row[]), ...(this.st.dsEvIds.all(sandboxId, datasetId) as Row[])]);
      const removed = this.st.delDsFrag.run(sandboxId, datasetId).changes + this.st.delDsEv.run(sandboxId, datasetId).changes;
      this.recount(sandboxId, ids);
      return { removed, identities: ids };
    });
  }
  async deleteByBatch(sandboxId: string, batchId: string): Promise<{ removed: number; identities: IdentityRef[] }> {
    return this.transaction(() => {
      const rows: Row[] = [...(this.st.batchEvIds.all(sandboxId, batchId) as Row[])];
      let removed = this.st.delBatchEv.run(sandboxId, batchId).changes;
      const like = '%' + JSON.stringify(batchId).replace(/[\\%_]/g, (c) => '\\' + c) + '%';
      for (const r of this.st.fragsWithTag.all(sandboxId, like) as FragRow[]) {
        const f = SqliteProfileStore.frag(r);
        if (!f.tags.includes(batchId)) continue;
        rows.push({ ns: f.namespace, id: f.id });
        removed++;
        // Leaves do not record their batch; a fragment written by several batches keeps its leaves but loses the tag.
        // A fragment written only by this batch is removed.
        const tags = f.tags.filter((t) => t !== batchId);
        if (tags.length === 0) this.st.delFrag.run(sandboxId, r.ns, r.id, r.dataset);
        else this.putFragment(sandboxId, { ...f, tags });
      }
      const identities = dedupe(rows);
      this.recount(sandboxId, identities);
      return { removed, identities };
    });
  }
  /**
   * The identity's event count. Invariant: a profile_event_heavy row exists exactly for identities holding more than
   * HEAVY events, with their count (`added`: an event was just inserted, the row, if any, is behind by one).
   */
  private countOf(sandboxId: string, ns: string, id: string, added: boolean): number {
    const few = this.st.countUpTo.get(sandboxId, ns, id)!.n;
    if (few <= HEAVY) return few;
    const row = added ? this.st.heavyBump.get(sandboxId, ns, id) : this.st.heavyGet.get(sandboxId, ns, id);
    if (row) return row.n;
    const n = this.st.countAll.get(sandboxId, ns, id)!.n; // just became heavy (or a row went missing): count once
    this.st.heavyPut.run(sandboxId, ns, id, n);
    return n;
  }
  private setCount(sandboxId: string, ns: string, id: string, n: number): void {
    if (n > HEAVY) this.st.heavyPut.run(sandboxId, ns, id, n);
    else this.st.heavyDel.run(sandboxId, ns, id);
  }
  /** Counts the events of identities again after a bulk delete (rare: deleting a dataset or a batch). */
  private recount(sandboxId: string, refs: readonly IdentityRef[]): void {
    for (const r of refs) {
      const ns = nsKey(r.namespace);
      this.setCount(sandboxId, ns, r.id, this.st.countAll.get(sandboxId, ns, r.id)!.n);
    }
  }
  /**
   * Runs `fn` in one IMMEDIATE transaction. Two threads write this file (the processor, segmentation): the write
   * lock is taken up front (a deferred transaction could fail to upgrade) and, while the other holds it, retried
   * every millisecond for up to 5 s (SQLite's own busy handler sleeps 10-100 ms at a time once it has waited a
   * little, which showed as latency). Only BEGIN is retried, never `fn`.
   */
  async write<T>(_scope: WriteScope, fn: (w: ProfileWriter) => T): Promise<T> {
    return this.transaction(() => fn(this));
  }
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.tx.immediate(fn) as T;
    this.lockWrite();
    try {
      const out = fn();
      this.txStmts.commit.run();
      return out;
    } catch (e) {
      if (this.db.inTransaction) this.txStmts.rollback.run();
      throw e;
    }
  }

  private lockWrite(): void {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    withoutBusyWait(this.db, () => {
      for (;;) {
        try {
          this.txStmts.begin.run();
          return;
        } catch (e) {
          if (!isBusy(e) || Date.now() > deadline) throw e;
          Atomics.wait(PAUSE, 0, 0, 1);
        }
      }
    });
  }
  exportRows(): AsyncIterable<ProfileRow[]> {
    return exportProfileRows(this.db);
  }
  async importRows(rows: readonly unknown[]): Promise<void> {
    importProfileRows(this.db, rows, HEAVY);
  }
  async close(): Promise<void> {
    this.db.close();
  }
}

type Row = { ns: string; id: string };
function dedupe(rows: Row[]): IdentityRef[] {
  const m = new Map<string, IdentityRef>();
  for (const r of rows) m.set(nsKey(r.ns) + '\u0000' + r.id, { namespace: r.ns, id: r.id });
  return [...m.values()];
}
