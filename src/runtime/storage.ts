import pg from 'pg';
import { redactUrl, type KithConfig } from '../config/config.js';
import { err, ok, type Result } from '../shared/result.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, openSqlite, READER_CACHE_MIB, type SqliteDb } from '../store/sqlite/open.js';
import type { ResourceStore } from '../store/resource-store.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { PgResourceStore } from '../store/postgres/pg-resource-store.js';
import type { GroupCommitLog } from '../ingest/log/ingest-log.js';
import { SqliteIngestLog } from '../ingest/log/sqlite-ingest-log.js';
import { PgIngestLog } from '../ingest/log/pg-ingest-log.js';
import type { SeenIds } from '../ingest/processor/processor-ports.js';
import type { FailedRecordsStore } from '../lake/failed-records-store.js';
import { SqliteFailedRecordsStore } from '../lake/sqlite-failed-records-store.js';
import { PgFailedRecordsStore } from '../lake/pg-failed-records-store.js';
import type { NotIngestedStore } from '../lake/not-ingested-store.js';
import { SqliteNotIngestedStore } from '../lake/sqlite-not-ingested-store.js';
import { PgNotIngestedStore } from '../lake/pg-not-ingested-store.js';
import { SqliteSeenIds } from '../lake/sqlite-seen-ids.js';
import { PgSeenIds } from '../lake/pg-seen-ids.js';
import { Lake } from '../lake/lake.js';
import type { SourceStateStore } from '../sources/http/source-state-store.js';
import { SqliteSourceStateStore } from '../sources/http/sqlite-source-state-store.js';
import { PgSourceStateStore } from '../sources/http/pg-source-state-store.js';
import type { IdentityGraphStore } from '../identity/identity-store.js';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.js';
import { PgIdentityStore } from '../identity/pg-identity-store.js';
import type { FragmentStore } from '../profile/fragment-store.js';
import { SqliteProfileStore } from '../profile/sqlite-profile-store.js';
import { PgProfileStore } from '../profile/pg-profile-store.js';
import type { SegmentStore } from '../segment/segment-store.js';
import { SqliteSegmentStore } from '../segment/sqlite-segment-store.js';
import { PgSegmentStore } from '../segment/pg-segment-store.js';
import type { MembershipReader } from '../segment/membership-view.js';
import { SqliteMembershipReader } from '../segment/sqlite-membership-reader.js';
import { PgMembershipReader } from '../segment/pg-membership-reader.js';
import type { JourneyStore } from '../journey/store/journey-store.js';
import type { GatewayRejectionStore } from '../auth/rejections/rejection-store.js';
import { SqliteRejectionStore } from '../auth/rejections/sqlite-rejection-store.js';
import { PgRejectionStore } from '../auth/rejections/pg-rejection-store.js';
import { SqliteJourneyStore } from '../journey/store/sqlite-journey-store.js';
import { PgJourneyStore } from '../journey/store/pg-journey-store.js';
import type { RunMetricsStore } from '../flow/runs/run-metrics-store.js';
import { SqliteRunMetricsStore } from '../flow/runs/sqlite-run-metrics-store.js';
import { PgRunMetricsStore } from '../flow/runs/pg-run-metrics-store.js';

/** Where a process keeps its state: plain data, so worker threads get it through workerData. */
export interface StorageConfig {
  /** SQLite files (embedded) and the lake (both kinds). */
  dataDir: string;
  /** Set: every store but the lake on PostgreSQL. */
  databaseUrl?: string;
  databasePoolMax?: number;
  databaseSchema?: string;
  /** Not storage: the SMTP server of journeys' email actions, carried with it to the processor thread (workerData). */
  smtpUrl?: string;
}

export const storageConfigOf = (cfg: KithConfig): StorageConfig => ({
  dataDir: cfg.dataDir,
  ...(cfg.smtpUrl !== undefined && cfg.smtpUrl !== '' ? { smtpUrl: cfg.smtpUrl } : {}),
  ...(cfg.databaseUrl !== undefined ? { databaseUrl: cfg.databaseUrl, databasePoolMax: cfg.databasePoolMax } : {}),
  ...(cfg.databaseSchema !== undefined ? { databaseSchema: cfg.databaseSchema } : {}),
});

