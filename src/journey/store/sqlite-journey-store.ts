import { walAutocheckpoint, type SqliteDb } from '../../store/sqlite/open.js';
import type { JourneyInstance } from '../journey-types.js';
import type { InboxItem, InstanceQuery, JourneyStore, JourneyUnit, NewInboxItem, OutboxRow } from './journey-store.js';
import { boundArg, countArg, instanceColumns } from './journey-store-rows.js';
import type { Transferable } from '../../store/transfer.js';
import type { JourneyRow } from './journey-transfer-rows.js';
import { exportJourneyRows, importJourneyRows } from './sqlite-journey-transfer.js';

/**
 * journey.db's tables. Sequence numbers are AUTOINCREMENT: they never go back, even once every row was trimmed (the
 * lake's progress and the engine's inbox position are sequence numbers). Instances are JSON documents plus the
 * columns the reads use: `due` is NULL unless the instance waits and is not ended, so the timer wheel is a range scan
 * of a partial index holding only waiting instances.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, sandbox TEXT NOT NULL, person_key TEXT NOT NULL, kind TEXT NOT NULL,
    dedupe_key TEXT NOT NULL, payload TEXT NOT NULL, at INTEGER NOT NULL, consumed INTEGER NOT NULL DEFAULT 0);
  CREATE UNIQUE INDEX IF NOT EXISTS inbox_dedupe ON inbox (sandbox, dedupe_key);
  CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (seq) WHERE consumed = 0;
  CREATE TABLE IF NOT EXISTS instance (id TEXT PRIMARY KEY, sandbox TEXT NOT NULL, journey_id TEXT NOT NULL, version_id TEXT NOT NULL,
    person_key TEXT NOT NULL, status TEXT NOT NULL, entered_at INTEGER NOT NULL, due INTEGER, doc TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS instance_due ON instance (due, id) WHERE due IS NOT NULL;
  CREATE INDEX IF NOT EXISTS instance_person ON instance (sandbox, person_key, journey_id, entered_at);
  CREATE INDEX IF NOT EXISTS instance_version ON instance (sandbox, version_id, id);
  CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS cursor (name TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;
`;

interface InboxRowData {
  seq: number;
  sandbox: string;
  person_key: string;
  kind: InboxItem['kind'];
  dedupe_key: string;
  payload: string;
  at: number;
}
const toItem = (r: InboxRowData): InboxItem => ({ seq: r.seq, sandboxId: r.sandbox, personKey: r.person_key, kind: r.kind, dedupeKey: r.dedupe_key, payload: r.payload, at: r.at });
const toInstance = (r: { doc: string }): JourneyInstance => JSON.parse(r.doc) as JourneyInstance;

/**
 * JourneyStore over `journey.db` (SQLite, WAL; the processor thread is its only writer). Every write that spans
 * statements is one IMMEDIATE transaction (the write lock up front: the background checkpointer may restart the WAL);
 * statements are prepared once.
 */
export class SqliteJourneyStore implements JourneyStore, Transferable {
  readonly transferName = 'journey';
  private readonly s;
  private readonly commitTx;
  private readonly enqueueTx;

