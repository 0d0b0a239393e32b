/**
 * A LakeProcessor over real stores in a data directory (ingest log, lake, failed records / seen ids, resource
 * state) with one ExperienceEvent dataset whose schema accepts any event without `bad: true`. Other contexts'
 * services (catalog batches, schema registry, flows) are small in-memory ports. Used by the crash tests, in the
 * child that is killed and in the test process that restarts over the same directory.
 */
import { randomUUID } from 'node:crypto';
import { openSqlite, type SqliteDb } from '../../../store/sqlite/open.js';
import { SqliteResourceStore } from '../../../store/sqlite/sqlite-resource-store.js';
import { SqliteIngestLog } from '../../log/sqlite-ingest-log.js';
import { Lake } from '../../../lake/lake.js';
import { SqliteFailedRecordsStore } from '../../../lake/sqlite-failed-records-store.js';
import { SqliteSeenIds } from '../../../lake/sqlite-seen-ids.js';
import type { FailedRecordsStore } from '../../../lake/failed-records-store.js';
import { systemClock } from '../../../shared/clock.js';
import type { BatchCatalog, BatchRecord, DatasetInfo } from '../../ports.js';
import type { ResourceStore } from '../../../store/resource-store.js';
import type { SchemaLookup } from '../../../schema/schema-lookup.js';
import type { SeenIds } from '../processor-ports.js';
import { LakeProcessor, type LakeProcessorDeps, type LakeProcessorOptions } from '../lake-processor.js';

export const SANDBOX = 'sb1';
export const DATASET: DatasetInfo = { id: 'ds-events', sandboxId: SANDBOX, name: 'events', schemaId: 'schema-ev', tableName: 'events', profileEnabled: false, identityEnabled: false };
/** An Individual Profile dataset (record behaviour), same permissive validator. */
export const PROFILE_DATASET: DatasetInfo = { id: 'ds-profiles', sandboxId: SANDBOX, name: 'profiles', schemaId: 'schema-pr', tableName: 'profiles', profileEnabled: false, identityEnabled: false };

/**
 * The log entry of one event `_id` (as the collection API appends it; with `importBatchId`, as batch ingestion does);
 * `bad` events fail validation.
 */
export const eventEntry = (id: string, bad = false, importBatchId?: string) => ({
  sandboxId: SANDBOX,
  orgId: 'org1',
  kind: 'xdm',
  receivedAt: 1_700_000_000_000,
  payload: JSON.stringify({ d: DATASET.id, s: DATASET.schemaId, x: `x-${id}`, b: importBatchId, e: { _id: id, timestamp: '2026-01-01T00:00:00Z', ...(bad ? { bad: true } : {}) } }),
});

/**
 * The log entry of one profile record (`id` undefined: no `_id`); `via` says how it came in: through the Edge
 * endpoints (the source sink marks its `_id` as unique per send: `u`), or through `/collection` (an inlet, no mark).
 */
export const profileEntry = (id: string | undefined, via: 'edge' | 'collection', n: number) => ({
  sandboxId: SANDBOX,
  orgId: 'org1',
  kind: 'xdm',
  receivedAt: 1_700_000_000_000,
  ...(via === 'collection' ? { inletId: 'inlet-1' } : {}),
  payload: JSON.stringify({
    d: PROFILE_DATASET.id,
    s: PROFILE_DATASET.schemaId,
    x: `x-p${n}`,
    src: via === 'edge' ? 'edge:Commerce' : 'inlet-1',
    ...(via === 'edge' ? { c: 'conn-edge', u: 1 } : {}),
    e: { ...(id === undefined ? {} : { _id: id }), identityMap: { CustomerId: [{ id: '1001' }] }, person: { name: { lastName: `v${n}` } } },
  }),
});

/** The entry that ends an import batch of `rows` rows (its finalisation runs once they are in the lake). */
export const batchEndEntry = (importBatchId: string, rows: number) => ({
  sandboxId: SANDBOX,
  orgId: 'org1',
  kind: 'batch-end',
  receivedAt: 1_700_000_000_000,
  payload: JSON.stringify({ d: DATASET.id, b: importBatchId, n: rows }),
});

