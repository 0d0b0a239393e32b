import type { SqliteDb } from '../../store/sqlite/open.js';
import { sqliteExport } from '../../store/sqlite/sqlite-transfer.js';
import { checkedRows } from '../../store/transfer.js';
import { instanceColumnsOfDoc } from './journey-store-rows.js';
import { JOURNEY_ROWS, type JourneyRow } from './journey-transfer-rows.js';

/** journey.db's rows in the dump's shape (journey-transfer-rows.ts), from one read snapshot. */
export function exportJourneyRows(db: SqliteDb): AsyncIterable<JourneyRow[]> {
  return sqliteExport(db, [
    {
      sql: 'SELECT seq, sandbox, person_key, kind, dedupe_key, payload, at, consumed FROM inbox ORDER BY seq',
      map: (r: { seq: number; sandbox: string; person_key: string; kind: string; dedupe_key: string; payload: string; at: number; consumed: number }) => ({
        t: 'inbox', seq: r.seq, sandbox: r.sandbox, personKey: r.person_key, kind: r.kind, dedupeKey: r.dedupe_key, payload: r.payload, at: r.at, consumed: r.consumed === 1,
      }),
    },
    { sql: 'SELECT doc FROM instance ORDER BY id', map: (r: { doc: string }) => ({ t: 'instance', doc: r.doc }) },
    { sql: 'SELECT seq, event FROM outbox ORDER BY seq', map: (r: { seq: number; event: string }) => ({ t: 'outbox', seq: r.seq, event: r.event }) },
    { sql: 'SELECT name, value FROM cursor ORDER BY name', map: (r: { name: string; value: number }) => ({ t: 'cursor', name: r.name, value: r.value }) },
    { sql: "SELECT name, seq FROM sqlite_sequence WHERE name IN ('inbox', 'outbox') AND seq > 0 ORDER BY name", map: (r: { name: string; seq: number }) => ({ t: 'seq', table: r.name, value: r.seq }) },
  ]) as AsyncIterable<JourneyRow[]>;
}

/** Writes dump rows into journey.db in one transaction (rows at the same keys are replaced; sequence numbers kept). */
export function importJourneyRows(db: SqliteDb, rows: readonly unknown[]): void {
  const checked = checkedRows<JourneyRow>('journey', rows, JOURNEY_ROWS);
  if (checked.length === 0) return;
  const inbox = db.prepare(`INSERT INTO inbox (seq, sandbox, person_key, kind, dedupe_key, payload, at, consumed) VALUES (?,?,?,?,?,?,?,?)
    ON CONFLICT (seq) DO UPDATE SET sandbox = excluded.sandbox, person_key = excluded.person_key, kind = excluded.kind, dedupe_key = excluded.dedupe_key,
      payload = excluded.payload, at = excluded.at, consumed = excluded.consumed`);
  const instance = db.prepare(`INSERT INTO instance (id, sandbox, journey_id, version_id, person_key, status, entered_at, due, doc) VALUES (?,?,?,?,?,?,?,?,?)
    ON CONFLICT (id) DO UPDATE SET sandbox = excluded.sandbox, journey_id = excluded.journey_id, version_id = excluded.version_id, person_key = excluded.person_key,
      status = excluded.status, entered_at = excluded.entered_at, due = excluded.due, doc = excluded.doc`);
  const outbox = db.prepare('INSERT INTO outbox (seq, event) VALUES (?, ?) ON CONFLICT (seq) DO UPDATE SET event = excluded.event');
  const cursor = db.prepare('INSERT INTO cursor (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');
  // explicit sequence numbers move AUTOINCREMENT's mark past them; a mark of the dump moves it further
  const mark = db.prepare('UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?');
  const newMark = db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)');
  db.transaction(() => {
    for (const r of checked) {
      if (r.t === 'inbox') inbox.run(r.seq, r.sandbox, r.personKey, r.kind, r.dedupeKey, r.payload, r.at, r.consumed ? 1 : 0);
      else if (r.t === 'instance') {
        const c = instanceColumnsOfDoc(r.doc);
        instance.run(c.id, c.sandbox, c.journeyId, c.versionId, c.personKey, c.status, c.enteredAt, c.due, c.doc);
      } else if (r.t === 'outbox') outbox.run(r.seq, r.event);
      else if (r.t === 'cursor') cursor.run(r.name, r.value);
      else if (mark.run(r.value, r.table).changes === 0) newMark.run(r.table, r.value);
    }
  }).immediate();
}
