import type { Clock } from '../shared/clock.js';
import type { Remote } from '../shared/rpc.js';
import type { SandboxService } from '../sandbox/sandbox-service.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { SchemaRegistry } from '../schema/schema-registry.js';
import type { FlowService } from '../flow/flow-service.js';
import type { IngestLog } from '../ingest/log/ingest-log.js';
import type { FailedRecordsStore } from '../lake/failed-records-store.js';
import type { NotIngestedStore } from '../lake/not-ingested-store.js';
import type { ProcessorHandle } from '../ingest/processor/processor-handle.js';
import type { ReaderServiceMap } from '../runtime/reader-services.js';
import type { SourceStateStore } from '../sources/http/source-state-store.js';
import { ConsentCounters } from '../sources/http/stored-consent.js';
import { EDGE_DATASTREAM_SPEC } from '../sources/http/source-specs.js';
import type { RejectionQuery, RejectionRow } from '../auth/rejections/rejection-store.js';
import { ProfileDoctor } from './doctor-service.js';
import type { DatastreamRefusals } from './doctor-ports.js';

/**
 * The doctor on the API thread: the control plane, the ingest log, failed and not-ingested records, gateway
 * rejections and source counters are this thread's stores; the lake, identity graph, namespaces and merge policies
 * are reached through the processor's typed RPC, profiles through the reader's.
 */
export function createProfileDoctor(d: {
  clock: Clock;
  sandboxes: SandboxService;
  catalog: CatalogService;
  schemas: SchemaRegistry;
  flow: FlowService;
  ingestLog: IngestLog;
  failedRecords: FailedRecordsStore;
  notIngested: NotIngestedStore;
  sourceState: SourceStateStore;
  rejections: { list(q: RejectionQuery): Promise<RejectionRow[]> };
  processor: ProcessorHandle;
  reader: Remote<ReaderServiceMap>;
}): ProfileDoctor {
  const counters = new ConsentCounters(d.sourceState);
  return new ProfileDoctor({
    clock: d.clock,
    sandboxes: d.sandboxes,
    catalog: d.catalog,
    schemas: d.schemas,
    lake: { query: (sandboxId, sql) => d.processor.queryLake(sandboxId, sql) },
    log: d.ingestLog,
    failed: d.failedRecords,
    notIngested: d.notIngested,
    identity: d.processor.remote.identity,
    namespaces: d.processor.remote.namespaces,
    profiles: d.reader.profiles,
    mergePolicies: d.processor.remote.mergePolicies,
    rejections: d.rejections,
    consent: {
      async refusals(sandboxId): Promise<DatastreamRefusals[]> {
        const edge = (await d.flow.list(sandboxId, 'connections')).filter((c) => (c.connectionSpec as { id?: string } | undefined)?.id === EDGE_DATASTREAM_SPEC);
        return Promise.all(edge.map(async (c) => ({ connectionId: c.id, name: typeof c.name === 'string' ? c.name : c.id, ...(await counters.of(c.id)) })));
      },
    },
    processorRunning: () => d.processor.running?.() !== false,
  });
}