const schemas: SchemaLookup = {
  getSchema: async (_sb, id) =>
    id === DATASET.schemaId
      ? { id, altId: id, title: 'events', classId: 'https://ns.adobe.com/xdm/context/experienceevent', behavior: 'time-series', union: false, version: '1.0' }
      : id === PROFILE_DATASET.schemaId
        ? { id, altId: id, title: 'profiles', classId: 'https://ns.adobe.com/xdm/context/profile', behavior: 'record', union: false, version: '1.0' }
        : undefined,
  validator: async () => ({
    validate: (r) => ((r as { bad?: boolean }).bad ? { valid: false, violations: [{ schemaLocation: '#', pointerToViolation: '#/bad', causingExceptions: [], message: 'bad event' }] } : { valid: true }),
  }),
  identityDescriptors: async () => [],
  markInUse: async () => undefined,
};

/** Batches kept in the resource store (they outlive a crash, as the catalog's do); `view` holds the last patch. */
function resourceCatalog(resources: ResourceStore): BatchCatalog {
  return {
    createBatch: async (sb, input) => {
      const b: BatchRecord = { id: `batch-${randomUUID()}`, status: 'loading', datasetId: input.datasetId, view: {} };
      await resources.put('test-batch', sb, b.id, b);
      return b;
    },
    getBatch: async (sb, id) => (await resources.get<BatchRecord>('test-batch', sb, id))?.doc,
    updateBatch: async (sb, id, patch) => {
      const b = (await resources.get<BatchRecord>('test-batch', sb, id))?.doc;
      if (!b) return undefined;
      const next = { ...b, status: patch.status ?? b.status, view: { ...b.view, ...patch } };
      await resources.put('test-batch', sb, id, next);
      return next;
    },
  };
}

export interface ProcessorFixture {
  log: SqliteIngestLog;
  lake: Lake;
  failed: FailedRecordsStore;
  seen: SeenIds;
  catalog: BatchCatalog;
  processor: LakeProcessor;
  close(): Promise<void>;
}

export interface FixtureOptions {
  options?: Partial<LakeProcessorOptions>;
  laneFault?: LakeProcessorDeps['laneFault'];
  /** The dataset was deleted (its entries fail validation with DATASET_NOT_FOUND). */
  datasetDeleted?: boolean;
  /** Wraps the seen-ids store (failure injection). */
  seen?: (store: SeenIds) => SeenIds;
  /** Dataflow run counters. */
  runs?: LakeProcessorDeps['runs'];
}

export async function openProcessorFixture(dir: string, o: FixtureOptions = {}): Promise<ProcessorFixture> {
  const dbs: SqliteDb[] = [];
  const open = (name: string, o?: Parameters<typeof openSqlite>[2]) => {
    const db = openSqlite(dir, name, o);
    dbs.push(db);
    return db;
  };
  // the API appends with FULL (acks survive power loss); the processor reads through its own connection
  const log = new SqliteIngestLog(open('ingest-log', { synchronous: 'FULL' }));
  const failedDb = open('failed-records');
  const failed = new SqliteFailedRecordsStore(failedDb);
  const seen = new SqliteSeenIds(failedDb);
  const lake = await Lake.open(dir);
  const resources = new SqliteResourceStore(open('control'));
  const catalog = resourceCatalog(resources);
  const processor = new LakeProcessor(
    {
      log,
      lake,
      failed,
      seen: o.seen ? o.seen(seen) : seen,
      catalog,
      state: resources,
      clock: systemClock,
      datasets: { getDataset: async (_sb, id) => (o.datasetDeleted ? undefined : id === DATASET.id ? DATASET : id === PROFILE_DATASET.id ? PROFILE_DATASET : undefined) },
      schemas,
      flows: { resolveFlow: async () => undefined },
      laneFault: o.laneFault,
      ...(o.runs ? { runs: o.runs } : {}),
    },
    { chunkSize: 100, lakeGatherMs: 0, ...o.options },
  );
  return {
    log,
    lake,
    failed,
    seen,
    catalog,
    processor,
    async close() {
      await processor.stop();
      await log.close();
      await lake.close();
      for (const d of dbs) d.close();
    },
  };
}
