import type { Result } from '../shared/result.js';

/**
 * What the ingestion path needs from other contexts. Each is implemented by an adapter over the owning
 * context's service (flow, catalog), wired in runtime/api.ts, so ingest depends only on these few methods.
 */
export interface InletInfo {
  inletId: string;
  orgId: string;
  sandboxId: string;
  dataType: 'xdm' | 'raw';
  authenticationRequired: boolean;
  sourceId: string;
}

export interface InletDirectory {
  resolveInlet(inletId: string): Promise<InletInfo | undefined>;
}

export interface DatasetInfo {
  id: string;
  sandboxId: string;
  name: string;
  schemaId: string;
  /** `adobe/pqs/table` tag value. */
  tableName: string;
  profileEnabled: boolean;
  identityEnabled: boolean;
  /** Values of the dataset's `kith/system` tag (the platform writes it: segmentation, journeys); ingestion refuses it. */
  system?: string[];
}

/** Why ingestion refuses a dataset the platform writes itself (its system datasets are read-only). */
export function systemDatasetRefusal(ds: { id: string; name: string; system?: string[] }): string | undefined {
  if (!ds.system) return undefined;
  return `Dataset ${ds.id} ("${ds.name}") is a system dataset of Kith ${ds.system.join(', ')} and is read-only: it accepts no ingestion`;
}

export interface DatasetDirectory {
  getDataset(sandboxId: string, datasetId: string): Promise<DatasetInfo | undefined>;
}

export interface FlowInfo {
  flowId: string;
  datasetId: string;
  schemaId: string;
  /** Data Prep mapping of the flow, when it has one: raw JSON -> XDM entity. */
  map?: (raw: unknown) => Result<Record<string, unknown>, string>;
}

export interface FlowDirectory {
  resolveFlow(sandboxId: string, flowId: string): Promise<FlowInfo | undefined>;
}

/** Catalog batch operations the ingestion path needs (adapter over the catalog service). */
export interface BatchRecord {
  id: string;
  status: string;
  datasetId: string;
  /** The AEP catalog view of the batch, as returned by GET /catalog/batches/{id} (without the id key). */
  view: Record<string, unknown>;
}

export interface BatchPatch {
  status?: string;
  recordCount?: number;
  failedRecordCount?: number;
  errors?: Array<{ code: string; description: string; rows?: string[] }>;
  started?: number;
  completed?: number;
  /** Extra AEP batch metrics (e.g. profileIngestion), merged into the batch view's `metrics`. */
  metrics?: Record<string, unknown>;
}

export interface BatchCatalog {
  createBatch(
    sandboxId: string,
    input: { datasetId: string; inputFormat?: Record<string, unknown>; source: 'streaming' | 'batch'; externalId?: string; tags?: Record<string, string[]> },
    actor: string,
  ): Promise<BatchRecord>;
  getBatch(sandboxId: string, batchId: string): Promise<BatchRecord | undefined>;
  updateBatch(sandboxId: string, batchId: string, patch: BatchPatch): Promise<BatchRecord | undefined>;
}
