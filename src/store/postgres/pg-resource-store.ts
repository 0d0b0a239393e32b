import type pg from 'pg';
import { RESOURCE_ROW, type ResourceStore, type StoredResource, type PutOptions, type PutError, type ListOptions, type ResourceRow } from '../resource-store.js';
import { checkedRows, type Transferable } from '../transfer.js';
import { columns, pgExport } from './pg-transfer.js';
import { ok, err, type Result } from '../../shared/result.js';
import { migrate, type Migration } from './migrations.js';
import { fromPgJson, fromPgText, schemaPrefix, toPgJson, toPgText } from './pg-text.js';

interface Row {
  kind: string;
  scope: string;
  id: string;
  doc: unknown;
  version: number;
  created_at: string;
  updated_at: string;
}

/** Keys may carry NUL (ids from request paths): stored through toPgText. */
const t = toPgText;

const toResource = <T>(r: Row): StoredResource<T> => ({
  kind: fromPgText(r.kind),
  scope: fromPgText(r.scope),
  id: fromPgText(r.id),
  doc: fromPgJson(r.doc) as T,
  version: r.version,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** The resource store's tables (IF NOT EXISTS: databases from before migrations already have them). */
export const PG_RESOURCE_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'resources',
    sql: (p) => `CREATE TABLE IF NOT EXISTS ${p}kith_resources (
      kind TEXT NOT NULL, scope TEXT NOT NULL, id TEXT NOT NULL, doc JSONB NOT NULL, version INTEGER NOT NULL,
      unique_key TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (kind, scope, id));
      CREATE UNIQUE INDEX IF NOT EXISTS kith_resources_unique ON ${p}kith_resources(kind, scope, unique_key) WHERE unique_key IS NOT NULL;`,
  },
];

/** ResourceStore on PostgreSQL (jsonb). The pool is the caller's; `schema` qualifies the table. */
export class PgResourceStore implements ResourceStore, Transferable {
  readonly transferName = 'resources';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
  ) {}

  static async open(opts: { pool: pg.Pool; schema?: string }): Promise<PgResourceStore> {
    await migrate(opts.pool, 'resources', PG_RESOURCE_STORE_MIGRATIONS, opts.schema);
    return new PgResourceStore(opts.pool, `${schemaPrefix(opts.schema)}kith_resources`);
  }

  async get<T>(kind: string, scope: string, id: string): Promise<StoredResource<T> | undefined> {
    const r = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE kind=$1 AND scope=$2 AND id=$3`, [t(kind), t(scope), t(id)]);
    return r.rows[0] ? toResource<T>(r.rows[0]) : undefined;
  }

  async getByUniqueKey<T>(kind: string, scope: string, uniqueKey: string): Promise<StoredResource<T> | undefined> {
    const r = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE kind=$1 AND scope=$2 AND unique_key=$3`, [t(kind), t(scope), t(uniqueKey)]);
    return r.rows[0] ? toResource<T>(r.rows[0]) : undefined;
  }

  async list<T>(kind: string, scope: string, opts: ListOptions = {}): Promise<StoredResource<T>[]> {
    const r = await this.pool.query<Row>(
      `SELECT * FROM ${this.table} WHERE kind=$1 AND scope=$2 AND id > $3 ORDER BY id COLLATE "C" LIMIT $4`,
      [t(kind), t(scope), t(opts.after ?? ''), opts.limit ?? 1_000_000],
    );
    return r.rows.map((x) => toResource<T>(x));
  }

  async put<T>(kind: string, scope: string, id: string, doc: T, opts: PutOptions = {}): Promise<Result<StoredResource<T>, PutError>> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const cur = (await client.query<Row>(`SELECT * FROM ${this.table} WHERE kind=$1 AND scope=$2 AND id=$3 FOR UPDATE`, [t(kind), t(scope), t(id)])).rows[0];
      if (opts.expectedVersion !== undefined && (cur?.version ?? 0) !== opts.expectedVersion) {
        await client.query('ROLLBACK');
        return err('version-conflict');
      }
      const key = opts.uniqueKey ?? null;
      if (key !== null) {
        const holder = (await client.query<Row>(`SELECT id FROM ${this.table} WHERE kind=$1 AND scope=$2 AND unique_key=$3`, [t(kind), t(scope), t(key)])).rows[0];
        if (holder && fromPgText(holder.id) !== id) {
          await client.query('ROLLBACK');
          return err('unique-conflict');
        }
      }
      const now = Date.now();
      const json = JSON.stringify(toPgJson(doc));
      let res: StoredResource<T>;
      if (!cur) {
        await client.query(`INSERT INTO ${this.table}(kind,scope,id,doc,version,unique_key,created_at,updated_at) VALUES ($1,$2,$3,$4,1,$5,$6,$6)`, [t(kind), t(scope), t(id), json, key === null ? null : t(key), now]);
        res = { kind, scope, id, doc, version: 1, createdAt: now, updatedAt: now };
      } else {
        await client.query(`UPDATE ${this.table} SET doc=$4, version=version+1, unique_key=$5, updated_at=$6 WHERE kind=$1 AND scope=$2 AND id=$3`, [t(kind), t(scope), t(id), json, key === null ? null : t(key), now]);
        res = { kind, scope, id, doc, version: cur.version + 1, createdAt: Number(cur.created_at), updatedAt: now };
      }
      await client.query('COMMIT');
      return ok(res);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((e as { code?: string }).code === '23505') return err('unique-conflict');
      throw e;
    } finally {
      client.release();
    }
  }

  async delete(kind: string, scope: string, id: string): Promise<boolean> {
    const r = await this.pool.query(`DELETE FROM ${this.table} WHERE kind=$1 AND scope=$2 AND id=$3`, [t(kind), t(scope), t(id)]);
    return (r.rowCount ?? 0) > 0;
  }

  exportRows(): AsyncIterable<ResourceRow[]> {
    return pgExport(this.pool, [
      {
        sql: `SELECT * FROM ${this.table} ORDER BY kind COLLATE "C", scope COLLATE "C", id COLLATE "C"`,
        map: (r: Row & { unique_key: string | null }): ResourceRow => ({ ...toResource(r), uniqueKey: r.unique_key === null ? null : fromPgText(r.unique_key) }),
      },
    ]) as AsyncIterable<ResourceRow[]>;
  }

  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<ResourceRow>(this.transferName, rows, { '': RESOURCE_ROW });
    if (checked.length === 0) return;
    const cols = columns(checked, [(r) => t(r.kind), (r) => t(r.scope), (r) => t(r.id), (r) => JSON.stringify(toPgJson(r.doc)), (r) => r.version, (r) => (r.uniqueKey === null ? null : t(r.uniqueKey)), (r) => r.createdAt, (r) => r.updatedAt]);
    await this.pool.query(
      `INSERT INTO ${this.table} (kind,scope,id,doc,version,unique_key,created_at,updated_at)
       SELECT k, s, i, d::jsonb, v, u, c, m FROM unnest($1::text[],$2::text[],$3::text[],$4::text[],$5::int[],$6::text[],$7::bigint[],$8::bigint[]) AS x(k,s,i,d,v,u,c,m)
       ON CONFLICT (kind, scope, id) DO UPDATE SET doc = excluded.doc, version = excluded.version, unique_key = excluded.unique_key,
         created_at = excluded.created_at, updated_at = excluded.updated_at`,
      cols,
    );
  }

  /** Drops the table (tests). */
  async drop(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.table}`);
  }

  /** The pool is the caller's: nothing to release. */
  async close(): Promise<void> {}
}
