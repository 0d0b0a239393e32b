import { parentPort, workerData } from 'node:worker_threads';
import { checkpointInBackground } from '../store/sqlite/open.js';
import { backgroundCheckpointsEnabled } from '../store/sqlite/checkpointer.js';
import { openStorageOrThrow, type StorageConfig } from './storage.js';
import { systemClock } from '../shared/clock.js';
import { exitOnUncaught, throwUncaught } from '../shared/thread-failure.js';
import { createReaderContext, type FromReader, type ReaderWorkerServiceMap, type ToReader } from './reader-services.js';
import { threadMetrics } from '../metrics/thread-metrics.js';

/**
 * A reader thread's root (entry: reader-boot.mjs; started by the API thread, runtime/reader-host.ts): profile lookups
 * served from this thread's own read connections (reader-services.ts), so they never wait for the processor
 * thread's chunks. It writes nothing of its own (a sandbox's default merge policy, created on first use, aside).
 */
const { storage: storageConfig } = workerData as { storage: StorageConfig };
const port = parentPort!;
const post = (m: FromReader) => port.postMessage(m);

// the processor thread's checkpointer serves the files this thread opens
checkpointInBackground(backgroundCheckpointsEnabled());
const storage = await openStorageOrThrow(storageConfig, 'reader', {
  onPoolError: (e) => post({ type: 'error', message: `a PostgreSQL connection was lost (the pool opens another): ${e.message}` }),
});
const ctx = createReaderContext({ stores: storage.stores, clock: systemClock });

const closeAll = async () => {
  ctx.close();
  await storage.close();
};
// an error nothing caught: the thread ends and the API thread starts another (nothing here is state of its own)
const failing = exitOnUncaught(
  (message) => post({ type: 'error', message: `reader ${message}` }),
  () => closeAll(),
);

let stopped = false;
const server = ctx.rpc.extend<Pick<ReaderWorkerServiceMap, 'worker' | 'metrics'>>({
  // with KITH_READER_THREADS > 1 the readers' figures are summed under thread="reader"
  metrics: threadMetrics('reader'),
  worker: {
    stop: async () => {
      await closeAll();
      stopped = true;
    },
  },
});
port.on('message', (m: ToReader) => {
  if (failing()) return;
  if (m.type === 'fault') return throwUncaught();
  // answer() replies with an error instead of rejecting; after `worker.stop` the port closes once it replied
  void server.answer(m, post).then(() => stopped && port.close());
});

post({ type: 'ready' });
