import { DuckDBInstance, DuckDBTimestampTZValue, type DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LakeRow, LakeSink } from '../ingest/processor/processor-ports.js';

/**
 * The data lake on DuckDB: one table per dataset, named by its `adobe/pqs/table` tag, inside one DuckDB schema per
 * sandbox (`s_<sandbox id>`), so the same table name in two sandboxes never meets. Columns: `_id`, `timestamp`
 * (event time), `_kith_batch_id`, `_kith_offset`, `_kith_ingested_at` and `record` (the XDM as JSON, queryable with
 * `record->>'$.commerce.order.priceTotal'`). Rows and the processor's progress marker commit in one transaction.
 */
export class Lake implements LakeSink {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly known = new Set<string>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(dataDir: string): Promise<Lake> {
    let path = ':memory:';
    if (dataDir !== ':memory:') {
      mkdirSync(dataDir, { recursive: true });
      path = join(dataDir, 'lake.duckdb');
    }
    const instance = await DuckDBInstance.create(path, { threads: '2' });
    const conn = await instance.connect();
    await conn.run('CREATE TABLE IF NOT EXISTS main._kith_progress (consumer VARCHAR PRIMARY KEY, "offset" BIGINT NOT NULL)');
    return new Lake(instance, conn);
  }

  static schemaOf(sandboxId: string): string {
    return `s_${sandboxId.replace(/[^A-Za-z0-9]/g, '')}`;
  }

  private static ident(name: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid lake identifier ${name}`);
    return name;
  }

  /** DuckDB runs one statement at a time per connection: serialise. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async ensure(sandboxId: string, table: string): Promise<string> {
    const s = Lake.schemaOf(sandboxId);
    const t = Lake.ident(table);
    const key = `${s}.${t}`;
    if (!this.known.has(key)) {
      await this.conn.run(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await this.conn.run(
        `CREATE TABLE IF NOT EXISTS ${s}.${t} (_id VARCHAR, "timestamp" TIMESTAMPTZ, _kith_batch_id VARCHAR, _kith_offset BIGINT, _kith_ingested_at TIMESTAMPTZ, record JSON)`,
      );
      this.known.add(key);
    }
    return key;
  }

  async progress(consumer: string): Promise<number> {
    return this.exclusive(async () => {
      const r = await this.conn.runAndReadAll('SELECT "offset" FROM main._kith_progress WHERE consumer = $1', [consumer]);
      const row = r.getRows()[0];
      return row ? Number(row[0]) : 0;
    });
  }

  async write(consumer: string, upTo: number, rows: LakeRow[]): Promise<void> {
    await this.exclusive(async () => {
      const byTable = new Map<string, LakeRow[]>();
      for (const r of rows) {
        const k = `${r.sandboxId}\u0000${r.table}`;
        (byTable.get(k) ?? byTable.set(k, []).get(k)!).push(r);
      }
      for (const list of byTable.values()) await this.ensure(list[0]!.sandboxId, list[0]!.table);
      await this.conn.run('BEGIN');
      try {
        for (const list of byTable.values()) {
          const a = await this.conn.createAppender(Lake.ident(list[0]!.table), Lake.schemaOf(list[0]!.sandboxId));
          for (const r of list) {
            if (r.id === null) a.appendNull();
            else a.appendVarchar(r.id);
            if (r.timestamp === null) a.appendNull();
            else a.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(Math.trunc(r.timestamp)) * 1000n));
            a.appendVarchar(r.batchId);
            a.appendBigInt(BigInt(r.offset));
            a.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(Math.trunc(r.ingestedAt)) * 1000n));
            a.appendVarchar(r.record);
            a.endRow();
          }
          a.flushSync();
          a.closeSync();
        }
        await this.conn.run(
          'INSERT INTO main._kith_progress VALUES ($1, $2) ON CONFLICT (consumer) DO UPDATE SET "offset" = excluded."offset"',
          [consumer, upTo],
        );
        await this.conn.run('COMMIT');
      } catch (e) {
        await this.conn.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  async countBatch(sandboxId: string, table: string, batchId: string): Promise<number> {
    if (!table) return 0;
    return this.exclusive(async () => {
      await this.ensure(sandboxId, table);
      const r = await this.conn.runAndReadAll(`SELECT count(*) FROM ${Lake.schemaOf(sandboxId)}.${Lake.ident(table)} WHERE _kith_batch_id = $1`, [batchId]);
      return Number(r.getRows()[0]![0]);
    });
  }

  /** Runs SQL with the sandbox's schema first on the search path, so datasets are addressed by table name. */
  async query(sandboxId: string, sql: string, params: Array<string | number | boolean | null> = []): Promise<Array<Record<string, unknown>>> {
    return this.exclusive(async () => {
      await this.conn.run(`CREATE SCHEMA IF NOT EXISTS ${Lake.schemaOf(sandboxId)}`);
      await this.conn.run(`SET search_path = '${Lake.schemaOf(sandboxId)},main'`);
      try {
        const r = await this.conn.runAndReadAll(sql, params as never);
        return r.getRowObjectsJson() as Array<Record<string, unknown>>;
      } finally {
        await this.conn.run(`SET search_path = 'main'`);
      }
    });
  }

  /** Tables (datasets) of a sandbox. */
  async tables(sandboxId: string): Promise<string[]> {
    const rows = await this.exclusive(async () =>
      (await this.conn.runAndReadAll('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [Lake.schemaOf(sandboxId)])).getRows(),
    );
    return rows.map((r) => String(r[0]));
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      this.conn.closeSync();
      this.instance.closeSync();
    });
  }
}
