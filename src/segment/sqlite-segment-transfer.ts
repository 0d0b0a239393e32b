import type { SqliteDb } from '../store/sqlite/open.js';
import { sqliteExport } from '../store/sqlite/sqlite-transfer.js';
import { checkedRows } from '../store/transfer.js';
import { SEGMENT_ROWS, type SegmentRow } from './segment-transfer-rows.js';

/** segment.db's rows in the dump's shape (segment-transfer-rows.ts), from one read snapshot. */
export function exportSegmentRows(db: SqliteDb): AsyncIterable<SegmentRow[]> {
  return sqliteExport(db, [
    { sql: 'SELECT k, v FROM meta ORDER BY k', map: (r: { k: string; v: string }) => ({ t: 'meta', ...r }) },
    { sql: 'SELECT sandbox FROM active_sandbox ORDER BY sandbox', map: (r: { sandbox: string }) => ({ t: 'active', ...r }) },
    {
      sql: 'SELECT * FROM membership ORDER BY sandbox, pid, segment',
      map: (r: { sandbox: string; segment: string; pid: string; ns: string; id: string; status: string; qualified_at: number; version: number }) => ({
        t: 'membership', sandbox: r.sandbox, segment: r.segment, pid: r.pid, namespace: r.ns, id: r.id, status: r.status, qualifiedAt: r.qualified_at, version: r.version,
      }),
    },
    { sql: 'SELECT sandbox, ns, id, due FROM timer ORDER BY sandbox, ns, id', map: (r: { sandbox: string; ns: string; id: string; due: number }) => ({ t: 'timer', sandbox: r.sandbox, namespace: r.ns, id: r.id, due: r.due }) },
    {
      sql: 'SELECT seq, sandbox, ts, record, id FROM outbox ORDER BY seq',
      // rows from before the id column: the event's _id is in its record
      map: (r: { seq: number; sandbox: string; ts: number; record: string; id: string | null }) => ({ t: 'outbox', ...r, id: r.id ?? (JSON.parse(r.record) as { _id: string })._id }),
    },
  ]) as AsyncIterable<SegmentRow[]>;
}

/** Writes dump rows into segment.db in one transaction (rows at the same keys are replaced; outbox numbers kept). */
export function importSegmentRows(db: SqliteDb, rows: readonly unknown[]): void {
  const checked = checkedRows<SegmentRow>('segment', rows, SEGMENT_ROWS);
  if (checked.length === 0) return;
  const m = db.prepare(
    `INSERT INTO membership (sandbox, segment, pid, ns, id, status, qualified_at, version) VALUES (?,?,?,?,?,?,?,?)
     ON CONFLICT (sandbox, pid, segment) DO UPDATE SET ns=excluded.ns, id=excluded.id, status=excluded.status, qualified_at=excluded.qualified_at, version=excluded.version`,
  );
  const timer = db.prepare('INSERT INTO timer (sandbox, ns, id, due) VALUES (?,?,?,?) ON CONFLICT (sandbox, ns, id) DO UPDATE SET due=excluded.due');
  const outbox = db.prepare('INSERT INTO outbox (seq, sandbox, ts, record, id) VALUES (?,?,?,?,?) ON CONFLICT (seq) DO UPDATE SET sandbox=excluded.sandbox, ts=excluded.ts, record=excluded.record, id=excluded.id');
  const meta = db.prepare('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v=excluded.v');
  const active = db.prepare('INSERT OR IGNORE INTO active_sandbox (sandbox) VALUES (?)');
  db.transaction(() => {
    for (const r of checked) {
      if (r.t === 'membership') m.run(r.sandbox, r.segment, r.pid, r.namespace, r.id, r.status, r.qualifiedAt, r.version);
      else if (r.t === 'timer') timer.run(r.sandbox, r.namespace, r.id, r.due);
      else if (r.t === 'outbox') outbox.run(r.seq, r.sandbox, r.ts, r.record, r.id);
      else if (r.t === 'meta') meta.run(r.k, r.v);
      else active.run(r.sandbox);
    }
  }).immediate();
}
