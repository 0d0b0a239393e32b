import type { CatalogService } from '../catalog/catalog-service.js';
import { batchView, TABLE_TAG, type CatalogBatch, type Dataset } from '../catalog/catalog-types.js';
import type { BatchCatalog, BatchRecord, DatasetDirectory, DatasetInfo } from './ports.js';
import type { IngestMessage, LogAppender } from './collection/collection-service.js';
import type { GroupCommitLog } from './log/ingest-log.js';
import type { ProcessorHandle } from './processor/processor-handle.js';

const SYSTEM_TAG = 'kith/system';

/** Adapters from other contexts' services to the small ports the ingestion path depends on. */
export function datasetDirectory(catalog: CatalogService): DatasetDirectory {
  return {
    async getDataset(sandboxId: string, id: string): Promise<DatasetInfo | undefined> {
      const d: Dataset | undefined = await catalog.getDataset(sandboxId, id);
      if (!d) return undefined;
      return {
        id: d.id,
        sandboxId: d.sandboxId,
        name: d.name,
        schemaId: d.schemaRef.id,
        tableName: d.tags[TABLE_TAG]?.[0] ?? '',
        profileEnabled: catalog.isProfileEnabled(d),
        identityEnabled: catalog.isIdentityEnabled(d),
        ...(d.tags[SYSTEM_TAG]?.length ? { system: d.tags[SYSTEM_TAG] } : {}),
      };
    },
  };
}

const record = (b: CatalogBatch): BatchRecord => {
  const { id: _id, ...view } = batchView(b);
  return { id: b.id, status: b.status, datasetId: b.datasetId, view };
};

export function batchCatalog(catalog: CatalogService): BatchCatalog {
  return {
    createBatch: async (sandboxId, input, actor) => record(await catalog.createBatch(sandboxId, input, actor)),
    getBatch: async (sandboxId, id) => {
      const b = await catalog.getBatch(sandboxId, id);
      return b ? record(b) : undefined;
    },
    updateBatch: async (sandboxId, id, patch) => {
      const b = await catalog.updateBatch(sandboxId, id, patch as Parameters<CatalogService['updateBatch']>[2]);
      return b ? record(b) : undefined;
    },
  };
}

/**
 * The HTTP edge's view of the ingest log: append (durable on resolve) and wake the processor; back-pressure
 * when the processor is more than `maxBacklog` entries behind or the group-commit queue is long.
 */
export function logAppender(log: GroupCommitLog, processor: () => ProcessorHandle | undefined, opts: { maxBacklog: number; maxQueued: number }): LogAppender & { head(): number } {
  let head = 0;
  void log.head().then((h) => (head = Math.max(head, h)));
  return {
    async append(messages: IngestMessage[]): Promise<number[]> {
      const offs = await log.append(
        // the inlet travels with the entry: the processor counts a dataflow's runs by it
        messages.map((m) => ({ sandboxId: m.sandboxId, orgId: m.orgId, kind: m.kind, receivedAt: m.receivedAt, payload: m.payload, ...(m.inletId ? { inletId: m.inletId } : {}) })),
      );
      if (offs.length) head = Math.max(head, offs[offs.length - 1]!);
      processor()?.notify();
      return offs;
    },
    saturated(): boolean {
      const p = processor();
      const behind = p ? head - Math.max(0, p.position()) : 0;
      return behind > opts.maxBacklog || log.queued() > opts.maxQueued;
    },
    head: () => head,
  };
}