  constructor(private readonly db: SqliteDb) {
    // a unit of thousands of instances touches many pages: the default 1,000-page auto-checkpoint would run on most
    walAutocheckpoint(db, 8192);
    db.exec(SCHEMA);
    this.s = {
      enqueue: db.prepare('INSERT INTO inbox (sandbox, person_key, kind, dedupe_key, payload, at) VALUES (?,?,?,?,?,?) ON CONFLICT (sandbox, dedupe_key) DO NOTHING'),
      readInbox: db.prepare<[number, number], InboxRowData>('SELECT seq, sandbox, person_key, kind, dedupe_key, payload, at FROM inbox WHERE consumed = 0 AND seq > ? ORDER BY seq LIMIT ?'),
      consume: db.prepare('UPDATE inbox SET consumed = 1 WHERE seq = ?'),
      trimInbox: db.prepare('DELETE FROM inbox WHERE consumed = 1 AND at < ?'),
      put: db.prepare(`INSERT INTO instance (id, sandbox, journey_id, version_id, person_key, status, entered_at, due, doc) VALUES (?,?,?,?,?,?,?,?,?)
        ON CONFLICT (id) DO UPDATE SET sandbox = excluded.sandbox, journey_id = excluded.journey_id, version_id = excluded.version_id, person_key = excluded.person_key,
          status = excluded.status, entered_at = excluded.entered_at, due = excluded.due, doc = excluded.doc`),
      // an instance keeps its sandbox, journey, version, person key and entry: a step rewrites only what changes, and
      // leaves the person and version indexes alone (an upsert's SET list rewrites every index it names)
      step: db.prepare(`UPDATE instance SET status = ?, due = ?, doc = ? WHERE id = ? AND sandbox = ? AND journey_id = ? AND version_id = ? AND person_key = ? AND entered_at = ?`),
      insert: db.prepare(`INSERT INTO instance (id, sandbox, journey_id, version_id, person_key, status, entered_at, due, doc) VALUES (?,?,?,?,?,?,?,?,?)
        ON CONFLICT (id) DO NOTHING`),
      get: db.prepare<[string], { doc: string }>('SELECT doc FROM instance WHERE id = ?'),
      ofPeople: db.prepare<[string, string], { doc: string }>('SELECT doc FROM instance WHERE sandbox = ? AND person_key IN (SELECT value FROM json_each(?)) ORDER BY entered_at, id'),
      active: db.prepare<[string, string, string], { doc: string }>(`SELECT doc FROM instance WHERE sandbox = ? AND person_key = ? AND journey_id = ? AND status <> 'ended' ORDER BY entered_at, id LIMIT 1`),
      last: db.prepare<[string, string, string], { doc: string }>('SELECT doc FROM instance WHERE sandbox = ? AND person_key = ? AND journey_id = ? ORDER BY entered_at DESC, id DESC LIMIT 1'),
      // one index search per key, in key order (neighbouring keys share B-tree pages)
      lastOf: db.prepare<[string, string, string], { k: string; doc: string | null }>(`SELECT j.value AS k, (SELECT doc FROM instance WHERE sandbox = ? AND person_key = j.value
        AND journey_id = ? ORDER BY entered_at DESC, id DESC LIMIT 1) AS doc FROM json_each(?) j`),
      ofVersion: db.prepare<[string, string, string, number], { doc: string }>('SELECT doc FROM instance WHERE sandbox = ? AND version_id = ? AND id > ? ORDER BY id LIMIT ?'),
      ofVersionActive: db.prepare<[string, string, string, number], { doc: string }>(`SELECT doc FROM instance WHERE sandbox = ? AND version_id = ? AND id > ? AND status <> 'ended' ORDER BY id LIMIT ?`),
      ofVersionEnded: db.prepare<[string, string, string, number], { doc: string }>(`SELECT doc FROM instance WHERE sandbox = ? AND version_id = ? AND id > ? AND status = 'ended' ORDER BY id LIMIT ?`),
      due: db.prepare<[number, number], { doc: string }>('SELECT doc FROM instance WHERE due IS NOT NULL AND due <= ? ORDER BY due, id LIMIT ?'),
      nextDue: db.prepare<[], { due: number | null }>('SELECT min(due) AS due FROM instance WHERE due IS NOT NULL'),
      append: db.prepare('INSERT INTO outbox (event) VALUES (?)'),
      // a unit's step events 16 rows per statement: ~20 % less per row than one statement each (bench/journey timers)
      append16: db.prepare(`INSERT INTO outbox (event) VALUES ${Array<string>(16).fill('(?)').join(',')}`),
      readOutbox: db.prepare<[number, number], { seq: number; event: string }>('SELECT seq, event FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?'),
      trimOutbox: db.prepare('DELETE FROM outbox WHERE seq <= ?'),
      cursor: db.prepare<[string], { value: number }>('SELECT value FROM cursor WHERE name = ?'),
      setCursor: db.prepare('INSERT INTO cursor (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    };
    // serialising inside the transaction: a document that cannot be written rolls back what the unit wrote before it
    this.commitTx = db.transaction((u: JourneyUnit) => {
      for (const i of u.instances ?? []) {
        const c = instanceColumns(i);
        // an instance not updated since its entry is most likely new (an audience read's members): insert first
        if (i.updatedAt === i.enteredAt && this.s.insert.run(c.id, c.sandbox, c.journeyId, c.versionId, c.personKey, c.status, c.enteredAt, c.due, c.doc).changes === 1) continue;
        if (this.s.step.run(c.status, c.due, c.doc, c.id, c.sandbox, c.journeyId, c.versionId, c.personKey, c.enteredAt).changes === 0)
          this.s.put.run(c.id, c.sandbox, c.journeyId, c.versionId, c.personKey, c.status, c.enteredAt, c.due, c.doc);
      }
      const events = (u.stepEvents ?? []).map((e) => JSON.stringify(e));
      let n = 0;
      for (; n + 16 <= events.length; n += 16) this.s.append16.run(events.slice(n, n + 16));
      for (; n < events.length; n++) this.s.append.run(events[n]);
      for (const seq of u.consumed ?? []) this.s.consume.run(seq);
      for (const [name, value] of Object.entries(u.cursors ?? {})) this.s.setCursor.run(name, value);
    });
    this.enqueueTx = db.transaction((items: readonly NewInboxItem[]) => {
      let n = 0;
      for (const it of items) n += this.s.enqueue.run(it.sandboxId, it.personKey, it.kind, it.dedupeKey, it.payload, it.at).changes;
      return n;
    });
  }

  async enqueue(items: readonly NewInboxItem[]): Promise<number> {
    return items.length === 0 ? 0 : this.enqueueTx.immediate(items);
  }
  async readInbox(afterSeq: number, limit: number): Promise<InboxItem[]> {
    const n = countArg(limit);
    return n === 0 ? [] : this.s.readInbox.all(boundArg(afterSeq), n).map(toItem);
  }
  async trimInbox(before: number): Promise<number> {
    return this.s.trimInbox.run(boundArg(before)).changes;
  }

  async instance(id: string): Promise<JourneyInstance | undefined> {
    const r = this.s.get.get(id);
    return r && toInstance(r);
  }
  async instancesOf(sandboxId: string, personKeys: readonly string[]): Promise<JourneyInstance[]> {
    return personKeys.length === 0 ? [] : this.s.ofPeople.all(sandboxId, JSON.stringify(personKeys)).map(toInstance);
  }
  async activeInstance(sandboxId: string, journeyId: string, personKey: string): Promise<JourneyInstance | undefined> {
    const r = this.s.active.get(sandboxId, personKey, journeyId);
    return r && toInstance(r);
  }
  async lastInstance(sandboxId: string, journeyId: string, personKey: string): Promise<JourneyInstance | undefined> {
    const r = this.s.last.get(sandboxId, personKey, journeyId);
    return r && toInstance(r);
  }
  async lastInstances(sandboxId: string, journeyId: string, personKeys: readonly string[]): Promise<Map<string, JourneyInstance>> {
    const out = new Map<string, JourneyInstance>();
    if (personKeys.length === 0) return out;
    const keys = [...new Set(personKeys)].sort();
    for (const r of this.s.lastOf.all(sandboxId, journeyId, JSON.stringify(keys))) if (r.doc !== null) out.set(r.k, toInstance({ doc: r.doc }));
    return out;
  }
  async instancesOfVersion(sandboxId: string, versionId: string, q: InstanceQuery = {}): Promise<JourneyInstance[]> {
    const n = q.limit === undefined ? Number.MAX_SAFE_INTEGER : countArg(q.limit);
    if (n === 0) return [];
    const st = q.status === 'active' ? this.s.ofVersionActive : q.status === 'ended' ? this.s.ofVersionEnded : this.s.ofVersion;
    return st.all(sandboxId, versionId, q.after ?? '', n).map(toInstance);
  }
  async due(now: number, limit: number): Promise<JourneyInstance[]> {
    const n = countArg(limit);
    return n === 0 ? [] : this.s.due.all(boundArg(now), n).map(toInstance);
  }
  async nextDue(): Promise<number | undefined> {
    return this.s.nextDue.get()?.due ?? undefined;
  }

  async commit(unit: JourneyUnit): Promise<void> {
    this.commitTx.immediate(unit);
  }

  async readOutbox(afterSeq: number, limit: number): Promise<OutboxRow[]> {
    const n = countArg(limit);
    return n === 0 ? [] : this.s.readOutbox.all(boundArg(afterSeq), n).map((r) => ({ seq: r.seq, event: JSON.parse(r.event) as OutboxRow['event'] }));
  }
  async trimOutbox(upTo: number): Promise<void> {
    this.s.trimOutbox.run(boundArg(upTo));
  }
  async cursor(name: string): Promise<number> {
    return this.s.cursor.get(name)?.value ?? 0;
  }

  exportRows(): AsyncIterable<JourneyRow[]> {
    return exportJourneyRows(this.db);
  }
  async importRows(rows: readonly unknown[]): Promise<void> {
    importJourneyRows(this.db, rows);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
