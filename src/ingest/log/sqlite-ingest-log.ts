import { entryRow, extrasOf, INGEST_LOG_ROWS, splitLogRows, withExtras, type EntryExtras, type IngestLog, type IngestLogRow, type LogEntry, type LogEntryInput } from './ingest-log.js';
import { isBusy, withoutBusyWait, type SqliteDb } from '../../store/sqlite/open.js';
import { sqliteExport } from '../../store/sqlite/sqlite-transfer.js';
import { checkedRows, type Transferable } from '../../store/transfer.js';

/** How soon a marker the write lock kept out is tried again. */
const MARK_RETRY_MS = 5;

interface Pending {
  entries: LogEntryInput[];
  resolve: (offsets: number[]) => void;
  reject: (e: unknown) => void;
}

/**
 * SQLite ingest log with group commit: appends issued in the same tick share one transaction (one fsync with
 * synchronous=FULL), then all resolve. That is how single-message requests reach thousands per second durably.
 */
export class SqliteIngestLog implements IngestLog, Transferable {
  readonly transferName = 'ingest-log';
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private last = 0;
  private readonly stmts;

  constructor(private readonly db: SqliteDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS log (
        offset INTEGER PRIMARY KEY, sandbox_id TEXT NOT NULL, org_id TEXT NOT NULL, kind TEXT NOT NULL,
        received_at INTEGER NOT NULL, payload TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS consumers (name TEXT PRIMARY KEY, offset INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS log_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);`);
    // additive migration: optional columns of an entry (older files lack them)
    const cols = new Set(db.prepare<[], { name: string }>('SELECT name FROM pragma_table_info(\'log\')').all().map((c) => c.name));
    for (const c of ['inlet_id', 'dataset_id', 'key', 'request_id', 'meta']) if (!cols.has(c)) db.exec(`ALTER TABLE log ADD COLUMN ${c} TEXT`);
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO log(offset,sandbox_id,org_id,kind,received_at,payload,inlet_id,dataset_id,key,request_id,meta) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
      ),
      read: db.prepare<[number, number], { offset: number; sandbox_id: string; org_id: string; kind: string; received_at: number; payload: string } & EntryExtras>(
        'SELECT * FROM log WHERE offset > ? ORDER BY offset LIMIT ?',
      ),
      commit: db.prepare('INSERT INTO consumers(name, offset) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET offset = excluded.offset'),
      committed: db.prepare<[string], { offset: number }>('SELECT offset FROM consumers WHERE name = ?'),
      maxOffset: db.prepare<[], { m: number | null }>('SELECT max(offset) AS m FROM log'),
      getMeta: db.prepare<[string], { v: number }>('SELECT v FROM log_meta WHERE k = ?'),
      setMeta: db.prepare('INSERT INTO log_meta(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v'),
      truncate: db.prepare('DELETE FROM log WHERE offset <= ?'),
      restore: db.prepare(
        'INSERT OR IGNORE INTO log(offset,sandbox_id,org_id,kind,received_at,payload,inlet_id,dataset_id,key,request_id,meta) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
      ),
    };
    this.markTx = db.transaction(() => {
      for (const [consumer, offset] of this.pendingMarks) this.stmts.commit.run(consumer, offset);
    });
    // offsets never go back, even after truncation
    this.last = Math.max(this.stmts.maxOffset.get()?.m ?? 0, this.stmts.getMeta.get('head')?.v ?? 0);
  }

  private flush = (): void => {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const results: number[][] = [];
    try {
      this.db.transaction(() => {
        for (const p of batch) {
          const offs: number[] = [];
          for (const e of p.entries) {
            const o = ++this.last;
            const x = extrasOf(e);
            this.stmts.insert.run(o, e.sandboxId, e.orgId, e.kind, e.receivedAt, e.payload, x.inlet_id, x.dataset_id, x.key, x.request_id, x.meta);
            offs.push(o);
          }
          results.push(offs);
        }
        this.stmts.setMeta.run('head', this.last);
      })();
    } catch (e) {
      this.last = Math.max(this.stmts.maxOffset.get()?.m ?? 0, this.stmts.getMeta.get('head')?.v ?? 0);
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  };

  append(entries: LogEntryInput[]): Promise<number[]> {
    if (this.closed) return Promise.reject(new Error('ingest log is closed'));
    if (entries.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Entries waiting for the next group commit (for back-pressure). */
  queued(): number {
    let n = 0;
    for (const p of this.queue) n += p.entries.length;
    return n;
  }

  async read(afterOffset: number, max: number): Promise<LogEntry[]> {
    return this.stmts.read.all(afterOffset, max).map((r) =>
      withExtras<LogEntry>({ offset: r.offset, sandboxId: r.sandbox_id, orgId: r.org_id, kind: r.kind, receivedAt: r.received_at, payload: r.payload }, r),
    );
  }

  /**
   * Stores a consumer's marker without waiting for the write lock. The API thread holds that lock through each group
   * commit's fsync (a few ms, tens under load), and a consumer (the processor thread) blocked on it stops processing
   * meanwhile. So a marker the lock keeps out stays pending here (`committed` answers it at once) and is stored by a
   * retry a few ms later, or at `close`. A marker is a resume point: one lost in a crash only replays entries, which
   * every consumer of the log must take idempotently anyway.
   */
  async commit(consumer: string, offset: number): Promise<void> {
    this.pendingMarks.set(consumer, offset);
    this.storeMarks(false);
  }

  async committed(consumer: string): Promise<number> {
    return this.pendingMarks.get(consumer) ?? this.stmts.committed.get(consumer)?.offset ?? 0;
  }

  /** Consumer markers the write lock kept out so far (see commit). */
  private readonly pendingMarks = new Map<string, number>();
  private markRetry: NodeJS.Timeout | undefined;

  /**
   * Stores the pending markers in one transaction. `wait` (close): for the lock, like any write. Otherwise a lock held
   * elsewhere schedules a retry; the retry runs in a timer, where an error would be uncaught (it would end the thread):
   * a failed retry leaves the markers pending for the next commit or close, which report it to their caller.
   */
  private storeMarks(wait: boolean): void {
    if (this.markRetry) clearTimeout(this.markRetry);
    this.markRetry = undefined;
    if (this.pendingMarks.size === 0) return;
    try {
      if (wait) this.markTx.immediate();
      else withoutBusyWait(this.db, () => this.markTx.immediate());
      this.pendingMarks.clear();
    } catch (e) {
      if (wait || !isBusy(e)) throw e;
      this.markRetry = setTimeout(() => {
        try {
          this.storeMarks(false);
        } catch {
          // left pending: the next commit or close tries again and reports the error
        }
      }, MARK_RETRY_MS);
      this.markRetry.unref();
    }
  }
  private readonly markTx: ReturnType<SqliteDb['transaction']>;

  async head(): Promise<number> {
    return this.last;
  }

  async backlog(consumer: string): Promise<number> {
    return Math.max(0, this.last - (await this.committed(consumer)));
  }

  async truncateBefore(offset: number): Promise<void> {
    this.stmts.truncate.run(offset);
  }

  async *exportRows(): AsyncIterable<IngestLogRow[]> {
    this.flush();
    this.storeMarks(true);
    const last = this.last;
    yield* sqliteExport(this.db, [
      { sql: 'SELECT name, offset FROM consumers ORDER BY name', map: (r: { name: string; offset: number }) => ({ t: 'consumer', name: r.name, offset: r.offset }) },
      { sql: 'SELECT * FROM log ORDER BY offset', map: (r: { offset: number; sandbox_id: string; org_id: string; kind: string; received_at: number; payload: string } & EntryExtras) =>
        entryRow(withExtras<LogEntry>({ offset: r.offset, sandboxId: r.sandbox_id, orgId: r.org_id, kind: r.kind, receivedAt: r.received_at, payload: r.payload }, r)) },
    ]) as AsyncIterable<IngestLogRow[]>;
    if (last > 0) yield [{ t: 'head', offset: last }];
  }

  /** Entries keep their offsets (an entry already there stays as it is); markers are set; the head only moves up. */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const { entries, consumers, head } = splitLogRows(checkedRows<IngestLogRow>(this.transferName, rows, INGEST_LOG_ROWS));
    this.flush();
    this.db.transaction(() => {
      for (const e of entries) {
        const x = extrasOf(e);
        this.stmts.restore.run(e.offset, e.sandboxId, e.orgId, e.kind, e.receivedAt, e.payload, x.inlet_id, x.dataset_id, x.key, x.request_id, x.meta);
      }
      for (const c of consumers) {
        this.stmts.commit.run(c.name, c.offset);
        this.pendingMarks.delete(c.name);
      }
      if (head > this.last) this.stmts.setMeta.run('head', head);
    }).immediate();
    this.last = Math.max(this.last, head);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.storeMarks(true);
    this.closed = true;
  }
}
