import { Serial } from '../shared/serial.js';
import { envNumber } from '../shared/env-number.js';
import { BIGINT, DuckDBDataChunk, DuckDBInstance, DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBTypeId, TIMESTAMPTZ, VARCHAR, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LakeRow, LakeSink } from '../ingest/processor/processor-ports.js';

/** Rows per data chunk appended (DuckDB's standard vector size). */
const CHUNK_ROWS = 2048;
/** A dataset table's columns as appended (`record` is JSON, filled from its text). */
const ROW_TYPES = [VARCHAR, TIMESTAMPTZ, VARCHAR, BIGINT, TIMESTAMPTZ, VARCHAR];

/**
 * The data lake on DuckDB: one table per dataset, named by its `adobe/pqs/table` tag, inside one DuckDB schema per
 * sandbox (`s_<sandbox id>`), so the same table name in two sandboxes never meets. Columns: `_id`, `timestamp`
 * (event time), `_kith_batch_id`, `_kith_offset`, `_kith_ingested_at` and `record` (the XDM as JSON, queryable with
 * `record->>'$.commerce.order.priceTotal'`). Rows and the processor's progress marker commit in one transaction.
 *
 * Physical naming: dataset table `t` of sandbox id `X` is `s_<X without non-alphanumerics>.t` (see `qualified`);
 * `query(sandboxId, sql)` puts that schema first on the search path, so SQL addresses datasets as plain `t`.
 *
 * Exactly-once: `write(consumer, upTo, rows)` appends rows and moves `main._kith_progress[consumer]` to `upTo` in
 * one DuckDB transaction, and skips rows whose offset is at or below the consumer's committed progress, so
 * re-applying an already-applied log range (replay after a crash) adds nothing. `_id` dedupe of ExperienceEvents
 * lives behind the `SeenIds` port (`SqliteSeenIds`: SQLite `seen_ids`), checked by the processor before it writes; its seen mark (the
 * offset up to which the ids of rows here are remembered) may trail `_kith_progress`, and the processor reads the
 * log again from it on start.
 *
 * `query` returns plain JS rows: integers as numbers (strings beyond 2^53), TIMESTAMP/TIMESTAMPTZ as ISO-8601
 * strings (UTC), DECIMAL as its exact text, JSON columns as JSON text, lists and structs as arrays and objects.
 */
