import type { LakeProcessor, LakeProcessorOptions } from '../ingest/processor/lake-processor.js';
import type { RecordSink } from '../ingest/processor/processor-ports.js';
import { createLakeProcessor, type LakeStores, type PipelineServices } from '../ingest/processor/pipeline-factory.js';
import type { StorageConfig, Stores, StoresOf } from './storage.js';
import type { PipelineServiceMap } from '../ingest/processor/pipeline-services.js';
import { datasetDirectory } from '../ingest/wiring.js';
import type { Lake } from '../lake/lake.js';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.js';
import { NamespaceService } from '../identity/namespaces.js';
import { IdentityService } from '../identity/identity-service.js';
import { IdentitySink } from '../identity/identity-sink.js';
import { createProfileContext, type ProfileContext } from '../profile/wiring.js';
import { IdentityServiceResolver } from '../profile/identity-service-adapter.js';
import { ProfileSink } from '../profile/profile-sink.js';
import { NotIngestedReplay } from '../profile/not-ingested-replay.js';
import { createSegmentContext, type SegmentContext } from '../segment/wiring.js';
import { DuckDbBatchEvaluator } from '../segment/batch-sql.js';
import { SegmentHost } from '../segment/worker/segment-host.js';
import type { ExportTarget } from '../segment/audience-service.js';
import { TABLE_TAG } from '../catalog/catalog-types.js';
import { RpcServer } from '../shared/rpc.js';
import type { SchemaRegistry } from '../schema/schema-registry.js';
import { LakeTableSpace } from '../query/tables/lake-table-space.js';
import { DuckdbQueryEngine } from '../query/engine/duckdb-query-engine.js';
import { createJourneyContext, type JourneyContext } from '../journey/wiring.js';
import { SYSTEM_KIND, type SegmentSystemDatasets } from '../segment/segment-types.js';
import { allSandboxes } from '../sandbox/all-sandboxes.js';
import { createModelContext } from '../model/wiring.js';
import type { ModelRunner } from '../model/model-runner.js';
import { RunRecorder } from '../flow/runs/run-recorder.js';
import { NotPlacedOffsets } from '../ingest/processor/run-tally.js';
import { threadMetrics } from '../metrics/thread-metrics.js';
import { watchSegmentationBacklog } from '../metrics/pipeline-metrics.js';

export interface Pipeline {
  processor: LakeProcessor;
  lake: Lake;
  identity: IdentityService;
  identitySink: IdentitySink;
  profile: ProfileContext;
  /** Segmentation on this thread (inline pipelines); undefined when it runs in its own worker. */
  segments?: SegmentContext;
  journeys: JourneyContext;
  /** Model training and scoring (schedules, queued runs). */
  models: ModelRunner;
  /** Serves the pipeline-owned services to other threads (and, through `local()`, to this one). */
  rpc: RpcServer<PipelineServiceMap>;
  close(): Promise<void>;
}

/**
 * Composes what the processor's thread owns: the lake processor over its stores (opened by the caller, which closes
 * them after `close()`), then identity, profile and segmentation (here, or in its own worker fed by this thread).
 * Used by the processor thread (processor.ts) and inline on the API thread (tests with a manual clock).
 */