export type ThreadRole = 'api' | 'processor' | 'segmentation' | 'reader' | 'cli';

/** Every store a thread may own, by name (the ports; adapters below). */
export interface Stores {
  resources: ResourceStore;
  ingestLog: GroupCommitLog;
  failedRecords: FailedRecordsStore;
  notIngested: NotIngestedStore;
  /** The `_id` dedupe index. */
  seenIds: SeenIds;
  sourceState: SourceStateStore;
  /** DuckDB files in the data directory, whatever the kind. */
  lake: Lake;
  /** The identity graph's observation log, snapshot and history (the processor writes it; replicas read it). */
  identityGraph: IdentityGraphStore;
  /** Profile fragments, events and computed-attribute state (the processor writes; segmentation reads). */
  profileStore: FragmentStore;
  /** Segmentation's memberships, timers and audience-event outbox (its thread writes). */
  segmentStore: SegmentStore;
  /** Committed memberships for profile lookups, read outside segmentation's writer. */
  membershipReader: MembershipReader;
  /** The journey engine's inbox, instances, due waits, step-event outbox and cursors (the processor writes). */
  journeyStore: JourneyStore;
  /** Requests the gateway refused, aggregated by org, client id, reason and sandbox (bounded; the API writes). */
  gatewayRejections: GatewayRejectionStore;
  /** Ingestion counters per dataflow run window (the processor writes; the API reads Flow Service runs from them). */
  runMetrics: RunMetricsStore;
}

/** What each thread opens (see runtime/README.md for who writes what). */
const ROLE_STORES = {
  api: ['resources', 'ingestLog', 'failedRecords', 'notIngested', 'sourceState', 'gatewayRejections', 'runMetrics'],
  processor: ['resources', 'ingestLog', 'failedRecords', 'notIngested', 'seenIds', 'lake', 'identityGraph', 'profileStore', 'membershipReader', 'journeyStore', 'runMetrics'],
  segmentation: ['resources', 'profileStore', 'segmentStore'],
  // profile lookups off the write path: read connections of the graph, profiles and memberships
  reader: ['resources', 'identityGraph', 'profileStore', 'membershipReader'],
  cli: ['resources'],
} as const satisfies Record<ThreadRole, ReadonlyArray<keyof Stores>>;

export type StoresOf<R extends ThreadRole> = Pick<Stores, (typeof ROLE_STORES)[R][number]>;

interface Opening {
  role: ThreadRole;
  clock: Clock;
  dataDir: string;
}
interface SqliteOpening extends Opening {
  /** `<dataDir>/<name>.db`, opened once per thread (the first opener's settings). */
  file(name: string, opts?: Parameters<typeof openSqlite>[2]): SqliteDb;
}
interface PgOpening extends Opening {
  pool: pg.Pool;
  schema?: string;
}

