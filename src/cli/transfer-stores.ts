import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openSqlite, type SqliteDb } from '../store/sqlite/open.js';
import type { Transferable } from '../store/transfer.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { PgResourceStore } from '../store/postgres/pg-resource-store.js';
import { SqliteIngestLog } from '../ingest/log/sqlite-ingest-log.js';
import { PgIngestLog } from '../ingest/log/pg-ingest-log.js';
import { SqliteFailedRecordsStore } from '../lake/sqlite-failed-records-store.js';
import { PgFailedRecordsStore } from '../lake/pg-failed-records-store.js';
import { SqliteNotIngestedStore } from '../lake/sqlite-not-ingested-store.js';
import { PgNotIngestedStore } from '../lake/pg-not-ingested-store.js';
import { SqliteSeenIds } from '../lake/sqlite-seen-ids.js';
import { PgSeenIds } from '../lake/pg-seen-ids.js';
import { SqliteSourceStateStore } from '../sources/http/sqlite-source-state-store.js';
import { PgSourceStateStore } from '../sources/http/pg-source-state-store.js';

/** A store `kith export` / `kith import` moves: its SQLite adapter on a data directory's file, its PostgreSQL adapter on a pool. */
interface TransferEntry {
  name: string;
  /** The data directory's file (`<file>.db`) that holds it. */
  file: string;
  sqlite(db: SqliteDb): Transferable & { close?(): Promise<void> };
  postgres(pool: pg.Pool): Promise<Transferable>;
}

/** Every store that moves, in import order. A store with both adapters is one entry here. */
export const TRANSFER_STORES: readonly TransferEntry[] = [
  { name: 'resources', file: 'control', sqlite: (db) => new SqliteResourceStore(db), postgres: (pool) => PgResourceStore.open({ pool }) },
  { name: 'ingest-log', file: 'ingest-log', sqlite: (db) => new SqliteIngestLog(db), postgres: (pool) => PgIngestLog.open({ pool }) },
  { name: 'failed-records', file: 'failed-records', sqlite: (db) => new SqliteFailedRecordsStore(db), postgres: (pool) => PgFailedRecordsStore.open({ pool }) },
  { name: 'not-ingested', file: 'failed-records', sqlite: (db) => new SqliteNotIngestedStore(db), postgres: (pool) => PgNotIngestedStore.open({ pool }) },
  { name: 'seen-ids', file: 'failed-records', sqlite: (db) => new SqliteSeenIds(db), postgres: (pool) => PgSeenIds.open({ pool }) },
  { name: 'source-state', file: 'sources', sqlite: (db) => new SqliteSourceStateStore(db), postgres: (pool) => PgSourceStateStore.open({ pool }) },
];

export type TransferTarget = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string };

export interface TransferStores {
  stores: Transferable[];
  close(): Promise<void>;
}

/**
 * Opens every store of TRANSFER_STORES on a data directory or a PostgreSQL database (tables created as at start).
 * The one place `kith export` / `kith import` open storage; the runtime's storage factory can take its place.
 */
export async function openTransferStores(target: TransferTarget): Promise<TransferStores> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.url, max: 2 });
    try {
      const stores: Transferable[] = [];
      for (const e of TRANSFER_STORES) stores.push(named(e, await e.postgres(pool)));
      return { stores, close: () => pool.end() };
    } catch (e) {
      await pool.end();
      throw e;
    }
  }
  const dbs = new Map<string, SqliteDb>();
  const opened: Array<Transferable & { close?(): Promise<void> }> = [];
  for (const e of TRANSFER_STORES) {
    let db = dbs.get(e.file);
    if (!db) dbs.set(e.file, (db = openSqlite(target.dataDir, e.file, e.file === 'ingest-log' ? { synchronous: 'FULL' } : {})));
    opened.push(named(e, e.sqlite(db)));
  }
  return {
    stores: opened,
    close: async () => {
      for (const s of opened) await s.close?.();
      for (const db of dbs.values()) db.close();
    },
  };
}

function named<T extends Transferable>(e: TransferEntry, s: T): T {
  if (s.transferName !== e.name) throw new Error(`store ${e.name}: its adapter calls itself ${s.transferName}`);
  return s;
}

/** The data directory's files of the moved stores. */
export const storeFiles = (): string[] => [...new Set(TRANSFER_STORES.map((e) => `${e.file}.db`))];

/** True when the folder holds any file a moved store lives in. */
export const holdsStoreFiles = (dataDir: string): boolean => storeFiles().some((f) => existsSync(join(dataDir, f)));
