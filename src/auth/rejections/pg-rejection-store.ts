import type pg from 'pg';
import { fromPgText, schemaPrefix, toPgBigint, toPgText } from '../../store/postgres/pg-text.js';
import { migrate, type Migration } from '../../store/postgres/migrations.js';
import { checkedRows, type Transferable } from '../../store/transfer.js';
import { columns, pgExport } from '../../store/postgres/pg-transfer.js';
import { DEFAULT_MAX_REJECTION_ROWS, mergeByKey, REJECTION_ROW, type GatewayRejection, type GatewayRejectionStore, type RejectionQuery, type RejectionRow } from './rejection-store.js';
import { rowOf } from './sqlite-rejection-store.js';

export const PG_REJECTION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'gateway rejections',
    sql: (p) => `CREATE TABLE IF NOT EXISTS ${p}kith_gateway_rejections (
        org_id TEXT COLLATE "C" NOT NULL, client_id TEXT COLLATE "C" NOT NULL, reason TEXT COLLATE "C" NOT NULL, sandbox_name TEXT COLLATE "C" NOT NULL,
        error_code TEXT NOT NULL, detail TEXT NOT NULL, count BIGINT NOT NULL, first_at BIGINT NOT NULL, last_at BIGINT NOT NULL,
        PRIMARY KEY (org_id, client_id, reason, sandbox_name));
      CREATE INDEX IF NOT EXISTS kith_gateway_rejections_last ON ${p}kith_gateway_rejections (last_at);
      CREATE INDEX IF NOT EXISTS kith_gateway_rejections_org ON ${p}kith_gateway_rejections (org_id, last_at);`,
  },
];

type Full = GatewayRejection & { count: number; firstAt: number; lastAt: number };

/** Gateway rejections on PostgreSQL (same rules as the SQLite adapter): one statement per call, then a trim to the bound. */
export class PgRejectionStore implements GatewayRejectionStore, Transferable {
  readonly transferName = 'gateway-rejections';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly t: string,
    private readonly maxRows: number,
  ) {}

  static async open(opts: { pool: pg.Pool; schema?: string; maxRows?: number }): Promise<PgRejectionStore> {
    await migrate(opts.pool, 'gateway-rejections', PG_REJECTION_MIGRATIONS, opts.schema);
    return new PgRejectionStore(opts.pool, `${schemaPrefix(opts.schema)}kith_gateway_rejections`, opts.maxRows ?? DEFAULT_MAX_REJECTION_ROWS);
  }

  private async write(rows: readonly Full[], restore: boolean): Promise<void> {
    const cols = columns(rows, [
      (r) => toPgText(r.orgId), (r) => toPgText(r.clientId), (r) => toPgText(r.reason), (r) => toPgText(r.sandboxName),
      (r) => toPgText(r.errorCode), (r) => toPgText(r.detail), (r) => r.count, (r) => r.firstAt, (r) => r.lastAt,
    ]);
    const t = this.t;
    const set = restore
      ? 'error_code = excluded.error_code, detail = excluded.detail, count = excluded.count, first_at = excluded.first_at, last_at = excluded.last_at'
      : `count = ${t}.count + excluded.count, first_at = LEAST(${t}.first_at, excluded.first_at),
         detail = CASE WHEN excluded.last_at >= ${t}.last_at THEN excluded.detail ELSE ${t}.detail END,
         error_code = CASE WHEN excluded.last_at >= ${t}.last_at THEN excluded.error_code ELSE ${t}.error_code END,
         last_at = GREATEST(${t}.last_at, excluded.last_at)`;
    await this.pool.query(
      `INSERT INTO ${t} (org_id, client_id, reason, sandbox_name, error_code, detail, count, first_at, last_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[])
       ON CONFLICT (org_id, client_id, reason, sandbox_name) DO UPDATE SET ${set}`,
      cols,
    );
    const n = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    if ((n.rows[0]?.n ?? 0) > this.maxRows)
      await this.pool.query(
        `DELETE FROM ${t} WHERE (org_id, client_id, reason, sandbox_name) IN
           (SELECT org_id, client_id, reason, sandbox_name FROM ${t} ORDER BY last_at DESC, org_id, client_id, reason, sandbox_name OFFSET $1)`,
        [this.maxRows],
      );
  }

  async record(items: ReadonlyArray<GatewayRejection & { count: number; at: number }>): Promise<void> {
    const rows = mergeByKey(items);
    if (rows.length > 0) await this.write(rows, false);
  }

  async list(q: RejectionQuery): Promise<RejectionRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.orgId !== undefined) {
      args.push(toPgText(q.orgId));
      where.push(`org_id = $${args.length}`);
    }
    if (q.since !== undefined) {
      args.push(toPgBigint(q.since));
      where.push(`last_at >= $${args.length}`);
    }
    args.push(q.limit);
    const r = await this.pool.query(
      `SELECT * FROM ${this.t} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY last_at DESC, org_id, client_id, reason, sandbox_name LIMIT $${args.length}`,
      args,
    );
    return r.rows.map((x) => rowOf(x, fromPgText));
  }

  async close(): Promise<void> {}

  exportRows(): AsyncIterable<RejectionRow[]> {
    return pgExport(this.pool, [{ sql: `SELECT * FROM ${this.t} ORDER BY org_id, client_id, reason, sandbox_name`, map: (r) => rowOf(r, fromPgText) }]) as AsyncIterable<RejectionRow[]>;
  }

  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<RejectionRow>(this.transferName, rows, { '': REJECTION_ROW });
    // one row per key per statement (the last of a key wins)
    const last = [...new Map(checked.map((r) => [JSON.stringify([r.orgId, r.clientId, r.reason, r.sandboxName]), r])).values()];
    if (last.length > 0) await this.write(last, true);
  }
}
