import type pg from 'pg';
import { fromPgText, toPgBigint, toPgText } from '../../store/postgres/pg-text.js';
import { columns, pgExport, pgTransaction } from '../../store/postgres/pg-transfer.js';
import { checkedRows, rowsOfKind } from '../../store/transfer.js';
import type { journeyTables } from './pg-journey-store.js';
import { instanceColumnsOfDoc } from './journey-store-rows.js';
import { JOURNEY_ROWS, type JourneyRow, type JourneyRowOf } from './journey-transfer-rows.js';

type Tables = ReturnType<typeof journeyTables>;

/** The last number an identity handed out (NULL before the first). */
const lastSeq = (table: string) => `pg_sequence_last_value(pg_get_serial_sequence('${table}', 'seq')::regclass)`;

/** The tables' rows in the dump's shape (journey-transfer-rows.ts), from one snapshot. */
export function exportJourneyRows(pool: pg.Pool, t: Tables): AsyncIterable<JourneyRow[]> {
  return pgExport(pool, [
    {
      sql: `SELECT seq, sandbox, person_key, kind, dedupe_key, payload, at, consumed FROM ${t.inbox} ORDER BY seq`,
      map: (r: { seq: string; sandbox: string; person_key: string; kind: string; dedupe_key: string; payload: string; at: string; consumed: boolean }) => ({
        t: 'inbox', seq: Number(r.seq), sandbox: fromPgText(r.sandbox), personKey: fromPgText(r.person_key), kind: r.kind, dedupeKey: fromPgText(r.dedupe_key),
        payload: fromPgText(r.payload), at: Number(r.at), consumed: r.consumed,
      }),
    },
    { sql: `SELECT doc FROM ${t.inst} ORDER BY id`, map: (r: { doc: string }) => ({ t: 'instance', doc: r.doc }) },
    { sql: `SELECT seq, event FROM ${t.outbox} ORDER BY seq`, map: (r: { seq: string; event: string }) => ({ t: 'outbox', seq: Number(r.seq), event: r.event }) },
    { sql: `SELECT name, value FROM ${t.cursor} ORDER BY name`, map: (r: { name: string; value: number }) => ({ t: 'cursor', name: fromPgText(r.name), value: r.value }) },
    {
      sql: `SELECT tbl, v FROM (VALUES ('inbox', ${lastSeq(t.inbox)}), ('outbox', ${lastSeq(t.outbox)})) AS x(tbl, v) WHERE v > 0 ORDER BY tbl`,
      map: (r: { tbl: string; v: string }) => ({ t: 'seq', table: r.tbl, value: Number(r.v) }),
    },
  ]) as AsyncIterable<JourneyRow[]>;
}

/**
 * Writes dump rows in one transaction, one multi-row statement per table (rows at the same keys are replaced); the
 * inbox and the outbox keep their numbers, and their identities move past them and past the dump's marks.
 */
export async function importJourneyRows(pool: pg.Pool, t: Tables, rows: readonly unknown[]): Promise<void> {
  const checked = checkedRows<JourneyRow>('journey', rows, JOURNEY_ROWS);
  if (checked.length === 0) return;
  const inbox = rowsOfKind(checked, 'inbox') as Array<JourneyRowOf<'inbox'>>;
  const instances = (rowsOfKind(checked, 'instance') as Array<JourneyRowOf<'instance'>>).map((r) => instanceColumnsOfDoc(r.doc));
  const outbox = rowsOfKind(checked, 'outbox') as Array<JourneyRowOf<'outbox'>>;
  const cursors = rowsOfKind(checked, 'cursor') as Array<JourneyRowOf<'cursor'>>;
  const marks = rowsOfKind(checked, 'seq') as Array<JourneyRowOf<'seq'>>;
  const pgt = toPgText;
  await pgTransaction(pool, async (c) => {
    if (inbox.length > 0)
      await c.query(
        `INSERT INTO ${t.inbox} (seq, sandbox, person_key, kind, dedupe_key, payload, at, consumed) OVERRIDING SYSTEM VALUE
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::boolean[])
         ON CONFLICT (seq) DO UPDATE SET sandbox = excluded.sandbox, person_key = excluded.person_key, kind = excluded.kind, dedupe_key = excluded.dedupe_key,
           payload = excluded.payload, at = excluded.at, consumed = excluded.consumed`,
        columns(inbox, [(r) => r.seq, (r) => pgt(r.sandbox), (r) => pgt(r.personKey), (r) => r.kind, (r) => pgt(r.dedupeKey), (r) => pgt(r.payload), (r) => r.at, (r) => r.consumed]),
      );
    if (instances.length > 0)
      await c.query(
        `INSERT INTO ${t.inst} (id, sandbox, journey_id, version_id, person_key, status, entered_at, due, doc)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[])
         ON CONFLICT (id) DO UPDATE SET sandbox = excluded.sandbox, journey_id = excluded.journey_id, version_id = excluded.version_id, person_key = excluded.person_key,
           status = excluded.status, entered_at = excluded.entered_at, due = excluded.due, doc = excluded.doc`,
        columns(instances, [(r) => pgt(r.id), (r) => pgt(r.sandbox), (r) => pgt(r.journeyId), (r) => pgt(r.versionId), (r) => pgt(r.personKey), (r) => r.status, (r) => toPgBigint(r.enteredAt), (r) => (r.due === null ? null : toPgBigint(Math.ceil(r.due))), (r) => r.doc]),
      );
    if (outbox.length > 0)
      await c.query(
        `INSERT INTO ${t.outbox} (seq, event) OVERRIDING SYSTEM VALUE SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT (seq) DO UPDATE SET event = excluded.event`,
        columns(outbox, [(r) => r.seq, (r) => r.event]),
      );
    if (cursors.length > 0)
      await c.query(`INSERT INTO ${t.cursor} (name, value) SELECT * FROM unnest($1::text[], $2::float8[]) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, columns(cursors, [(r) => pgt(r.name), (r) => r.value]));
    for (const [name, table] of [['inbox', t.inbox], ['outbox', t.outbox]] as const) {
      const mark = marks.filter((m) => m.table === name).reduce<number | null>((a, m) => Math.max(a ?? 0, m.value), null);
      await c.query(`SELECT setval(pg_get_serial_sequence('${table}', 'seq'), v) FROM (SELECT greatest((SELECT max(seq) FROM ${table}), $1::bigint, ${lastSeq(table)}) AS v) x WHERE v IS NOT NULL`, [mark]);
    }
  });
}