/** One entry per store: its embedded and its PostgreSQL adapter. */
const OPENERS: { [K in keyof Stores]: { sqlite(o: SqliteOpening): Stores[K] | Promise<Stores[K]>; postgres(o: PgOpening): Promise<Stores[K]> } } = {
  resources: { sqlite: (o) => new SqliteResourceStore(o.file('control')), postgres: (o) => PgResourceStore.open(o) },
  ingestLog: {
    // the API's appends are the acks (fsynced); the processor reads and moves markers, and a lost marker only
    // replays idempotent steps; it reads what another connection writes, hence a reader's cache
    sqlite: (o) => new SqliteIngestLog(o.role === 'api' ? o.file('ingest-log', { synchronous: 'FULL' }) : o.file('ingest-log', { synchronous: 'NORMAL', cacheMiB: READER_CACHE_MIB })),
    postgres: (o) => PgIngestLog.open(o),
  },
  failedRecords: { sqlite: (o) => new SqliteFailedRecordsStore(o.file('failed-records'), o.clock), postgres: (o) => PgFailedRecordsStore.open(o) },
  // beside failed records (the lake's diagnostics file): what the profile step could not place
  notIngested: { sqlite: (o) => new SqliteNotIngestedStore(o.file('failed-records'), o.clock), postgres: (o) => PgNotIngestedStore.open(o) },
  seenIds: { sqlite: (o) => new SqliteSeenIds(o.file('failed-records')), postgres: (o) => PgSeenIds.open(o) },
  sourceState: { sqlite: (o) => new SqliteSourceStateStore(o.file('sources')), postgres: (o) => PgSourceStateStore.open(o) },
  lake: { sqlite: (o) => Lake.open(o.dataDir), postgres: (o) => Lake.open(o.dataDir) },
  identityGraph: {
    sqlite: (o) => new SqliteIdentityStore(o.role === 'processor' ? o.file('identity') : o.file('identity', { cacheMiB: READER_CACHE_MIB })),
    postgres: (o) => PgIdentityStore.open(o),
  },
  // the processor writes profile.db; other threads read it (a reader's page cache)
  profileStore: {
    sqlite: (o) => new SqliteProfileStore(o.role === 'processor' ? o.file('profile') : o.file('profile', { cacheMiB: READER_CACHE_MIB })),
    postgres: (o) => PgProfileStore.open(o),
  },
  segmentStore: { sqlite: (o) => new SqliteSegmentStore(o.file('segment')), postgres: (o) => PgSegmentStore.open(o) },
  membershipReader: {
    sqlite: (o) => new SqliteMembershipReader(o.file('segment', { cacheMiB: READER_CACHE_MIB })),
    postgres: async (o) => new PgMembershipReader(o.pool, o.schema),
  },
  journeyStore: { sqlite: (o) => new SqliteJourneyStore(o.file('journey')), postgres: (o) => PgJourneyStore.open(o) },
  gatewayRejections: { sqlite: (o) => new SqliteRejectionStore(o.file('gateway')), postgres: (o) => PgRejectionStore.open(o) },
  // beside failed records (the processor's diagnostics file): one write per lake group and per downstream marker
  runMetrics: { sqlite: (o) => new SqliteRunMetricsStore(o.file('failed-records')), postgres: (o) => PgRunMetricsStore.open(o) },
};

/**
 * As the SQLite files' `synchronous`: the API's commits are the acks and wait for the WAL flush (FULL); the
 * processor's are replayed from the log after a crash of the database server (idempotent steps, the seen mark read
 * back from the lake), so they do not wait for it (NORMAL; the server flushes within a second, well inside the
 * log's retention age).
 */
const SYNCHRONOUS_COMMIT: Record<ThreadRole, 'on' | 'off'> = { api: 'on', processor: 'off', segmentation: 'on', reader: 'on', cli: 'on' };

/** A thread's pool: its size, its name in pg_stat_activity, and its commit durability (SYNCHRONOUS_COMMIT). */
export function poolConfig(cfg: StorageConfig, role: ThreadRole): pg.PoolConfig {
  return {
    connectionString: cfg.databaseUrl,
    max: cfg.databasePoolMax ?? 10,
    application_name: `kith ${role}`,
    connectionTimeoutMillis: 10_000,
    options: `-c synchronous_commit=${SYNCHRONOUS_COMMIT[role]}`,
  };
}

export interface Storage<R extends ThreadRole> {
  kind: 'sqlite' | 'postgres';
  role: R;
  /** The role's stores, and the extras asked for (absent unless asked). */
  stores: StoresOf<R> & Partial<Stores>;
  /** Names of the SQLite files this thread opened (none on PostgreSQL): what a WAL checkpointer serves. */
  sqliteFiles: readonly string[];
  /** A background checkpointer serves these files: their writers here keep only a far fallback (no-op on PostgreSQL). */
  checkpointsInBackground(names: readonly string[]): void;
  /** Closes every store, then the files or the pool; idempotent. */
  close(): Promise<void>;
}

/**
 * The one place a thread opens its stores: SQLite files in the data directory, or one pg.Pool for the thread and the
 * PostgreSQL adapters (tables migrated on open). Code below it gets ports and never opens a database by name.
 */
