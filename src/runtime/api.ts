import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { baseUrlOf, type KithConfig } from '../config/config.js';
import { backgroundCheckpointsEnabled } from '../store/sqlite/checkpointer.js';
import type { ResourceStore } from '../store/resource-store.js';
import { CredentialService } from '../auth/credentials.js';
import { SandboxService } from '../sandbox/sandbox-service.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { buildApp } from '../http/app.js';
import { healthSchema, ingestStatusSchema, readySchema } from '../http/operations-schemas.js';
import { registerSandboxRoutes } from '../sandbox/routes.js';
import { registerAuthRoutes } from '../auth/routes.js';
import { RejectionRecorder } from '../auth/rejections/rejection-recorder.js';
import { registerRejectionRoutes } from '../auth/rejections/routes.js';
import { SchemaRegistry } from '../schema/schema-registry.js';
import { registerSchemaRoutes } from '../schema/routes.js';
import { CatalogService } from '../catalog/catalog-service.js';
import { registerCatalogRoutes } from '../catalog/routes.js';
import { FlowService } from '../flow/flow-service.js';
import { registerFlowRoutes } from '../flow/routes.js';
import { registerRunRoutes } from '../flow/runs/routes.js';
import { registerMetrics } from '../metrics/api-metrics.js';
import { referenceLookups } from '../flow/flow-references.js';
import { LogRetention } from '../ingest/log/retention.js';
import { PROCESSOR_CONSUMERS } from '../ingest/processor/lake-processor.js';
import type { FailedRecordsStore } from '../lake/failed-records-store.js';
import type { ProcessorHandle } from '../ingest/processor/processor-handle.js';
import { InlineProcessor } from '../ingest/processor/inline-processor.js';
import { WorkerProcessor } from '../ingest/processor/worker-processor.js';
import { createPipeline } from './pipeline.js';
import { openStorageOrThrow, storageConfigOf, type Storage } from './storage.js';
import type { GroupCommitLog } from '../ingest/log/ingest-log.js';
import { InlineReader, WorkerReaders, type ReaderHandle } from './reader-host.js';
import { readsOnReader } from './reader-routing.js';
import type { RecordSink } from '../ingest/processor/processor-ports.js';
import { CollectionService } from '../ingest/collection/collection-service.js';
import { registerCollectionRoutes } from '../ingest/collection/routes.js';
import { BatchImportService } from '../ingest/batch-import/batch-import-service.js';
import { registerBatchImportRoutes } from '../ingest/batch-import/routes.js';
import { registerFailedRecordRoutes } from '../ingest/failed/failed-records-routes.js';
import { notIngestedStatus, notIngestedStatusSchema, registerNotIngestedRoutes } from '../ingest/failed/not-ingested-routes.js';
import { ctxOf } from '../http/request-context.js';
import { obj } from '../http/schemas.js';
import { batchCatalog, datasetDirectory, logAppender } from '../ingest/wiring.js';
import { DiskGuard, installDiskGuard } from '../ingest/disk-guard.js';
import { SourceKeyExpiry } from '../sources/http/source-key-expiry.js';
import { SourceProvisioner } from '../sources/http/source-provisioner.js';
import { SourceSink } from '../sources/http/source-sink.js';
import { registerShopifyWebhookRoutes } from '../sources/http/shopify-webhooks.js';
import { registerShopifyAppRoutes } from '../sources/http/shopify-app.js';
import { registerSegmentRoutes } from '../sources/http/segment-routes.js';
import { registerEdgeRoutes } from '../sources/http/edge-routes.js';
import { recordRoutingLookup } from '../sources/http/record-routing.js';
import { CommerceSetup } from '../sources/commerce/commerce-setup.js';
import { registerCommerceSetupRoutes } from '../sources/commerce/setup-routes.js';
import { profileConsentLookup } from '../sources/http/stored-consent.js';
import { registerIdentityRoutes } from '../identity/routes.js';
import { registerProfileRoutes } from '../profile/routes.js';
import { registerEventTypeRoutes } from '../profile/event-type-routes.js';
import { EventTypeService } from '../profile/event-type-service.js';
import { registerSegmentationRoutes } from '../segment/routes.js';
import { SystemDatasetProvisioner } from '../segment/system-datasets.js';
import { registerQueryRoutes } from '../query/rest/routes.js';
import { startQueryServer, type QueryServer } from '../query/wire/query-server.js';
import { CredentialQueryAuth } from '../query/wire/query-auth.js';
import { TABLE_TAG } from '../catalog/catalog-types.js';
import type { JourneyRuntimeApi } from '../journey/journey-ports.js';
import { registerJourneyRoutes } from '../journey/routes.js';
import { createProfileDoctor } from '../doctor/wiring.js';
import { registerDoctorRoutes } from '../doctor/routes.js';
import { JourneySystemDatasets } from '../journey/step-events/journey-system-datasets.js';
import { registerModelRoutes } from '../model/routes.js';
import { ModelSystemDatasets } from '../model/model-system-datasets.js';
import { registerConsoleAssets } from '../console/console-assets.js';

