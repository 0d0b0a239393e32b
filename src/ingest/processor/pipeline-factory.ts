import type { Clock } from '../../shared/clock.js';
import type { ResourceStore } from '../../store/resource-store.js';
import type { SchemaLookup } from '../../schema/schema-lookup.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { FlowService } from '../../flow/flow-service.js';
import { openSqlite, READER_CACHE_MIB, type SqliteDb } from '../../store/sqlite/open.js';
import { SqliteIngestLog } from '../log/sqlite-ingest-log.js';
import { Lake } from '../../lake/lake.js';
import { SqliteFailedRecordsStore } from '../../lake/sqlite-failed-records-store.js';
import { SqliteSeenIds } from '../../lake/sqlite-seen-ids.js';
import { SqliteNotIngestedStore } from '../../lake/sqlite-not-ingested-store.js';
import { LakeProcessor, type LakeProcessorOptions } from './lake-processor.js';
import type { FailedSink, RecordSink, SeenIds } from './processor-ports.js';
import { batchCatalog, datasetDirectory } from '../wiring.js';

export interface PipelineServices {
  resources: ResourceStore;
  schemas: SchemaLookup;
  catalog: CatalogService;
  flow: FlowService;
  clock: Clock;
}

/** The lake processor's own stores over a data directory: the log it reads, the lake it writes, its diagnostics. */
export interface LakeStores {
  log: SqliteIngestLog;
  lake: Lake;
  failed: FailedSink;
  /** The `_id`s already landed (dedupe). */
  seen: SeenIds;
  /** What the profile step could not place (beside failed records, the lake's diagnostics file). */
  notIngested: SqliteNotIngestedStore;
  close(): Promise<void>;
}

export async function openLakeStores(dataDir: string, clock: Clock): Promise<LakeStores> {
  const dbs: SqliteDb[] = [];
  // The processor only reads the log and moves its progress markers; appends (the acks) are made, fsynced, by the
  // API's connection. A marker lost to a power cut only replays entries, and every step is idempotent under replay,
  // so this connection does not fsync each commit.
  // reads what the API thread appends (and stores markers): a reader's cache (see openSqlite)
  const logDb = openSqlite(dataDir, 'ingest-log', { synchronous: 'NORMAL', cacheMiB: READER_CACHE_MIB });
  dbs.push(logDb);
  const log = new SqliteIngestLog(logDb);
  const failedDb = openSqlite(dataDir, 'failed-records');
  dbs.push(failedDb);
  const failed = new SqliteFailedRecordsStore(failedDb);
  const seen = new SqliteSeenIds(failedDb);
  // beside failed records (the lake's diagnostics file): what the profile step could not place
  const notIngested = new SqliteNotIngestedStore(failedDb, clock);
  const lake = await Lake.open(dataDir);
  return {
    log,
    lake,
    failed,
    seen,
    notIngested,
    async close() {
      await log.close();
      await lake.close();
      for (const d of dbs) d.close();
    },
  };
}

/**
 * The lake processor over its stores: validates log entries, writes the lake, and hands accepted records to `sink`
 * (the next steps, composed by the processor thread's root: src/runtime/pipeline.ts).
 */
export function createLakeProcessor(
  stores: LakeStores,
  s: PipelineServices,
  hooks: {
    onLanded: (sandboxId: string, schemaId: string) => Promise<void>;
    onError: (e: unknown) => void;
    onBatchTouched?: (sandboxId: string, datasetId: string) => void;
    sink: RecordSink;
  },
  opts: Partial<LakeProcessorOptions> = {},
): LakeProcessor {
  const { log, lake, failed, seen, notIngested } = stores;
  const batches = batchCatalog(s.catalog);
  const touched = hooks.onBatchTouched;
  return new LakeProcessor(
    {
      log,
      lake,
      failed,
      seen,
      catalog: touched
        ? {
            createBatch: async (sb, input, actor) => {
              const b = await batches.createBatch(sb, input, actor);
              touched(sb, input.datasetId);
              return b;
            },
            getBatch: batches.getBatch,
            updateBatch: async (sb, id, patch) => {
              const b = await batches.updateBatch(sb, id, patch);
              if (b) touched(sb, b.datasetId);
              return b;
            },
          }
        : batches,
      state: s.resources,
      clock: s.clock,
      datasets: datasetDirectory(s.catalog),
      schemas: s.schemas,
      flows: s.flow,
      onLanded: hooks.onLanded,
      onError: hooks.onError,
      sink: hooks.sink,
      notIngested,
    },
    opts,
  );
}