export async function openStorage<R extends ThreadRole>(cfg: StorageConfig, role: R, opts: StorageOptions = {}): Promise<Result<Storage<R>, string>> {
  // extras first: a SQLite file is opened with its first opener's settings (a writer's before a reader's)
  const names: ReadonlyArray<keyof Stores> = [...new Set([...(opts.extra ?? []), ...ROLE_STORES[role]])];
  const base: Opening = { role, clock: opts.clock ?? systemClock, dataDir: cfg.dataDir };
  const opened: Array<Stores[keyof Stores]> = [];
  const stores = {} as Record<keyof Stores, unknown>;
  const closeStores = async () => {
    for (const s of opened.reverse()) if ('close' in s && typeof s.close === 'function') await (s.close as () => Promise<void>).call(s);
  };
  if (cfg.databaseUrl === undefined) {
    const files = new Map<string, SqliteDb>();
    const o: SqliteOpening = {
      ...base,
      file: (name, fileOpts) => {
        let db = files.get(name);
        if (!db) files.set(name, (db = openSqlite(cfg.dataDir, name, fileOpts)));
        return db;
      },
    };
    const closeFiles = () => {
      for (const db of files.values()) if (db.open) db.close();
    };
    try {
      for (const n of names) {
        const s = await OPENERS[n].sqlite(o);
        opened.push(s);
        stores[n] = s;
      }
    } catch (e) {
      await closeStores().catch(() => undefined);
      closeFiles();
      return err(`cannot open the stores in ${cfg.dataDir}: ${(e as Error).message}`);
    }
    let closing: Promise<void> | undefined;
    return ok({
      kind: 'sqlite',
      role,
      stores: stores as unknown as StoresOf<R> & Partial<Stores>,
      sqliteFiles: [...files.keys()],
      checkpointsInBackground(list) {
        for (const n of list) files.get(n)?.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
      },
      close: () => (closing ??= closeStores().finally(closeFiles)),
    });
  }

  const where = redactUrl(cfg.databaseUrl);
  const pool = new pg.Pool(poolConfig(cfg, role));
  // an idle connection the server dropped: the pool replaces it at the next checkout; without a listener it would end the process
  pool.on('error', (e) => opts.onPoolError?.(e));
  const schema = cfg.databaseSchema;
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    return err(`cannot connect to PostgreSQL at ${where}: ${(e as Error).message}`);
  }
  try {
    if (schema !== undefined)
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((e: unknown) => {
        // two threads creating it at once: the loser sees a unique violation
        if ((e as { code?: string }).code !== '23505') throw e;
      });
    const o: PgOpening = { ...base, pool, ...(schema !== undefined ? { schema } : {}) };
    for (const n of names) {
      const s = await OPENERS[n].postgres(o);
      opened.push(s);
      stores[n] = s;
    }
  } catch (e) {
    await closeStores().catch(() => undefined);
    await pool.end().catch(() => undefined);
    return err(`cannot open the stores on PostgreSQL at ${where}: ${(e as Error).message}`);
  }
  let closing: Promise<void> | undefined;
  return ok({
    kind: 'postgres',
    role,
    stores: stores as unknown as StoresOf<R> & Partial<Stores>,
    sqliteFiles: [],
    checkpointsInBackground() {},
    close: () =>
      (closing ??= (async () => {
        try {
          await closeStores();
        } finally {
          await pool.end();
        }
      })()),
  });
}

export interface StorageOptions {
  clock?: Clock;
  onPoolError?: (e: Error) => void;
  /** Stores this thread opens beyond its role's (a processor running segmentation inline: `segmentStore`). */
  extra?: ReadonlyArray<keyof Stores>;
}

/** openStorage at a process edge (a thread's root, the CLI): a failure is fatal, with its message. */
export async function openStorageOrThrow<R extends ThreadRole>(cfg: StorageConfig, role: R, opts: StorageOptions = {}): Promise<Storage<R>> {
  const r = await openStorage(cfg, role, opts);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
