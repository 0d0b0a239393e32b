import type { Clock } from '../shared/clock.js';
import type { RemoteService } from '../shared/rpc.js';
import type { Sandbox } from '../sandbox/sandbox-service.js';
import type { Dataset, CatalogBatch } from '../catalog/catalog-types.js';
import type { SchemaLookup } from '../schema/schema-lookup.js';
import type { IngestLog } from '../ingest/log/ingest-log.js';
import type { FailedRecordsStore } from '../lake/failed-records-store.js';
import type { NotIngestedStore } from '../lake/not-ingested-store.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { NamespaceService } from '../identity/namespaces.js';
import type { MergePolicyService } from '../profile/merge-policy-service.js';
import type { ProfileService } from '../profile/profile-service.js';
import type { RejectionQuery, RejectionRow } from '../auth/rejections/rejection-store.js';

/** Consent refusals counted by one Edge datastream (src/sources/http/stored-consent.ts). */
export interface DatastreamRefusals {
  connectionId: string;
  name: string;
  refusedRequests: number;
  refusedEvents: number;
  refusedBy: { cookie: number; stored: number; default: number };
}

/**
 * What the doctor reads, and from where: the API thread's own stores (control plane, ingest log, failed and
 * not-ingested records, gateway rejections, source counters) and, through typed RPC, the services of the threads
 * that own the data (the lake and the identity graph on the processor thread, profiles on the reader).
 */
export interface DoctorDeps {
  clock: Clock;
  sandboxes: { list(orgId: string): Promise<Sandbox[]> };
  /** Which sandboxes of the org the caller's credential may read (all of its org's, in Kith today). */
  visibleSandboxes?: (orgId: string, credentialId: string | undefined, all: Sandbox[]) => Sandbox[];
  catalog: {
    listDatasets(sandboxId: string): Promise<Dataset[]>;
    getBatch(sandboxId: string, id: string): Promise<CatalogBatch | undefined>;
  };
  schemas: Pick<SchemaLookup, 'getSchema' | 'identityDescriptors'>;
  /** SQL over a sandbox's lake tables (the processor thread's DuckDB). */
  lake: { query(sandboxId: string, sql: string): Promise<Array<Record<string, unknown>>> };
  log: Pick<IngestLog, 'head' | 'committed' | 'read'>;
  failed: Pick<FailedRecordsStore, 'containing'>;
  notIngested: Pick<NotIngestedStore, 'containing'>;
  identity: RemoteService<Pick<IdentityService, 'xid' | 'node' | 'members' | 'history' | 'rules'>>;
  namespaces: RemoteService<Pick<NamespaceService, 'resolve' | 'list'>>;
  profiles: RemoteService<Pick<ProfileService, 'getProfile'>>;
  mergePolicies: RemoteService<Pick<MergePolicyService, 'defaultPolicy'>>;
  rejections: { list(q: RejectionQuery): Promise<RejectionRow[]> };
  consent: { refusals(sandboxId: string): Promise<DatastreamRefusals[]> };
  /** False while the processor thread is down (being replaced after a crash). */
  processorRunning(): boolean;
}
