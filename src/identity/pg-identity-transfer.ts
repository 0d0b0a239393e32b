import type pg from 'pg';
import { fromPgText, toPgText } from '../store/postgres/pg-text.js';
import { bumpSerial, columns, pgExport, pgTransaction } from '../store/postgres/pg-transfer.js';
import { checkedRows, rowsOfKind } from '../store/transfer.js';
import { CHUNKS_PER_BATCH, IDENTITY_ROWS, RUNS_PER_BATCH, type IdentityRow, type IdentityRowOf } from './identity-transfer-rows.js';

/** The identity store's tables (PgIdentityStore). */
export interface IdentityTables {
  snapshot: string;
  obs: string;
  history: string;
  ck: string;
}

const opt = (v: string | null): string | null => (v === null ? null : fromPgText(v));
const optTo = (v: string | null): string | null => (v === null ? null : toPgText(v));

/** The tables' rows in the dump's shape (identity-transfer-rows.ts), from one snapshot. */
export function exportIdentityRows(pool: pg.Pool, t: IdentityTables): AsyncIterable<IdentityRow[]> {
  return pgExport(pool, [
    {
      sql: `SELECT sandbox, seq, generation FROM ${t.ck} ORDER BY sandbox`,
      map: (r: { sandbox: string; seq: string; generation: string }) => ({ t: 'mark', sandbox: fromPgText(r.sandbox), seq: Number(r.seq), generation: Number(r.generation) }),
    },
    {
      sql: `SELECT sandbox, seq, kind, n, data FROM ${t.snapshot} ORDER BY sandbox, seq`,
      map: (r: { sandbox: string; seq: number; kind: string; n: number; data: string }) => ({ t: 'chunk', ...r, sandbox: fromPgText(r.sandbox) }),
      batchRows: CHUNKS_PER_BATCH,
    },
    {
      sql: `SELECT seq, sandbox, t, dataset, batch, record, identities, removed FROM ${t.obs} ORDER BY seq`,
      map: (r: { seq: string; sandbox: string; t: number; dataset: string; batch: string; record: string; identities: string; removed: boolean }) => ({
        t: 'obs', sandbox: fromPgText(r.sandbox), seq: Number(r.seq), at: r.t, dataset: fromPgText(r.dataset), batch: fromPgText(r.batch), record: fromPgText(r.record), identities: r.identities, removed: r.removed,
      }),
      batchRows: RUNS_PER_BATCH,
    },
    {
      sql: `SELECT seq, sandbox, at, op, a, b, rule, record, dataset, batch, detail FROM ${t.history} ORDER BY seq`,
      map: (r: Omit<IdentityRowOf<'history'>, 't' | 'seq'> & { seq: string }) => ({
        t: 'history', sandbox: fromPgText(r.sandbox), seq: Number(r.seq), at: r.at, op: r.op, a: fromPgText(r.a),
        b: opt(r.b), rule: opt(r.rule), record: opt(r.record), dataset: opt(r.dataset), batch: opt(r.batch), detail: opt(r.detail),
      }),
    },
  ]) as AsyncIterable<IdentityRow[]>;
}

/**
 * Writes dump rows at their positions in one transaction (rows at the same keys are replaced), one statement per
 * kind; the log's and history's sequences move past the imported positions (the next append gets a fresh one).
 */
export async function importIdentityRows(pool: pg.Pool, t: IdentityTables, rows: readonly unknown[]): Promise<void> {
  const checked = checkedRows<IdentityRow>('identity', rows, IDENTITY_ROWS);
  if (checked.length === 0) return;
  const chunks = rowsOfKind(checked, 'chunk') as Array<IdentityRowOf<'chunk'>>;
  const obs = rowsOfKind(checked, 'obs') as Array<IdentityRowOf<'obs'>>;
  const history = rowsOfKind(checked, 'history') as Array<IdentityRowOf<'history'>>;
  const marks = rowsOfKind(checked, 'mark') as Array<IdentityRowOf<'mark'>>;
  await pgTransaction(pool, async (c) => {
    if (chunks.length > 0)
      await c.query(
        `INSERT INTO ${t.snapshot} (sandbox, seq, kind, n, data) SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[])
         ON CONFLICT (sandbox, seq) DO UPDATE SET kind = excluded.kind, n = excluded.n, data = excluded.data`,
        columns(chunks, [(r) => toPgText(r.sandbox), (r) => r.seq, (r) => r.kind, (r) => r.n, (r) => r.data]),
      );
    if (obs.length > 0) {
      await c.query(
        `INSERT INTO ${t.obs} (seq, sandbox, t, dataset, batch, record, identities, removed)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[])
         ON CONFLICT (seq) DO UPDATE SET sandbox = excluded.sandbox, t = excluded.t, dataset = excluded.dataset, batch = excluded.batch,
           record = excluded.record, identities = excluded.identities, removed = excluded.removed`,
        columns(obs, [(r) => r.seq, (r) => toPgText(r.sandbox), (r) => r.at, (r) => toPgText(r.dataset), (r) => toPgText(r.batch), (r) => toPgText(r.record), (r) => r.identities, (r) => r.removed]),
      );
      await bumpSerial(c, t.obs, 'seq');
    }
    if (history.length > 0) {
      await c.query(
        `INSERT INTO ${t.history} (seq, sandbox, at, op, a, b, rule, record, dataset, batch, detail)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
         ON CONFLICT (seq) DO UPDATE SET sandbox = excluded.sandbox, at = excluded.at, op = excluded.op, a = excluded.a, b = excluded.b,
           rule = excluded.rule, record = excluded.record, dataset = excluded.dataset, batch = excluded.batch, detail = excluded.detail`,
        columns(history, [
          (r) => r.seq, (r) => toPgText(r.sandbox), (r) => r.at, (r) => r.op, (r) => toPgText(r.a),
          (r) => optTo(r.b), (r) => optTo(r.rule), (r) => optTo(r.record), (r) => optTo(r.dataset), (r) => optTo(r.batch), (r) => optTo(r.detail),
        ]),
      );
      await bumpSerial(c, t.history, 'seq');
    }
    if (marks.length > 0)
      await c.query(
        `INSERT INTO ${t.ck} (sandbox, seq, generation) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
         ON CONFLICT (sandbox) DO UPDATE SET seq = excluded.seq, generation = excluded.generation`,
        columns(marks, [(r) => toPgText(r.sandbox), (r) => r.seq, (r) => r.generation]),
      );
  });
}
