import type pg from 'pg';
import { fromPgText, toPgText } from '../store/postgres/pg-text.js';
import { bumpSerial, columns, pgExport, pgTransaction } from '../store/postgres/pg-transfer.js';
import { checkedRows, rowsOfKind } from '../store/transfer.js';
import type { segmentTables } from './pg-segment-store.js';
import { SEGMENT_ROWS, type SegmentRow, type SegmentRowOf } from './segment-transfer-rows.js';

type Tables = ReturnType<typeof segmentTables>;

/** The tables' rows in the dump's shape (segment-transfer-rows.ts), from one snapshot. */
export function exportSegmentRows(pool: pg.Pool, t: Tables): AsyncIterable<SegmentRow[]> {
  return pgExport(pool, [
    { sql: `SELECT k, v FROM ${t.meta} ORDER BY k COLLATE "C"`, map: (r: { k: string; v: string }) => ({ t: 'meta', ...r }) },
    { sql: `SELECT sandbox FROM ${t.active} ORDER BY sandbox COLLATE "C"`, map: (r: { sandbox: string }) => ({ t: 'active', sandbox: fromPgText(r.sandbox) }) },
    {
      sql: `SELECT * FROM ${t.m} ORDER BY sandbox, pid, segment`,
      map: (r: { sandbox: string; segment: string; pid: string; ns: string; id: string; status: string; qualified_at: string; version: number }) => ({
        t: 'membership', sandbox: fromPgText(r.sandbox), segment: fromPgText(r.segment), pid: fromPgText(r.pid), namespace: fromPgText(r.ns), id: fromPgText(r.id),
        status: r.status, qualifiedAt: Number(r.qualified_at), version: r.version,
      }),
    },
    {
      sql: `SELECT sandbox, ns, id, due FROM ${t.t} ORDER BY sandbox, ns, id`,
      map: (r: { sandbox: string; ns: string; id: string; due: string }) => ({ t: 'timer', sandbox: fromPgText(r.sandbox), namespace: fromPgText(r.ns), id: fromPgText(r.id), due: Number(r.due) }),
    },
    {
      sql: `SELECT seq, sandbox, ts, record, id FROM ${t.o} ORDER BY seq`,
      map: (r: { seq: string; sandbox: string; ts: string; record: string; id: string }) => ({ t: 'outbox', seq: Number(r.seq), sandbox: fromPgText(r.sandbox), ts: Number(r.ts), record: r.record, id: fromPgText(r.id) }),
    },
  ]) as AsyncIterable<SegmentRow[]>;
}

/**
 * Writes dump rows in one transaction, one multi-row statement per table (rows at the same keys are replaced); the
 * outbox keeps its numbers and its identity sequence moves past them.
 */
export async function importSegmentRows(pool: pg.Pool, t: Tables, rows: readonly unknown[]): Promise<void> {
  const checked = checkedRows<SegmentRow>('segment', rows, SEGMENT_ROWS);
  if (checked.length === 0) return;
  const ms = rowsOfKind(checked, 'membership') as Array<SegmentRowOf<'membership'>>;
  const timers = rowsOfKind(checked, 'timer') as Array<SegmentRowOf<'timer'>>;
  const outbox = rowsOfKind(checked, 'outbox') as Array<SegmentRowOf<'outbox'>>;
  const meta = rowsOfKind(checked, 'meta') as Array<SegmentRowOf<'meta'>>;
  const active = rowsOfKind(checked, 'active') as Array<SegmentRowOf<'active'>>;
  const pgt = toPgText;
  await pgTransaction(pool, async (c) => {
    if (ms.length > 0)
      await c.query(
        `INSERT INTO ${t.m} (sandbox, segment, pid, ns, id, status, qualified_at, version)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::int[])
         ON CONFLICT (sandbox, pid, segment) DO UPDATE SET ns = excluded.ns, id = excluded.id, status = excluded.status, qualified_at = excluded.qualified_at, version = excluded.version`,
        columns(ms, [(r) => pgt(r.sandbox), (r) => pgt(r.segment), (r) => pgt(r.pid), (r) => pgt(r.namespace), (r) => pgt(r.id), (r) => r.status, (r) => r.qualifiedAt, (r) => r.version]),
      );
    if (timers.length > 0)
      await c.query(
        `INSERT INTO ${t.t} (sandbox, ns, id, due) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) ON CONFLICT (sandbox, ns, id) DO UPDATE SET due = excluded.due`,
        columns(timers, [(r) => pgt(r.sandbox), (r) => pgt(r.namespace), (r) => pgt(r.id), (r) => r.due]),
      );
    if (outbox.length > 0) {
      await c.query(
        `INSERT INTO ${t.o} (seq, sandbox, ts, record, id) OVERRIDING SYSTEM VALUE SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[])
         ON CONFLICT (seq) DO UPDATE SET sandbox = excluded.sandbox, ts = excluded.ts, record = excluded.record, id = excluded.id`,
        columns(outbox, [(r) => r.seq, (r) => pgt(r.sandbox), (r) => r.ts, (r) => r.record, (r) => pgt(r.id)]),
      );
      await bumpSerial(c, t.o, 'seq');
    }
    if (meta.length > 0)
      await c.query(`INSERT INTO ${t.meta} (k, v) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, columns(meta, [(r) => r.k, (r) => r.v]));
    if (active.length > 0)
      await c.query(`INSERT INTO ${t.active} (sandbox) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [active.map((r) => pgt(r.sandbox))]);
  });
}