export interface LocalCredentials {
  baseUrl: string;
  orgId: string;
  sandbox: string;
  apiKey: string;
  clientSecret?: string;
  accessToken: string;
  tenantId: string;
}

/** The composition root: every service of a running Kith, wired once. */
export interface Kith {
  config: KithConfig;
  app: FastifyInstance;
  clock: Clock;
  resources: ResourceStore;
  credentials: CredentialService;
  sandboxes: SandboxService;
  schemas: SchemaRegistry;
  catalog: CatalogService;
  flow: FlowService;
  ingestLog: GroupCommitLog;
  /** The API thread's stores (SQLite files in dataDir, or PostgreSQL: config.databaseUrl). */
  storage: Storage<'api'>;
  /** Deletes consumed ingest-log entries older than the retention (every 10 s; `run()` for one pass now). */
  retention: LogRetention;
  failedRecords: FailedRecordsStore;
  /** The lake processor (a worker thread by default; inline when a clock is injected). */
  processor: ProcessorHandle;
  /** Serves profile lookups from its own connections (a worker thread; inline with an inline processor). */
  reader: ReaderHandle;
  /** The Query Service's PostgreSQL wire endpoint (bound port: `config.queryPort` or, with 0, the one picked). */
  queryServer: QueryServer;
  queryPort: number;
  /** SQL over the lake within a sandbox (default `prod`); datasets are addressed by their table name. */
  queryLake(sql: string, sandboxName?: string): Promise<Array<Record<string, unknown>>>;
  local: LocalCredentials;
  baseUrl: string;
  /** Flushes and closes every store; idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  listen?: boolean;
  clock?: Clock;
  /** Tests register extra routes here (before the server starts listening). */
  extraRoutes?: (app: FastifyInstance, kith: Pick<Kith, 'config' | 'app' | 'clock' | 'resources' | 'credentials' | 'sandboxes'>) => void | Promise<void>;
  /** Processor tuning (tests): inline runs it on the main thread (default when a clock is injected). */
  processor?: { streamingBatchMaxAgeMs?: number; idleMs?: number; inline?: boolean; disabled?: boolean };
  /** Tests that mount the profile routes on their own context skip the server's. */
  skipProfileRoutes?: boolean;
  /** Tests that mount the Query Service's REST routes on their own engine skip the server's. */
  skipQueryRoutes?: boolean;
  /** Next steps after the lake (identity, profile) when running inline (tests). */
  downstream?: RecordSink;
  /** Back-pressure thresholds (entries behind the processor; entries waiting for group commit). */
  backPressure?: { maxBacklog: number; maxQueued: number };
  /** How long a token's verdict stands before it is read again (default TOKEN_RECHECK_MS; tests of revokes by another process: 0). */
  tokenRecheckMs?: number;
  /** The journey engine the journey routes call (tests: a fake of the seam); default: none running (503s). */
  journeyRuntime?: JourneyRuntimeApi;
  /** The console's built assets (default dist/console-app; tests: a fresh build). */
  consoleDir?: string;
  /** Least age of an ingest-log entry retention deletes, whatever the configured retention (default 60 s; tests: 0). */
  retentionMinAgeMs?: number;
}

const BOOTSTRAP_TOKEN_TTL_MS = 365 * 24 * 60 * 60 * 1000;

function generateOrgId(): string {
  return `${randomBytes(12).toString('hex').toUpperCase()}@AdobeOrg`;
}

