import type pg from 'pg';
import { fromPgText, toPgText } from '../store/postgres/pg-text.js';
import { columns, pgExport, pgTransaction } from '../store/postgres/pg-transfer.js';
import { checkedRows, rowsOfKind } from '../store/transfer.js';
import type { EventRow, FragRow } from './pg-profile-writer.js';
import { PROFILE_ROWS, type ProfileRow, type ProfileRowOf } from './profile-transfer-rows.js';

/** The profile store's tables (PgProfileStore). */
export interface ProfileTables {
  frag: string;
  ev: string;
  ca: string;
}

/** The tables' rows in the dump's shape (profile-transfer-rows.ts), from one snapshot. */
export function exportProfileRows(pool: pg.Pool, t: ProfileTables): AsyncIterable<ProfileRow[]> {
  return pgExport(pool, [
    {
      sql: `SELECT sandbox, ns, ns_code, id, dataset, leaves, tags, updated_at FROM ${t.frag} ORDER BY sandbox, ns, id, dataset`,
      map: (r: FragRow) => ({
        t: 'fragment', sandbox: fromPgText(r.sandbox), ns: fromPgText(r.ns), namespace: fromPgText(r.ns_code), id: fromPgText(r.id), dataset: fromPgText(r.dataset),
        leaves: r.leaves, tags: r.tags.map(fromPgText), updatedAt: r.updated_at,
      }),
    },
    {
      sql: `SELECT sandbox, ns, ns_code, id, event_id, ts, dataset, batch, body, ingested_at FROM ${t.ev} ORDER BY sandbox, ns, id, ts, event_id`,
      map: (r: EventRow) => ({
        t: 'event', sandbox: fromPgText(r.sandbox), ns: fromPgText(r.ns), namespace: fromPgText(r.ns_code), id: fromPgText(r.id), eventId: fromPgText(r.event_id),
        ts: r.ts, dataset: fromPgText(r.dataset), batch: fromPgText(r.batch), body: fromPgText(r.body), ingestedAt: r.ingested_at,
      }),
    },
    {
      sql: `SELECT sandbox, ns, id, ca, state FROM ${t.ca} ORDER BY sandbox, ns, id, ca`,
      map: (r: { sandbox: string; ns: string; id: string; ca: string; state: string }) => ({ t: 'ca', sandbox: fromPgText(r.sandbox), ns: fromPgText(r.ns), id: fromPgText(r.id), ca: fromPgText(r.ca), state: fromPgText(r.state) }),
    },
  ]) as AsyncIterable<ProfileRow[]>;
}

/** Writes dump rows in one transaction, one multi-row statement per table (rows at the same keys are replaced). */
export async function importProfileRows(pool: pg.Pool, t: ProfileTables, rows: readonly unknown[]): Promise<void> {
  const checked = checkedRows<ProfileRow>('profile', rows, PROFILE_ROWS);
  if (checked.length === 0) return;
  const frags = rowsOfKind(checked, 'fragment') as Array<ProfileRowOf<'fragment'>>;
  const events = rowsOfKind(checked, 'event') as Array<ProfileRowOf<'event'>>;
  const cas = rowsOfKind(checked, 'ca') as Array<ProfileRowOf<'ca'>>;
  const pgt = toPgText;
  await pgTransaction(pool, async (c) => {
    if (frags.length > 0)
      await c.query(
        `INSERT INTO ${t.frag} (sandbox, ns, ns_code, id, dataset, leaves, tags, updated_at)
         SELECT s, n, nc, i, d, l, ARRAY(SELECT json_array_elements_text(tg::json)), u
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[]) AS x(s, n, nc, i, d, l, tg, u)
         ON CONFLICT (sandbox, ns, id, dataset) DO UPDATE SET ns_code = excluded.ns_code, leaves = excluded.leaves, tags = excluded.tags, updated_at = excluded.updated_at`,
        columns(frags, [(r) => pgt(r.sandbox), (r) => pgt(r.ns), (r) => pgt(r.namespace), (r) => pgt(r.id), (r) => pgt(r.dataset), (r) => r.leaves, (r) => JSON.stringify(r.tags.map(pgt)), (r) => r.updatedAt]),
      );
    if (events.length > 0)
      await c.query(
        `INSERT INTO ${t.ev} (sandbox, ns, ns_code, id, event_id, ts, dataset, batch, body, ingested_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::float8[])
         ON CONFLICT (sandbox, ns, id, ts, event_id) DO UPDATE SET ns_code = excluded.ns_code, dataset = excluded.dataset, batch = excluded.batch, body = excluded.body, ingested_at = excluded.ingested_at`,
        columns(events, [
          (r) => pgt(r.sandbox), (r) => pgt(r.ns), (r) => pgt(r.namespace), (r) => pgt(r.id), (r) => pgt(r.eventId), (r) => r.ts,
          (r) => pgt(r.dataset), (r) => pgt(r.batch), (r) => pgt(r.body), (r) => r.ingestedAt,
        ]),
      );
    if (cas.length > 0)
      await c.query(
        `INSERT INTO ${t.ca} (sandbox, ns, id, ca, state) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT (sandbox, ns, id, ca) DO UPDATE SET state = excluded.state`,
        columns(cas, [(r) => pgt(r.sandbox), (r) => pgt(r.ns), (r) => pgt(r.id), (r) => pgt(r.ca), (r) => r.state]),
      );
  });
}
