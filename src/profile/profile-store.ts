import type { SqliteDb } from '../store/sqlite/open.js';
import type { Fragment, FragmentAttrs } from './fragment-merge.js';

export interface StoredEvent {
  datasetId: string;
  namespace: string;
  id: string;
  eventId: string;
  ts: number;
  doc: Record<string, unknown>;
}

/** SQLite profile store (`profile.db`): fragments keyed (sandbox, dataset, primary identity) and events per identity. */
export class ProfileStore {
  private readonly s;

  constructor(private readonly db: SqliteDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS fragments (sandbox TEXT, dataset TEXT, ns TEXT, id TEXT, attrs TEXT, last_modified INTEGER, xactions TEXT, PRIMARY KEY (sandbox, ns, id, dataset)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS events (sandbox TEXT, dataset TEXT, event_id TEXT, ns TEXT, id TEXT, ts INTEGER, doc TEXT, PRIMARY KEY (sandbox, dataset, event_id));
      CREATE INDEX IF NOT EXISTS events_by_identity ON events(sandbox, ns, id, ts);`);
    this.s = {
      get: db.prepare<[string, string, string, string], { attrs: string; last_modified: number; xactions: string }>('SELECT attrs, last_modified, xactions FROM fragments WHERE sandbox=? AND ns=? AND id=? AND dataset=?'),
      put: db.prepare('INSERT OR REPLACE INTO fragments VALUES (?,?,?,?,?,?,?)'),
      of: db.prepare<[string, string, string], { dataset: string; attrs: string; last_modified: number; xactions: string }>('SELECT dataset, attrs, last_modified, xactions FROM fragments WHERE sandbox=? AND ns=? AND id=?'),
      addEvent: db.prepare('INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?,?)'),
      count: db.prepare<[string, string, string], { n: number }>('SELECT count(*) AS n FROM events WHERE sandbox=? AND ns=? AND id=?'),
      trim: db.prepare('DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE sandbox=? AND ns=? AND id=? ORDER BY ts LIMIT ?)'),
      events: db.prepare<[string, string, string, number, number], { dataset: string; event_id: string; ns: string; id: string; ts: number; doc: string }>(
        'SELECT * FROM events WHERE sandbox=? AND ns=? AND id=? AND ts>=? AND ts<? ORDER BY ts',
      ),
      hasAny: db.prepare<[string, string, string], { x: number }>('SELECT 1 AS x FROM fragments WHERE sandbox=? AND ns=? AND id=? UNION ALL SELECT 1 FROM events WHERE sandbox=? AND ns=? AND id=? LIMIT 1' as never),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  getFragment(sandbox: string, dataset: string, ns: string, id: string): { attrs: FragmentAttrs; lastModified: number; xactions: string[] } | undefined {
    const r = this.s.get.get(sandbox, ns, id, dataset);
    return r ? { attrs: JSON.parse(r.attrs), lastModified: r.last_modified, xactions: JSON.parse(r.xactions) } : undefined;
  }

  putFragment(sandbox: string, f: Fragment): void {
    this.s.put.run(sandbox, f.datasetId, f.namespace, f.id, JSON.stringify(f.attrs), f.lastModifiedAt, JSON.stringify(f.xactions.slice(-20)));
  }

  fragmentsOf(sandbox: string, identities: Array<{ namespace: string; id: string }>): Fragment[] {
    const out: Fragment[] = [];
    for (const i of identities)
      for (const r of this.s.of.all(sandbox, i.namespace, i.id))
        out.push({ datasetId: r.dataset, namespace: i.namespace, id: i.id, attrs: JSON.parse(r.attrs), lastModifiedAt: r.last_modified, xactions: JSON.parse(r.xactions) });
    return out;
  }

  /** Adds an event (deduplicated by dataset + `_id`) and ages out the oldest beyond `cap` per identity. */
  addEvent(sandbox: string, e: StoredEvent, cap: number): boolean {
    const added = this.s.addEvent.run(sandbox, e.datasetId, e.eventId, e.namespace, e.id, e.ts, JSON.stringify(e.doc)).changes > 0;
    if (added) {
      const n = this.s.count.get(sandbox, e.namespace, e.id)?.n ?? 0;
      if (n > cap) this.s.trim.run(sandbox, e.namespace, e.id, n - cap);
    }
    return added;
  }

  eventsOf(sandbox: string, identities: Array<{ namespace: string; id: string }>, start: number, end: number): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (const i of identities)
      for (const r of this.s.events.all(sandbox, i.namespace, i.id, start, end)) out.push({ datasetId: r.dataset, namespace: r.ns, id: r.id, eventId: r.event_id, ts: r.ts, doc: JSON.parse(r.doc) });
    return out;
  }
}