export async function createPipeline(
  storage: StorageConfig,
  /** The processor's stores; `segmentStore` too when segmentation runs inline. */
  opened: StoresOf<'processor'> & Partial<Stores>,
  /** The registry itself (the Query Service creates the schemas of CREATE TABLE AS datasets). */
  s: PipelineServices & { schemas: SchemaRegistry },
  hooks: {
    onLanded: (sandboxId: string, schemaId: string) => Promise<void>;
    onError: (e: unknown) => void;
    onBatchTouched?: (sandboxId: string, datasetId: string) => void;
    /** Next steps after the lake (identity, profile). */
    sink?: RecordSink;
  },
  opts: Partial<LakeProcessorOptions> = {},
  /** 'worker': segmentation runs in its own thread (the processor's thread is the busiest one). */
  segmentation: 'inline' | 'worker' = 'inline',
): Promise<Pipeline> {
  const { dataDir } = storage;
  const { lake, notIngested } = opened;
  const stores: LakeStores = { log: opened.ingestLog, lake, failed: opened.failedRecords, seen: opened.seenIds, notIngested };
  const namespaces = new NamespaceService(s.resources, s.clock);
  const identity = new IdentityService(opened.identityGraph, s.resources, namespaces, s.clock);
  const identities = new IdentityServiceResolver(identity);
  const profile = createProfileContext({ resources: s.resources, clock: s.clock, identities, store: opened.profileStore });
  const exportTarget: ExportTarget = {
    tableOf: async (sandboxId, datasetId) => (await s.catalog.getDataset(sandboxId, datasetId))?.tags[TABLE_TAG]?.[0],
    append: (sandboxId, table, batchId, records) =>
      lake.appendRecords(sandboxId, table, records.map((r) => ({ id: r.id, timestamp: null, batchId, offset: 0, ingestedAt: s.clock.now(), record: r.record }))),
  };
  // segmentation listens to profile changes (streaming), owns timers and writes audience events to the lake: here
  // (inline pipelines, tests with a manual clock) or in its own worker, fed by this thread
  let segments: SegmentContext | undefined;
  let host: SegmentHost | undefined;
  let unforward: (() => void) | undefined;
  if (segmentation === 'worker') {
    host = await SegmentHost.start({ dataDir, storage, identities, lake, exportTarget, memberships: opened.membershipReader, onError: (m) => hooks.onError(new Error(m)) });
    // the entities API (served on this thread) shows the memberships the worker commits to segment.db
    profile.profiles.useMemberships(host.memberships);
    unforward = profile.profiles.onProfileChange(host.onProfileChange);
  } else {
    if (!opened.segmentStore) throw new Error('segmentation inline needs the segment store (openStorage extra: segmentStore)');
    segments = createSegmentContext({ dataDir, resources: s.resources, clock: s.clock, profile, lake, batchSql: new DuckDbBatchEvaluator(), exportTarget, store: opened.segmentStore });
    segments.runtime.onError = (e) => hooks.onError(e);
  }
  // journeys read profiles and memberships, take the events after the profile step, write step events to the lake
  const sandboxIds = (await allSandboxes(s.resources, s.clock)).map((sb) => sb.id);
  const journeys = await createJourneyContext({
    store: opened.journeyStore,
    resources: s.resources,
    catalog: s.catalog,
    clock: s.clock,
    lake,
    profiles: profile.profiles,
    computedAttributes: profile.computedAttributes,
    memberships: opened.membershipReader,
    audienceTableOf: async (sb) => (await s.resources.get<SegmentSystemDatasets>(SYSTEM_KIND, sb, 'datasets'))?.doc.eventsTable,
    sandboxIds,
    onError: (e) => hooks.onError(e),
    ...(storage.smtpUrl ? { smtpUrl: storage.smtpUrl } : {}),
  });
  // models read the lake here and write their scores into profiles here
  const models = await createModelContext({ resources: s.resources, clock: s.clock, lake, catalog: s.catalog, profiles: profile.profiles, computedAttributes: profile.computedAttributes, onError: (e) => hooks.onError(e) });
  let profileSink: ProfileSink | undefined;
  // identity first (links), then profile (fragments and events of the primary identity), then whatever comes next
  const identitySink = new IdentitySink(identity, s.schemas, { accept: (records) => profileSink!.accept(records) });
  // back-pressure: the processor moves on only while segmentation is less than 20,000 changes behind
  const afterProfile: RecordSink = {
    accept: async (records) => {
      if (host) await host.caughtUp(20_000);
      else await segments!.runtime.caughtUp(20_000);
      // before the downstream marker moves: a crash re-delivers, the journey inbox drops what it already has
      await journeys.feed(records);
      await hooks.sink?.accept(records);
    },
  };
  // dataflow run counts: the profile step's not-ingested records are seen on their way to their store
  const notPlaced = new NotPlacedOffsets(notIngested);
  profileSink = new ProfileSink(identity, identitySink, profile.profiles, afterProfile, notPlaced.sink);
  const runs = { counter: new RunRecorder(opened.runMetrics, s.flow, s.clock), notPlaced: () => notPlaced.take() };
  // the Query Service's typed tables follow the lake's commits; its engine runs SQL on the lake's instance
  const tables = LakeTableSpace.create({ lake, catalog: s.catalog, schemas: s.schemas, clock: s.clock, onError: hooks.onError });
  await tables.start();
  tables.warm(sandboxIds);
  const query = DuckdbQueryEngine.create({ lake, tables });
  const processor = createLakeProcessor(stores, s, { onLanded: hooks.onLanded, onError: hooks.onError, onBatchTouched: hooks.onBatchTouched, sink: identitySink, runs }, opts);
  // Prometheus: this thread's metrics and, through its host, the segmentation thread's
  const own = threadMetrics('processor');
  if (host) watchSegmentationBacklog(() => host.pending());
  const metrics = {
    json: async (): Promise<unknown[]> => [await own.json(), ...(host ? [await host.remote.metrics.json().catch(() => [])] : [])],
  };
  const rpc = new RpcServer<PipelineServiceMap>(
    {
      notIngestedReplay: new NotIngestedReplay(notIngested, datasetDirectory(s.catalog), identitySink, (fn) => processor.exclusive(fn), s.clock),
      identity,
      namespaces,
      profiles: profile.profiles,
      mergePolicies: profile.mergePolicies,
      computedAttributes: profile.computedAttributes,
      jobs: profile.jobs,
      profileStore: profile.store,
      // in the segmentation worker when it has its own thread (the host flushes forwarded changes first)
      segments: host ? host.remote.segments : segments!.api,
      query,
      journeys: journeys.api,
      models,
      metrics,
    },
    // the worker's copies of merge policies and computed attributes are cached: tell it they may have changed
    (service) => {
      if (host && (service === 'mergePolicies' || service === 'computedAttributes')) host.profileConfigChanged();
    },
  );
  return {
    processor,
    lake,
    identity,
    identitySink,
    profile,
    segments,
    journeys,
    models,
    rpc,
    async close() {
      await query.close();
      await tables.close();
      await processor.stop();
      await journeys.close();
      await models.close();
      unforward?.();
      watchSegmentationBacklog(undefined);
      if (host) profile.profiles.useMemberships(undefined);
      await host?.close();
      await identity.checkpoint();
      await segments?.close();
      profile.close();
    },
  };
}
