import { parentPort, workerData } from 'node:worker_threads';
import { checkpointInBackground } from '../store/sqlite/open.js';
import { BackgroundCheckpointer, backgroundCheckpointsEnabled } from '../store/sqlite/checkpointer.js';
import { openStorageOrThrow, type StorageConfig } from './storage.js';
import { SchemaRegistry } from '../schema/schema-registry.js';
import { CatalogService } from '../catalog/catalog-service.js';
import { FlowService } from '../flow/flow-service.js';
import { referenceLookups } from '../flow/flow-references.js';
import { systemClock } from '../shared/clock.js';
import { createPipeline } from './pipeline.js';
import type { WorkerRequest, WorkerEvent } from '../ingest/processor/worker-protocol.js';
import { exitOnUncaught, throwUncaught } from '../shared/thread-failure.js';
import type { ProcessorWorkerControl } from '../ingest/processor/pipeline-services.js';

/**
 * The processor thread's root (entry: processor-boot.mjs): the pipeline (pipeline.ts) in its own thread, so ingestion
 * work never blocks the API's event loop. It opens its own stores (storage.ts: the same data directory or database)
 * and starts the checkpointer thread (the pipeline starts segmentation's); the main thread tells it when schemas or
 * datasets change.
 */
const { storage: storageConfig, baseUrl, options } = workerData as { storage: StorageConfig; baseUrl: string; options: Record<string, number> };
const { dataDir } = storageConfig;
const port = parentPort!;
const post = (e: WorkerEvent) => port.postMessage(e);

// this thread's writers (and the segmentation worker's) leave WAL checkpoints to the checkpointer thread
const backgroundCheckpoints = backgroundCheckpointsEnabled();
checkpointInBackground(backgroundCheckpoints);
const segmentation = process.env.KITH_SEGMENTATION_THREAD === '0' ? 'inline' : 'worker';
const storage = await openStorageOrThrow(storageConfig, 'processor', {
  extra: segmentation === 'inline' ? ['segmentStore'] : [],
  onPoolError: (e) => post({ type: 'error', message: `a PostgreSQL connection was lost (the pool opens another): ${e.message}` }),
});
const { resources } = storage.stores;
const schemas = new SchemaRegistry(resources, systemClock);
const catalog = new CatalogService(resources, schemas, systemClock);
const flow = new FlowService(resources, systemClock, { baseUrl: () => baseUrl, refs: referenceLookups(catalog, schemas) });
const pipeline = await createPipeline(
  storageConfig,
  storage.stores,
  { resources, schemas, catalog, flow, clock: systemClock },
  {
    onLanded: async (sandboxId, schemaId) => {
      await schemas.markInUse(sandboxId, schemaId);
      post({ type: 'landed', sandboxId, schemaId });
    },
    onError: (e) => post({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    onBatchTouched: (sandboxId, datasetId) => post({ type: 'touched', sandboxId, datasetId }),
  },
  options,
  segmentation,
);

/**
 * KITH_CHECKPOINT_INTERVAL_MS when a positive number, else 1,000 ms (a typo must not make the checkpointer spin): a
 * page written several times between two checkpoints is copied once (bench/segment/streaming.ts).
 */
const DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;
function checkpointIntervalMs(): number {
  const v = Number(process.env.KITH_CHECKPOINT_INTERVAL_MS);
  return Number.isFinite(v) && v >= 1 ? v : DEFAULT_CHECKPOINT_INTERVAL_MS;
}

// every SQLite file this thread opened (segment.db too: its read port; the segmentation worker writes it), and the
// API's ingest log (the API thread, runtime/api.ts, hands its checkpoints over too); none on PostgreSQL
// the files whose writers all take the write lock at the start of their transactions (see BackgroundCheckpointer) also
// get their WAL restarted when a steady load keeps it growing: the ingest log (appends begin with an INSERT, markers
// and retention wait or retry), identity.db, profile.db, segment.db and journey.db (IMMEDIATE transactions)
const checkpointed = [...storage.sqliteFiles];
const checkpointer =
  backgroundCheckpoints && checkpointed.length > 0
    ? await BackgroundCheckpointer.start(dataDir, checkpointed, checkpointIntervalMs(), checkpointed.filter((f) => ['ingest-log', 'identity', 'profile', 'segment', 'journey'].includes(f)))
    : undefined;

let last = -2;
const timer = setInterval(() => {
  const p = pipeline.processor.position();
  if (p !== last) {
    last = p;
    post({ type: 'position', offset: p });
  }
}, 20);

// an error nothing caught (a stray callback; the processing loop catches its own): every store is closed in order
// (the loop stops between chunks, segmentation drains what it was handed), then the thread ends and the main thread
// starts a new one, which resumes from the committed offsets
const failing = exitOnUncaught(
  (message) => post({ type: 'error', message: `processor ${message}` }),
  async () => {
    clearInterval(timer);
    await pipeline.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    await checkpointer?.stop();
  },
);

let stopped = false;
const control: ProcessorWorkerControl = {
  drain: () => pipeline.processor.drain(),
  flushBatches: () => pipeline.processor.flushBatches(),
  queryLake: (sandboxId, sql) => pipeline.lake.query(sandboxId, sql),
  stop: async () => {
    clearInterval(timer);
    await pipeline.close();
    await storage.close();
    await checkpointer?.stop();
    stopped = true;
  },
};
const rpc = pipeline.rpc.extend<{ worker: ProcessorWorkerControl }>({ worker: control });

port.on('message', (m: WorkerRequest) => {
  if (failing()) return;
  if (m.type === 'notify') return pipeline.processor.notify();
  if (m.type === 'fault') return throwUncaught();
  if (m.type === 'invalidate') {
    if (m.change.kind === 'schemas') {
      schemas.forget(m.change.sandboxId);
      pipeline.identitySink.forgetSchemas();
    }
    else catalog.forget(m.change.sandboxId, m.change.datasetId);
    return;
  }
  // answer() replies with an error instead of rejecting; after `worker.stop` the port closes once it replied
  void rpc.answer(m, post).then(() => stopped && port.close());
});

pipeline.processor.start();
post({ type: 'ready' });