/** First start: default org, `prod` sandbox, a local API credential and token, written to credentials.json. */
async function bootstrap(cfg: KithConfig, creds: CredentialService, sandboxes: SandboxService, baseUrl: string): Promise<LocalCredentials> {
  const file = join(cfg.dataDir, 'credentials.json');
  let saved: LocalCredentials | undefined;
  if (existsSync(file)) {
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as LocalCredentials;
    } catch {
      saved = undefined;
    }
  }
  const orgs = await creds.listOrgs();
  const orgId = cfg.orgId ?? saved?.orgId ?? orgs[0]?.orgId ?? generateOrgId();
  let org = await creds.getOrg(orgId);
  if (!org) org = await creds.createOrg(orgId, cfg.tenantId);
  if (!(await sandboxes.resolve(orgId, 'prod'))) {
    const r = await sandboxes.create(orgId, { name: 'prod', title: 'Production', type: 'production' }, 'kith', { isDefault: true });
    if (!r.ok) throw new Error(`cannot create prod sandbox: ${JSON.stringify(r.error.body)}`);
  }
  if (saved && saved.orgId === orgId && (await creds.verifyToken(saved.accessToken)) && (await creds.credentialByApiKey(saved.apiKey))) {
    const local = { ...saved, baseUrl, tenantId: org.tenantId };
    writeFileSync(file, JSON.stringify(local, null, 2) + '\n', { mode: 0o600 });
    return local;
  }
  const issued = await creds.createCredential(orgId, 'local');
  const accessToken = await creds.issueToken(issued.credential, BOOTSTRAP_TOKEN_TTL_MS);
  const local: LocalCredentials = {
    baseUrl,
    orgId,
    sandbox: 'prod',
    apiKey: issued.apiKey,
    clientSecret: issued.clientSecret,
    accessToken,
    tenantId: org.tenantId,
  };
  mkdirSync(cfg.dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(local, null, 2) + '\n', { mode: 0o600 });
  return local;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read the TLS ${what} file ${path}: ${(e as Error).message}`);
  }
}

/** How often consumed, expired ingest-log entries are deleted (see LogRetention). */
const RETENTION_INTERVAL_MS = 10_000;
/** How often the sources' expired dedupe keys are deleted (see SourceKeyExpiry). */
const SOURCE_KEY_EXPIRY_INTERVAL_MS = 10_000;

/** Opens the stores, wires the services and routes, and (by default) listens. */
export async function startKith(cfg: KithConfig, opts: StartOptions = {}): Promise<Kith> {
  const clock = opts.clock ?? systemClock;
  const https = cfg.tlsCert && cfg.tlsKey ? { cert: readPem(cfg.tlsCert, 'certificate'), key: readPem(cfg.tlsKey, 'key') } : undefined;
  const storageConfig = storageConfigOf(cfg);
  let log: FastifyInstance['log'] | undefined;
  const onPoolError = (e: Error) => log?.warn({ err: e }, 'a PostgreSQL connection was lost (the pool opens another)');
  const storage = await openStorageOrThrow(storageConfig, 'api', { clock, onPoolError });
  const { resources, ingestLog, failedRecords, notIngested, sourceState, gatewayRejections } = storage.stores;
  const credentials = new CredentialService(resources, clock, opts.tokenRecheckMs);
  const sandboxes = new SandboxService(resources, clock);

  const schemas = new SchemaRegistry(resources, clock);
  const catalog = new CatalogService(resources, schemas, clock);
  let baseUrl = baseUrlOf(cfg);
  const flow = new FlowService(resources, clock, { baseUrl: () => baseUrl, refs: referenceLookups(catalog, schemas) });
  const retention = new LogRetention(ingestLog, { retentionMs: cfg.ingestLogRetentionMinutes * 60_000, minAgeMs: opts.retentionMinAgeMs ?? 60_000, consumers: PROCESSOR_CONSUMERS, clock });
  const datasets = datasetDirectory(catalog);
  const batches = batchCatalog(catalog);
  let processor: ProcessorHandle | undefined;
  const appender = logAppender(ingestLog, () => processor, opts.backPressure ?? { maxBacklog: cfg.maxBacklog, maxQueued: 200_000 });

  const timeouts = { headersMs: cfg.headersTimeoutMs, bodyMs: cfg.bodyTimeoutMs, uploadMs: cfg.uploadTimeoutMs, idleMs: cfg.idleTimeoutMs, keepAliveMs: cfg.keepAliveTimeoutMs };
  // refused requests, counted by the gateway and kept (bounded) for the profile doctor and /gateway/rejections
  const rejections = new RejectionRecorder(gatewayRejections, clock, (e) => log?.error({ err: e }, 'recording gateway rejections failed'));
  const app = await buildApp({ logLevel: cfg.logLevel, apiBodyLimit: cfg.apiBodyLimit, credentials, sandboxes, timeouts, onRejected: (r) => rejections.note(r), ...(https ? { https } : {}) });
  log = app.log;
  installDiskGuard(app, new DiskGuard(cfg.dataDir, cfg.minFreeDiskMb * 1024 * 1024)); // before any ingesting route
  const inline = opts.processor?.inline ?? (opts.clock !== undefined || opts.downstream !== undefined);
  // before the routes: its latency hook covers them all; the processor's thread (and through it segmentation's) answer for themselves
  const metrics = registerMetrics(app, {
    dataDir: cfg.dataDir,
    log: ingestLog,
    consumers: PROCESSOR_CONSUMERS,
    position: () => (processor?.running?.() === false ? undefined : processor?.position()),
    ...(inline ? {} : { otherThreads: () => [processor ? processor.remote.metrics.json() : Promise.resolve([]), reader?.metrics?.() ?? Promise.resolve([])] }),
    now: () => clock.now(),
  });
  // acknowledgements counted once durable (every edge appends through here)
  const append = appender.append.bind(appender);
  appender.append = async (messages) => {
    const offsets = await append(messages);
    const byKind = new Map<string, number>();
    for (const m of messages) byKind.set(m.kind, (byKind.get(m.kind) ?? 0) + 1);
    for (const [kind, n] of byKind) metrics.acknowledged(kind, n);
    return offsets;
  };
  const hooks = {
    onLanded: (sandboxId: string, schemaId: string) => schemas.markInUse(sandboxId, schemaId),
    onError: (e: unknown) => app.log.error({ err: e }, 'lake processor error'),
  };
  const processorOptions = { ...(opts.processor?.streamingBatchMaxAgeMs !== undefined ? { streamingBatchMaxAgeMs: opts.processor.streamingBatchMaxAgeMs } : {}), ...(opts.processor?.idleMs !== undefined ? { idleMs: opts.processor.idleMs } : {}) };
  // inline (tests): the processor's stores on this thread, through their own connections as in its thread
  const inlineStorage = inline ? await openStorageOrThrow(storageConfig, 'processor', { clock, onPoolError, extra: ['segmentStore'] }) : undefined;
  processor = inlineStorage
    ? new InlineProcessor(await createPipeline(storageConfig, inlineStorage.stores, { resources, schemas, catalog, flow, clock }, { ...hooks, sink: opts.downstream }, processorOptions))
    : await WorkerProcessor.start(
        storageConfig,
        baseUrlOf(cfg),
        {
          onLanded: (sb, schemaId) => void schemas.markInUse(sb, schemaId).catch((e: unknown) => app.log.error({ err: e }, 'could not mark a schema in use')),
          onTouched: (sb, ds) => catalog.forget(sb, ds),
          onError: (message) => app.log.error({ processor: message }, 'lake processor error'),
        },
        processorOptions,
      );
  const handle = processor;
  // profile lookups: the reader's own connections, on its own thread unless the processor runs inline
  const readerStorage = inline ? await openStorageOrThrow(storageConfig, 'reader', { clock, onPoolError }) : undefined;
  const reader: ReaderHandle = readerStorage
    ? new InlineReader({ stores: readerStorage.stores, clock })
    : await WorkerReaders.start(storageConfig, { onError: (message) => app.log.error({ reader: message }, 'profile reader error') });
  const profileRemote = readsOnReader(handle.remote, reader.remote);
  // with the processor in its thread, a checkpointer thread serves the ingest log too: an ack never waits for one
  if (!inline && backgroundCheckpointsEnabled()) storage.checkpointsInBackground(['ingest-log']);
  schemas.onChange((sandboxId) => handle.invalidate({ kind: 'schemas', sandboxId }));
  catalog.onDatasetChange((ds) => handle.invalidate({ kind: 'dataset', sandboxId: ds.sandboxId, datasetId: ds.id }));
  const collection = new CollectionService({
    inlets: flow,
    datasets,
    schemas,
    flows: flow,
    log: appender,
    clock,
    verifyToken: (t) => credentials.verifyToken(t),
    onRejected: (r) => rejections.note({ ...r, clientId: '', sandboxName: '' }),
  });
  const batchImport = new BatchImportService({ catalog: batches, datasets, log: appender, clock, uploadsDir: `${cfg.dataDir}/uploads`, maxFileBytes: cfg.apiBodyLimit });
  let ready = false;
  app.get('/health', { config: { auth: 'none' }, schema: healthSchema }, async () => ({ status: 'ok' }));
  app.get('/ready', { config: { auth: 'none' }, schema: readySchema }, async (_req, reply) =>
    !ready
      ? reply.code(503).send({ status: 'starting' })
      : processor?.running?.() === false
        ? reply.code(503).send({ status: 'processor restarting' })
        : { status: 'ready' },
  );
  registerAuthRoutes(app, credentials);
  registerRejectionRoutes(app, rejections);
  registerSandboxRoutes(app, sandboxes);
  registerSchemaRoutes(app, schemas);
  registerCatalogRoutes(app, catalog);
  registerFlowRoutes(app, flow);
  registerRunRoutes(app, { store: storage.stores.runMetrics, clock });
  registerCollectionRoutes(app, collection, { bodyLimit: cfg.collectionBodyLimit });
  registerBatchImportRoutes(app, batchImport, async (sandboxId, datasetId, batchId, limit) => {
    const ds = await datasets.getDataset(sandboxId, datasetId);
    if (!ds) return undefined;
    const rows = await handle.queryLake(sandboxId, `SELECT record FROM ${ds.tableName} WHERE _kith_batch_id = '${batchId.replace(/'/g, "''")}' ORDER BY _kith_offset LIMIT ${limit}`).catch(() => []);
    return rows.map((r) => (typeof r.record === 'string' ? JSON.parse(r.record) : r.record) as Record<string, unknown>);
  });
  registerFailedRecordRoutes(app, failedRecords, appender, () => clock.now());
  registerNotIngestedRoutes(app, notIngested, (sandboxId, filter) => handle.remote.notIngestedReplay.replay(sandboxId, filter));
  // the sources' dedupe keys outlive their TTL only until the next pass
  const sourceKeyExpiry = new SourceKeyExpiry(sourceState, clock);
  const sourceSink = new SourceSink(datasets, appender);
  const provisioner = new SourceProvisioner(schemas, catalog);
  const shopifyDeps = { flow, resources, state: sourceState, provisioner, sink: sourceSink, credentials, sandboxes, clock, baseUrl: () => baseUrl };
  registerShopifyWebhookRoutes(app, shopifyDeps);
  registerShopifyAppRoutes(app, shopifyDeps);
  registerSegmentRoutes(app, { flow, resources, state: sourceState, provisioner, sink: sourceSink, credentials, sandboxes, clock });
  registerEdgeRoutes(app, { flow, resources, provisioner, sink: sourceSink, credentials, sandboxes, clock, state: sourceState, storedConsent: profileConsentLookup(reader.remote.profiles, sandboxes), recordRouting: recordRoutingLookup(catalog, schemas) });
  registerIdentityRoutes(app, handle.remote);
  registerCommerceSetupRoutes(app, new CommerceSetup({ schemas, catalog, flow, namespaces: handle.remote.namespaces }));
  // the profile services live with the processor (one writer), lookups with the reader; the routes reach both through typed RPC
  if (!opts.skipProfileRoutes) registerProfileRoutes(app, { profile: profileRemote });
  registerEventTypeRoutes(app, { eventTypes: new EventTypeService(resources, clock) });
  if (!opts.skipProfileRoutes) {
    const systemDatasets = new SystemDatasetProvisioner(schemas, catalog, resources);
    registerSegmentationRoutes(app, { segments: handle.remote.segments, provision: (ctx) => systemDatasets.ensure(ctx) });
  }
  const journeySystem = new JourneySystemDatasets(schemas, catalog, resources);
  registerJourneyRoutes(app, { resources, clock, runtime: opts.journeyRuntime ?? handle.remote.journeys, provision: (ctx) => journeySystem.ensure(ctx) });
  registerDoctorRoutes(app, createProfileDoctor({ clock, sandboxes, catalog, schemas, flow, ingestLog, failedRecords, notIngested, sourceState, rejections, processor: handle, reader: reader.remote }));
  const modelSystem = new ModelSystemDatasets(schemas, catalog, resources);
  registerModelRoutes(app, { resources, clock, runtime: handle.remote.models, provision: (ctx) => modelSystem.ensure(ctx) });
  registerConsoleAssets(app, opts.consoleDir);
  app.get(
    '/data/foundation/kith/ingest/status',
    { config: { auth: 'org' }, schema: ingestStatusSchema({ profileIngestion: obj({ notIngested: notIngestedStatusSchema }) }) },
    async (req) => {
      const head = await ingestLog.head();
      const lakeOffset = await ingestLog.committed('lake');
      const downstreamOffset = await ingestLog.committed('downstream');
      return {
        logHead: head,
        lakeOffset,
        downstreamOffset,
        backlog: head - lakeOffset,
        saturated: appender.saturated(),
        // entries kept (consumed ones stay retentionMinutes after receipt, then go oldest first)
        retention: await retention.status(head),
        profileIngestion: { notIngested: await notIngestedStatus(notIngested, await sandboxes.list(ctxOf(req).orgId)) },
      };
    },
  );
  let queryServer: QueryServer | undefined;
  if (!opts.skipQueryRoutes)
    registerQueryRoutes(app, {
      engine: handle.remote.query,
      resources,
      clock,
      dataDir: cfg.dataDir,
      queryEndpoint: () => ({ host: cfg.host, port: queryServer?.port ?? cfg.queryPort, tls: https !== undefined }),
      datasetIdOf: async (sandboxId, table) => (await catalog.listDatasets(sandboxId)).find((d) => d.tags[TABLE_TAG]?.[0] === table)?.id,
    });
  if (opts.extraRoutes) await opts.extraRoutes(app, { config: cfg, app, clock, resources, credentials, sandboxes });

  if (opts.listen !== false) await app.listen({ port: cfg.port, host: cfg.host });
  else await app.ready();
  const addr = app.server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : cfg.port;
  baseUrl = baseUrlOf(cfg, boundPort);
  const local = await bootstrap(cfg, credentials, sandboxes, baseUrl);
  // the Query Service's PostgreSQL endpoint: bound like the HTTP server, TLS with its certificate (sslmode=require)
  queryServer = await startQueryServer({
    host: cfg.host,
    port: cfg.queryPort,
    ...(https ? { tls: https } : {}),
    auth: new CredentialQueryAuth(credentials, sandboxes),
    engine: handle.remote.query,
    log: app.log,
  });

  let closed = false;
  const kith: Kith = {
    config: cfg,
    app,
    clock,
    resources,
    credentials,
    sandboxes,
    schemas,
    catalog,
    flow,
    ingestLog,
    storage,
    retention,
    failedRecords,
    processor,
    reader,
    queryServer,
    queryPort: queryServer.port,
    async queryLake(sql, sandboxName = 'prod') {
      const sb = await sandboxes.resolve(local.orgId, sandboxName);
      if (!sb) throw new Error(`no sandbox ${sandboxName}`);
      return handle.queryLake(sb.id, sql);
    },
    local,
    baseUrl,
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      await queryServer?.close();
      await app.close();
      await rejections.close();
      await retention.stop();
      await sourceKeyExpiry.stop();
      await handle.stop();
      await reader.stop();
      await readerStorage?.close();
      await inlineStorage?.close();
      await storage.close();
    },
  };
  if (process.env.KITH_PROCESSOR === 'off' || opts.processor?.disabled) await handle.stop();
  else handle.start();
  retention.start(RETENTION_INTERVAL_MS, (e) => app.log.error({ err: e }, 'ingest log retention failed'));
  sourceKeyExpiry.start(SOURCE_KEY_EXPIRY_INTERVAL_MS, (e) => app.log.error({ err: e }, 'expiring source dedupe keys failed'));
  ready = true;
  return kith;
}