export class Lake implements LakeSink {
  private readonly serial = new Serial();
  private readonly known = new Set<string>();
  private readonly committedBy = new Map<string, number>();
  private readonly committedListeners: Array<(tables: Array<{ sandboxId: string; table: string }>) => void> = [];

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
    // one thread by default: appends are serial, and two threads let a checkpoint take both cores of a small machine
    // (bench/segment/streaming.ts); KITH_LAKE_THREADS gives SQL over the lake more cores where there are some
    const instance = await DuckDBInstance.create(path, { threads: lakeThreads(), ...lakeSafetySettings() });
    const conn = await instance.connect();
    // timestamps with time zone shown and truncated in UTC whatever the host (an extension option: not settable at create)
    await conn.run("SET TimeZone = 'UTC'");
    // after the limits above: no SQL on this instance (the Query Service's sessions) can change any setting again
    await conn.run('SET lock_configuration = true');
    await conn.run('CREATE TABLE IF NOT EXISTS main._kith_progress (consumer VARCHAR PRIMARY KEY, "offset" BIGINT NOT NULL)');
    return new Lake(instance, conn);
  }

  static schemaOf(sandboxId: string): string {
    return `s_${sandboxId.replace(/[^A-Za-z0-9]/g, '')}`;
  }

  /** The physical `schema.table` of a dataset table in a sandbox. */
  static qualified(sandboxId: string, table: string): string {
    return `${Lake.schemaOf(sandboxId)}.${Lake.ident(table)}`;
  }

  private static ident(name: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid lake identifier ${name}`);
    return name;
  }

  /**
   * Another connection on the lake's instance (the Query Service's sessions): DuckDB runs statements of different
   * connections concurrently, so SQL there never waits for appends here, nor appends for it.
   */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Called after every commit that appended rows, with the tables it touched (the Query Service's typed tables follow). */
  onCommitted(listener: (tables: Array<{ sandboxId: string; table: string }>) => void): void {
    this.committedListeners.push(listener);
  }

  /** DuckDB runs one statement at a time per connection: serialise. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial.run(fn);
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

  /** Creates the dataset's table in the sandbox's schema if missing. Idempotent. */
  async ensureDatasetTable(sandboxId: string, table: string): Promise<string> {
    return this.exclusive(() => this.ensure(sandboxId, table));
  }

  private async readProgress(consumer: string): Promise<number> {
    const cached = this.committedBy.get(consumer);
    if (cached !== undefined) return cached;
    const r = await this.conn.runAndReadAll('SELECT "offset" FROM main._kith_progress WHERE consumer = $1', [consumer]);
    const row = r.getRows()[0];
    const v = row ? Number(row[0]) : 0;
    this.committedBy.set(consumer, v);
    return v;
  }

  async progress(consumer: string): Promise<number> {
    return this.exclusive(() => this.readProgress(consumer));
  }

  /**
   * Appends rows to their tables without touching any progress marker (one transaction for all of them).
   * Use `write` when the rows come from the ingest log: only it is idempotent under replay.
   */
  async appendRecords(sandboxId: string, table: string, rows: Array<Omit<LakeRow, 'sandboxId' | 'table'>>): Promise<void> {
    await this.exclusive(() => this.appendTx(rows.map((r) => ({ ...r, sandboxId, table }))));
  }

  async write(consumer: string, upTo: number, rows: LakeRow[]): Promise<void> {
    await this.exclusive(async () => {
      const done = await this.readProgress(consumer);
      const fresh = rows.filter((r) => r.offset > done); // replayed rows are already in the lake
      await this.appendTx(fresh, { consumer, upTo: Math.max(done, upTo) });
    });
  }

  private async appendTx(rows: LakeRow[], progress?: { consumer: string; upTo: number }): Promise<void> {
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
        // column by column, a data chunk (up to DuckDB's vector size) at a time: about half the CPU of value-by-value
        // appends (bench/ingest-log/write-paths.ts)
        for (let i = 0; i < list.length; i += CHUNK_ROWS) {
          const rows = list.slice(i, i + CHUNK_ROWS);
          const chunk = DuckDBDataChunk.create(ROW_TYPES, rows.length);
          chunk.setColumns([
            rows.map((r) => r.id),
            rows.map((r) => (r.timestamp === null ? null : new DuckDBTimestampTZValue(BigInt(Math.trunc(r.timestamp)) * 1000n))),
            rows.map((r) => r.batchId),
            rows.map((r) => BigInt(r.offset)),
            rows.map((r) => new DuckDBTimestampTZValue(BigInt(Math.trunc(r.ingestedAt)) * 1000n)),
            rows.map((r) => r.record),
          ]);
          a.appendDataChunk(chunk);
        }
        a.flushSync();
        a.closeSync();
      }
      if (progress)
        await this.conn.run(
          'INSERT INTO main._kith_progress VALUES ($1, $2) ON CONFLICT (consumer) DO UPDATE SET "offset" = excluded."offset"',
          [progress.consumer, progress.upTo],
        );
      await this.conn.run('COMMIT');
    } catch (e) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      if (progress) this.committedBy.delete(progress.consumer);
      throw e;
    }
    if (progress) this.committedBy.set(progress.consumer, progress.upTo);
    if (byTable.size > 0 && this.committedListeners.length > 0) {
      const touched = [...byTable.values()].map((l) => ({ sandboxId: l[0]!.sandboxId, table: l[0]!.table }));
      for (const f of this.committedListeners) f(touched);
    }
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
        return plainRows(await this.conn.runAndReadAll(sql, params as never));
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

const INTEGER_TYPES = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);
const TIMESTAMP_TYPES = new Set([DuckDBTypeId.TIMESTAMP, DuckDBTypeId.TIMESTAMP_TZ]);

function isoOfMicros(micros: bigint): string {
  const d = new Date(Number(micros / 1000n));
  return Number.isNaN(d.getTime()) ? String(micros) : d.toISOString();
}

/** DuckDB result -> plain JS rows (see the class comment for the conversions). */
function plainRows(r: DuckDBResultReader): Array<Record<string, unknown>> {
  const rows = r.getRowObjectsJson() as Array<Record<string, unknown>>;
  const names = r.columnNames();
  const types = r.columnTypes();
  const fix = names.map((n, i) => ({ n, t: types[i]!.typeId })).filter((c) => INTEGER_TYPES.has(c.t) || TIMESTAMP_TYPES.has(c.t));
  if (fix.length === 0 || rows.length === 0) return rows;
  const raw = r.getRowObjects();
  rows.forEach((row, i) => {
    for (const { n, t } of fix) {
      const v = raw[i]![n];
      if (v === null || v === undefined) continue;
      if (INTEGER_TYPES.has(t) && typeof v === 'bigint') row[n] = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      else if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) row[n] = isoOfMicros(v.micros);
    }
  });
  return rows;
}

/**
 * The lake instance's safety switches (SQL from the Query Service runs on it): no file or network access beyond the
 * database itself, no extension ever installed or loaded, a memory ceiling (KITH_QUERY_MEMORY_LIMIT, default 2GB) and
 * a spill ceiling (KITH_QUERY_TEMP_LIMIT, default 10GB).
 */
export function lakeSafetySettings(): Record<string, string> {
  return {
    enable_external_access: 'false',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
    memory_limit: process.env.KITH_QUERY_MEMORY_LIMIT || '2GB',
    max_temp_directory_size: process.env.KITH_QUERY_TEMP_LIMIT || '10GB',
  };
}

/** DuckDB threads of the lake (KITH_LAKE_THREADS, default 1). */
export function lakeThreads(): string {
  return String(envNumber('KITH_LAKE_THREADS', 1, { min: 1, integer: true }));
}
