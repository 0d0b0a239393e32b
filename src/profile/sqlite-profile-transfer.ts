import type { SqliteDb } from '../store/sqlite/open.js';
import { sqliteExport } from '../store/sqlite/sqlite-transfer.js';
import { checkedRows } from '../store/transfer.js';
import { PROFILE_ROWS, type ProfileRow } from './profile-transfer-rows.js';

/** profile.db's rows in the dump's shape (profile-transfer-rows.ts), from one read snapshot. */
export function exportProfileRows(db: SqliteDb): AsyncIterable<ProfileRow[]> {
  return sqliteExport(db, [
    {
      sql: 'SELECT sandbox, ns, nsCode, id, dataset, leaves, tags, updated_at FROM profile_fragment ORDER BY sandbox, ns, id, dataset',
      map: (r: { sandbox: string; ns: string; nsCode: string; id: string; dataset: string; leaves: string; tags: string; updated_at: number }) => ({
        t: 'fragment', sandbox: r.sandbox, ns: r.ns, namespace: r.nsCode, id: r.id, dataset: r.dataset, leaves: r.leaves, tags: JSON.parse(r.tags) as string[], updatedAt: r.updated_at,
      }),
    },
    {
      sql: 'SELECT sandbox, ns, ns_code, id, event_id, ts, dataset, batch, body, ingested_at FROM profile_event ORDER BY sandbox, ns, id, ts, event_id',
      map: (r: { sandbox: string; ns: string; ns_code: string; id: string; event_id: string; ts: number; dataset: string; batch: string; body: string; ingested_at: number }) => ({
        t: 'event', sandbox: r.sandbox, ns: r.ns, namespace: r.ns_code, id: r.id, eventId: r.event_id, ts: r.ts, dataset: r.dataset, batch: r.batch, body: r.body, ingestedAt: r.ingested_at,
      }),
    },
    {
      sql: 'SELECT sandbox, ns, id, ca, state FROM profile_ca ORDER BY sandbox, ns, id, ca',
      map: (r: { sandbox: string; ns: string; id: string; ca: string; state: string }) => ({ t: 'ca', ...r }),
    },
  ]) as AsyncIterable<ProfileRow[]>;
}

/**
 * Writes dump rows into profile.db in one transaction (rows at the same keys are replaced), then counts the events
 * of the identities that received some, as the store keeps them (a count row above `heavy` events).
 */
export function importProfileRows(db: SqliteDb, rows: readonly unknown[], heavy: number): void {
  const checked = checkedRows<ProfileRow>('profile', rows, PROFILE_ROWS);
  if (checked.length === 0) return;
  const frag = db.prepare(
    `INSERT INTO profile_fragment (sandbox, dataset, ns, nsCode, id, leaves, tags, updated_at) VALUES (?,?,?,?,?,?,?,?)
     ON CONFLICT (sandbox, ns, id, dataset) DO UPDATE SET nsCode=excluded.nsCode, leaves=excluded.leaves, tags=excluded.tags, updated_at=excluded.updated_at`,
  );
  // OR REPLACE: files from before the time-ordered key have their unique key on (sandbox, ns, id, event_id)
  const ev = db.prepare('INSERT OR REPLACE INTO profile_event (sandbox, ns, ns_code, id, event_id, ts, dataset, batch, body, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?)');
  const ca = db.prepare('INSERT INTO profile_ca (sandbox, ca, ns, id, state) VALUES (?,?,?,?,?) ON CONFLICT (sandbox, ns, id, ca) DO UPDATE SET state=excluded.state');
  const count = db.prepare<[string, string, string], { n: number }>('SELECT count(*) AS n FROM profile_event WHERE sandbox=? AND ns=? AND id=?');
  const putCount = db.prepare('INSERT INTO profile_event_heavy VALUES (?,?,?,?) ON CONFLICT (sandbox, ns, id) DO UPDATE SET n = excluded.n');
  const delCount = db.prepare('DELETE FROM profile_event_heavy WHERE sandbox=? AND ns=? AND id=?');
  db.transaction(() => {
    const counted = new Map<string, [string, string, string]>();
    for (const r of checked) {
      if (r.t === 'fragment') frag.run(r.sandbox, r.dataset, r.ns, r.namespace, r.id, r.leaves, JSON.stringify(r.tags), r.updatedAt);
      else if (r.t === 'event') {
        ev.run(r.sandbox, r.ns, r.namespace, r.id, r.eventId, r.ts, r.dataset, r.batch, r.body, r.ingestedAt);
        counted.set(JSON.stringify([r.sandbox, r.ns, r.id]), [r.sandbox, r.ns, r.id]);
      } else ca.run(r.sandbox, r.ca, r.ns, r.id, r.state);
    }
    for (const [sandbox, ns, id] of counted.values()) {
      const n = count.get(sandbox, ns, id)!.n;
      if (n > heavy) putCount.run(sandbox, ns, id, n);
      else delCount.run(sandbox, ns, id);
    }
  }).immediate();
}
