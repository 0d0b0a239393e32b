import type { QueryEngine } from '../../query/engine/query-engine.js';
import type { IdentityService } from '../../identity/identity-service.js';
import type { NamespaceService } from '../../identity/namespaces.js';
import type { ProfileService } from '../../profile/profile-service.js';
import type { MergePolicyService } from '../../profile/merge-policy-service.js';
import type { ComputedAttributeService } from '../../profile/computed-attributes.js';
import type { ProfileJobService } from '../../profile/profile-jobs.js';
import type { FragmentStoreCalls } from '../../profile/fragment-store.js';
import type { SegmentationApi } from '../../segment/segmentation-api.js';
import type { NotIngestedReplay } from '../../profile/not-ingested-replay.js';
import type { JourneyRuntimeApi } from '../../journey/journey-ports.js';
import type { ModelRuntimeApi } from '../../model/model-runner.js';

/** The services the processor's thread owns (one writer each); the API thread reaches them through `Remote<…>`. */
export interface PipelineServiceMap {
  /** Re-runs the identity and profile steps for records that could not reach the profile. */
  notIngestedReplay: NotIngestedReplay;
  identity: IdentityService;
  namespaces: NamespaceService;
  profiles: ProfileService;
  mergePolicies: MergePolicyService;
  computedAttributes: ComputedAttributeService;
  jobs: ProfileJobService;
  profileStore: FragmentStoreCalls;
  /** In the segmentation worker when it runs in its own thread (relayed by the processor's thread). */
  segments: SegmentationApi;
  /** The Query Service's SQL engine: on this thread because the lake's DuckDB instance is here. */
  query: QueryEngine;
  /** The journey engine (reads profiles and writes step events to the lake: both here). */
  journeys: JourneyRuntimeApi;
  /** Model training and scoring (reads the lake, writes scores into profiles: both here). */
  models: ModelRuntimeApi;
  /** This thread's Prometheus metrics and the segmentation thread's (getMetricsAsJSON arrays), for `/metrics`. */
  metrics: { json(): Promise<unknown[]> };
}

/** What the main thread asks of the processor worker itself. */
export interface ProcessorWorkerControl {
  drain(): Promise<void>;
  flushBatches(): Promise<void>;
  queryLake(sandboxId: string, sql: string): Promise<Array<Record<string, unknown>>>;
  /** Closes every store; the worker's port closes after the reply. */
  stop(): Promise<void>;
}

export type ProcessorWorkerServiceMap = PipelineServiceMap & { worker: ProcessorWorkerControl };
