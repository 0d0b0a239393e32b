import { parentPort, workerData } from 'node:worker_threads';
import { checkpointInBackground, openSqlite } from '../../store/sqlite/open.js';
import { BackgroundCheckpointer, backgroundCheckpointsEnabled } from '../../store/sqlite/checkpointer.js';
import { SqliteResourceStore } from '../../store/sqlite/sqlite-resource-store.js';
import { SchemaRegistry } from '../../schema/schema-registry.js';
import { CatalogService } from '../../catalog/catalog-service.js';
import { FlowService } from '../../flow/flow-service.js';
import { systemClock } from '../../shared/clock.js';
import { createPipeline } from './pipeline-factory.js';
import type { WorkerRequest, WorkerEvent } from './worker-protocol.js';

/**
 * The lake processor in its own thread, so ingestion work never blocks the API's event loop. It opens its own
 * connections to the same data directory; the main thread tells it when schemas or datasets change.
 */
const { dataDir, baseUrl, options } = workerData as { dataDir: string; baseUrl: string; options: Record<string, number> };
const port = parentPort!;
const post = (e: WorkerEvent) => port.postMessage(e);

// this thread's writers (and the segmentation worker's) leave WAL checkpoints to the checkpointer thread
const backgroundCheckpoints = backgroundCheckpointsEnabled();
checkpointInBackground(backgroundCheckpoints);
const controlDb = openSqlite(dataDir, 'control');
const resources = new SqliteResourceStore(controlDb);
const schemas = new SchemaRegistry(resources, systemClock);
const catalog = new CatalogService(resources, schemas, systemClock);
const flow = new FlowService(resources, systemClock, { baseUrl: () => baseUrl });
const pipeline = await createPipeline(
  dataDir,
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
  process.env.KITH_SEGMENTATION_THREAD === '0' ? 'inline' : 'worker',
);

// every file the pipeline writes, and the API's ingest log (server.ts hands its checkpoints over too)
// profile.db and segment.db (IMMEDIATE transactions only) also get their WAL restarted when readers keep it growing
const checkpointer = backgroundCheckpoints
  ? await BackgroundCheckpointer.start(dataDir, ['ingest-log', 'failed-records', 'identity', 'profile', 'segment', 'control'], Number(process.env.KITH_CHECKPOINT_INTERVAL_MS ?? 100), ['profile', 'segment'])
  : undefined;

let last = -2;
const timer = setInterval(() => {
  const p = pipeline.processor.position();
  if (p !== last) {
    last = p;
    post({ type: 'position', offset: p });
  }
}, 20);

/**
 * An error nobody caught (a stray callback; the processing loop catches its own): report it, close every store in
 * order (the processing loop stops between chunks, segmentation drains what it was handed, DuckDB finishes its
 * in-flight work: a thread torn down under it aborts the whole process) and exit; the main thread starts a new
 * worker, which resumes from the committed offsets. At most 10 s, then the thread exits regardless.
 */
let failing = false;
const fail = (e: unknown) => {
  if (failing) return;
  failing = true;
  post({ type: 'error', message: `processor worker failed, restarting: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` });
  clearInterval(timer);
  setTimeout(() => process.exit(1), 10_000).unref();
  void (async () => {
    await pipeline.close().catch(() => undefined);
    controlDb.close();
    await checkpointer?.stop().catch(() => undefined);
  })().finally(() => process.exit(1));
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

port.on('message', async (m: WorkerRequest) => {
  if (failing) return;
  if (m.type === 'notify') return pipeline.processor.notify();
  if (m.type === 'fault') {
    // fault injection (tests of the supervision): an error thrown where nothing catches it
    setImmediate(() => {
      throw new Error('injected fault');
    });
    return;
  }
  if (m.type === 'invalidate') {
    if (m.change.kind === 'schemas') {
      schemas.forget(m.change.sandboxId);
      pipeline.identitySink.forgetSchemas();
    }
    else catalog.forget(m.change.sandboxId, m.change.datasetId);
    return;
  }
  try {
    let value: unknown;
    if (m.op === 'drain') await pipeline.processor.drain();
    else if (m.op === 'flush') await pipeline.processor.flushBatches();
    else if (m.op === 'query') value = await pipeline.lake.query(m.sandboxId!, m.sql!);
    else if (m.op === 'call') value = await pipeline.call(m.method!, m.args ?? []);
    else if (m.op === 'stop') {
      clearInterval(timer);
      await pipeline.close();
      controlDb.close();
      await checkpointer?.stop();
      post({ type: 'reply', id: m.id, ok: true });
      port.close();
      return;
    }
    post({ type: 'reply', id: m.id, ok: true, value });
  } catch (e) {
    post({ type: 'reply', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});

pipeline.processor.start();
post({ type: 'ready' });
