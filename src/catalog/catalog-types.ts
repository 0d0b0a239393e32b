/** Catalog objects (AEP shapes). */
export interface Dataset {
  id: string;
  sandboxId: string;
  name: string;
  description?: string;
  schemaRef: { id: string; contentType: string };
  /** Legacy schema reference as sent by older clients (e.g. `@/xdms/context/experienceevent`), echoed back. */
  schema?: string;
  tags: Record<string, string[]>;
  fileDescription?: Record<string, unknown>;
  imsOrg: string;
  version: string;
  created: number;
  updated: number;
  createdClient: string;
  createdUser: string;
  updatedUser: string;
  lastBatchId?: string;
  lastBatchStatus?: string;
  /** Id of the last batch that reached `success`. */
  lastSuccessfulBatch?: string;
  /** Id of the last batch that reached `failed`/`failure`. */
  lastFailedBatch?: string;
}

export const BATCH_STATUSES = [
  'processing', 'success', 'failure', 'queued', 'retrying', 'stalled', 'aborted', 'abandoned',
  'inactive', 'failed', 'loading', 'loaded', 'staged', 'active', 'staging', 'deleted',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export interface CatalogBatch {
  id: string;
  sandboxId: string;
  imsOrg: string;
  datasetId: string;
  source: 'streaming' | 'batch';
  status: BatchStatus;
  created: number;
  updated: number;
  createdUser: string;
  updatedUser: string;
  externalId?: string;
  started?: number;
  completed?: number;
  recordCount?: number;
  failedRecordCount?: number;
  errors: BatchError[];
  inputFormat?: Record<string, unknown>;
  /** Bytes ingested. */
  size?: number;
  /** Extra metrics; merged over the derived inputRecordCount/outputRecordCount in the view. */
  metrics?: Record<string, unknown>;
  tags: Record<string, string[]>;
  version: string;
}

export interface BatchError {
  code: string;
  description: string;
  rows?: string[];
}

/** What ingestion may change on a batch. */
export type BatchPatch = Partial<
  Pick<CatalogBatch, 'status' | 'recordCount' | 'failedRecordCount' | 'errors' | 'started' | 'completed' | 'size' | 'metrics'>
>;

export interface BatchInput {
  datasetId: string;
  inputFormat?: Record<string, unknown>;
  source: 'streaming' | 'batch';
  externalId?: string;
  tags?: Record<string, string[]>;
}

export interface BatchFilter {
  datasetId?: string;
  status?: string;
  /** Default 100. */
  limit?: number;
  /** A zero-based offset (number or digits), or, for older callers, a batch id to continue after. */
  start?: string | number;
}

export const PROFILE_TAG = 'unifiedProfile';
export const IDENTITY_TAG = 'unifiedIdentity';
export const TABLE_TAG = 'adobe/pqs/table';

export const isEnabled = (tags: Record<string, string[]>, tag: string) => (tags[tag] ?? []).includes('enabled:true');

/** Query Service table name derived from a dataset name: lower-case snake case. */
export function tableNameFor(name: string): string {
  let t = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (t === '') t = 'dataset';
  if (/^[0-9]/.test(t)) t = `t_${t}`;
  return t;
}

export function datasetView(d: Dataset): Record<string, unknown> {
  return {
    name: d.name,
    description: d.description,
    imsOrg: d.imsOrg,
    tags: d.tags,
    version: d.version,
    created: d.created,
    updated: d.updated,
    createdClient: d.createdClient,
    createdUser: d.createdUser,
    updatedUser: d.updatedUser,
    viewId: d.id.slice(0, 23) + (d.id.endsWith('f') ? 'e' : 'f'),
    files: `@/dataSetFiles?dataSetId=${d.id}`,
    ...(d.schema ? { schema: d.schema } : {}),
    schemaRef: d.schemaRef,
    fileDescription: d.fileDescription ?? { persisted: true, containerFormat: 'parquet', format: 'parquet' },
    ...(d.lastBatchId ? { lastBatchId: d.lastBatchId, lastBatchStatus: d.lastBatchStatus } : {}),
    ...(d.lastSuccessfulBatch ? { lastSuccessfulBatch: d.lastSuccessfulBatch } : {}),
    ...(d.lastFailedBatch ? { lastFailedBatch: d.lastFailedBatch } : {}),
  };
}

export function batchView(b: CatalogBatch): Record<string, unknown> {
  return {
    id: b.id,
    imsOrg: b.imsOrg,
    created: b.created,
    updated: b.updated,
    createdClient: b.source === 'streaming' ? 'streaming-ingestion' : 'batch-ingestion',
    createdUser: b.createdUser,
    updatedUser: b.updatedUser,
    status: b.status,
    ...(b.externalId ? { externalId: b.externalId } : {}),
    ...(b.started !== undefined ? { started: b.started } : {}),
    ...(b.completed !== undefined ? { completed: b.completed } : {}),
    ...(b.recordCount !== undefined ? { recordCount: b.recordCount } : {}),
    ...(b.failedRecordCount !== undefined ? { failedRecordCount: b.failedRecordCount } : {}),
    ...(b.size !== undefined ? { size: b.size } : {}),
    errors: b.errors,
    relatedObjects: [{ type: 'dataSet', id: b.datasetId }],
    inputFormat: b.inputFormat ?? { format: 'json' },
    tags: b.tags,
    version: b.version,
    metrics: {
      inputRecordCount: (b.recordCount ?? 0) + (b.failedRecordCount ?? 0),
      outputRecordCount: b.recordCount ?? 0,
      ...(b.metrics ?? {}),
    },
  };
}
