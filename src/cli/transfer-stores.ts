import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Transferable } from '../store/transfer.js';
import { openStorage, type StorageConfig, type Stores } from '../runtime/storage.js';

/** A store `kith export` / `kith import` moves: its name in a dump, its port in the storage factory, its SQLite file. */
interface TransferEntry {
  name: string;
  store: keyof Stores;
  /** The data directory's file (`<file>.db`) that holds it on SQLite. */
  file: string;
}

/** Every store that moves, in import order: all of a deployment's state but the lake (DuckDB files, copied). */
export const TRANSFER_STORES: readonly TransferEntry[] = [
  { name: 'resources', store: 'resources', file: 'control' },
  { name: 'ingest-log', store: 'ingestLog', file: 'ingest-log' },
  { name: 'failed-records', store: 'failedRecords', file: 'failed-records' },
  { name: 'not-ingested', store: 'notIngested', file: 'failed-records' },
  { name: 'seen-ids', store: 'seenIds', file: 'failed-records' },
  { name: 'source-state', store: 'sourceState', file: 'sources' },
  { name: 'identity', store: 'identityGraph', file: 'identity' },
  { name: 'profile', store: 'profileStore', file: 'profile' },
  { name: 'segment', store: 'segmentStore', file: 'segment' },
  { name: 'journey', store: 'journeyStore', file: 'journey' },
  { name: 'gateway-rejections', store: 'gatewayRejections', file: 'gateway' },
  { name: 'flow-runs', store: 'runMetrics', file: 'failed-records' },
];

export interface TransferStores {
  stores: Transferable[];
  close(): Promise<void>;
}

const isTransferable = (s: unknown): s is Transferable =>
  typeof s === 'object' && s !== null && typeof (s as Transferable).exportRows === 'function' && typeof (s as Transferable).importRows === 'function';

/**
 * Opens every store of TRANSFER_STORES through the storage factory (runtime/storage.ts, role 'cli' with the moved
 * stores as extras): the data directory's SQLite files, or PostgreSQL when `cfg.databaseUrl` is set (tables migrated
 * as at start). Fails, with the factory's message, when the storage cannot be opened.
 */
export async function openTransferStores(cfg: StorageConfig): Promise<TransferStores> {
  const opened = await openStorage(cfg, 'cli', { extra: TRANSFER_STORES.map((e) => e.store) });
  if (!opened.ok) throw new Error(opened.error);
  const storage = opened.value;
  try {
    const stores = TRANSFER_STORES.map((e) => {
      const s = storage.stores[e.store];
      if (!isTransferable(s)) throw new Error(`store ${e.name}: its ${storage.kind} adapter cannot export or import`);
      if (s.transferName !== e.name) throw new Error(`store ${e.name}: its adapter calls itself ${s.transferName}`);
      return s;
    });
    return { stores, close: () => storage.close() };
  } catch (e) {
    await storage.close();
    throw e;
  }
}

/** The data directory's files of the moved stores. */
export const storeFiles = (): string[] => [...new Set(TRANSFER_STORES.map((e) => `${e.file}.db`))];

/** True when the folder holds any file a moved store lives in. */
export const holdsStoreFiles = (dataDir: string): boolean => storeFiles().some((f) => existsSync(join(dataDir, f)));
