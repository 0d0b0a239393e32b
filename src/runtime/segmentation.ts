import { parentPort, workerData } from 'node:worker_threads';
import { checkpointInBackground } from '../store/sqlite/open.js';
import { openStorageOrThrow, type StorageConfig } from './storage.js';
import { systemClock } from '../shared/clock.js';
import { createProfileContext } from '../profile/wiring.js';
import { createSegmentContext } from '../segment/wiring.js';
import { DuckDbBatchEvaluator } from '../segment/batch-sql.js';
import { backgroundCheckpointsEnabled } from '../store/sqlite/checkpointer.js';
import { ForwardedIdentityResolver } from '../segment/worker/forwarded-identity-resolver.js';
import type { FromSegmentWorker, SegmentHostServiceMap, SegmentWorkerServiceMap, ToSegmentWorker } from '../segment/worker/protocol.js';
import { RpcClient, RpcServer } from '../shared/rpc.js';
import { threadMetrics } from '../metrics/thread-metrics.js';
import { exitOnUncaught, throwUncaught } from '../shared/thread-failure.js';

/**
 * The segmentation thread's root (entry: segmentation-boot.mjs; started by the processor thread, which owns the identity graph and the lake).
 * It owns segment.db (memberships, which profiles show from there), reads profile.db through its own connection, and
 * gets profile changes, with the graph view of each changed identity, from the
 * processor in the order the profile service emitted them.
 */
const { storage: storageConfig } = workerData as { storage: StorageConfig };
const { dataDir } = storageConfig;
const port = parentPort!;
const post = (m: FromSegmentWorker) => port.postMessage(m);

// the processor thread's services (the graph, the lake); its replies come back on the same port
const hostRpc = new RpcClient<SegmentHostServiceMap>(post, { peer: 'processor' });
const host = hostRpc.remote;

// started by the processor thread, whose checkpointer thread serves profile.db and segment.db
checkpointInBackground(backgroundCheckpointsEnabled());
const storage = await openStorageOrThrow(storageConfig, 'segmentation', {
  onPoolError: (e) => post({ type: 'error', message: `a PostgreSQL connection was lost (the pool opens another): ${e.message}` }),
});
const { resources } = storage.stores;
/** Sandboxes seen in changes since the last report, and those reported without definitions. */
const seenSandboxes = new Set<string>();
const reportedEmpty = new Set<string>();
const identities = new ForwardedIdentityResolver(host.identities);
// profile.db is the processor's to write: this thread reads it (the storage factory opens it with a reader's cache)
const profile = createProfileContext({ resources, clock: systemClock, identities, store: storage.stores.profileStore });
const segments = createSegmentContext({
  dataDir,
  resources,
  clock: systemClock,
  profile,
  lake: host.lake,
  batchSql: new DuckDbBatchEvaluator(),
  beforeBackfill: async (sandboxId) => {
    reportedEmpty.delete(sandboxId);
    await host.host.activate(sandboxId);
  },
  exportTarget: host.export,
  store: storage.stores.segmentStore,
});
const report = (e: unknown) => post({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
segments.runtime.onError = report;

// progress for the processor's back-pressure: on every batch, and while a backlog drains; sandboxes found to have
// no definitions are reported so the processor stops forwarding their changes
let received = 0;
let lastBacklog = -1;
const progress = () => {
  const empty: string[] = [];
  for (const sb of seenSandboxes)
    if (!reportedEmpty.has(sb) && segments.definitions.knownEmpty(sb)) {
      reportedEmpty.add(sb);
      empty.push(sb);
    }
  seenSandboxes.clear();
  if (empty.length) post({ type: 'empty', sandboxIds: empty });
  const backlog = segments.runtime.backlog();
  if (backlog === lastBacklog && backlog === 0) return;
  lastBacklog = backlog;
  post({ type: 'progress', received, backlog });
};
const timer = setInterval(progress, 10);

// an error nothing caught: no more work is taken, a running batch job's DuckDB query ends, and the thread ends
// WITHOUT marking segment.db closed: the replacement re-evaluates every profile (see createSegmentContext), so what
// this worker was handed is not lost
const failing = exitOnUncaught(
  (message) => report(new Error(`segmentation ${message}`)),
  async () => {
    clearInterval(timer);
    segments.runtime.stop();
    await segments.jobs.idle();
  },
);

let stopped = false;
const server = new RpcServer<SegmentWorkerServiceMap>({
  segments: segments.api,
  metrics: threadMetrics('segmentation'),
  worker: {
    stop: async () => {
      clearInterval(timer);
      await segments.close();
      profile.close();
      await storage.close();
      stopped = true;
    },
  },
});
port.on('message', (m: ToSegmentWorker) => {
  if (failing()) return;
  switch (m.type) {
    case 'fault':
      return throwUncaught();
    case 'changes':
      for (const it of m.items) {
        if (it.view) identities.learn(it.view);
        seenSandboxes.add(it.change.sandboxId);
        segments.runtime.onProfileChange(it.change);
      }
      received += m.items.length;
      lastBacklog = -1;
      progress();
      return;
    case 'profile-config':
      profile.mergePolicies.forgetCaches();
      profile.computedAttributes.forgetCaches();
      return;
    case 'rpc-reply':
      return hostRpc.receive(m);
    case 'rpc-call':
      // answer() replies with an error instead of rejecting; after `worker.stop` the port closes once it replied
      void server.answer(m, post).then(() => stopped && port.close());
  }
});

post({ type: 'ready' });
