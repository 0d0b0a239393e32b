import type { Clock } from '../../shared/clock.js';
import type { ResourceStore } from '../../store/resource-store.js';
import type { SchemaLookup } from '../../schema/schema-lookup.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { FlowService } from '../../flow/flow-service.js';
import type { Lake } from '../../lake/lake.js';
import type { NotIngestedStore } from '../../lake/not-ingested-store.js';
import { LakeProcessor, type LakeProcessorOptions } from './lake-processor.js';
import type { FailedSink, LogSource, RecordSink, SeenIds } from './processor-ports.js';
import { batchCatalog, datasetDirectory } from '../wiring.js';
import type { RunCounter } from './run-tally.js';

export interface PipelineServices {
  resources: ResourceStore;
  schemas: SchemaLookup;
  catalog: CatalogService;
  flow: FlowService;
  clock: Clock;
}

/** The lake processor's own stores (opened by the thread's storage, src/runtime/storage.ts): the log it reads, the lake it writes, its diagnostics. */
export interface LakeStores {
  log: LogSource;
  lake: Lake;
  failed: FailedSink;
  /** The `_id`s already landed (dedupe). */
  seen: SeenIds;
  /** What the profile step could not place. */
  notIngested: NotIngestedStore;
}

/**
 * The lake processor over its stores: validates log entries, writes the lake, and hands accepted records to `sink`
 * (the next steps, composed by the processor thread's root: src/runtime/pipeline.ts).
 */
export function createLakeProcessor(
  stores: LakeStores,
  s: PipelineServices,
  hooks: {
    onLanded: (sandboxId: string, schemaId: string) => Promise<void>;
    onError: (e: unknown) => void;
    onBatchTouched?: (sandboxId: string, datasetId: string) => void;
    sink: RecordSink;
    /** Dataflow run counters, and the offsets the profile step did not place in its last accept. */
    runs?: { counter: RunCounter; notPlaced: () => ReadonlySet<number> };
  },
  opts: Partial<LakeProcessorOptions> = {},
): LakeProcessor {
  const { log, lake, failed, seen, notIngested } = stores;
  const batches = batchCatalog(s.catalog);
  const touched = hooks.onBatchTouched;
  return new LakeProcessor(
    {
      log,
      lake,
      failed,
      seen,
      catalog: touched
        ? {
            createBatch: async (sb, input, actor) => {
              const b = await batches.createBatch(sb, input, actor);
              touched(sb, input.datasetId);
              return b;
            },
            getBatch: batches.getBatch,
            updateBatch: async (sb, id, patch) => {
              const b = await batches.updateBatch(sb, id, patch);
              if (b) touched(sb, b.datasetId);
              return b;
            },
          }
        : batches,
      state: s.resources,
      clock: s.clock,
      datasets: datasetDirectory(s.catalog),
      schemas: s.schemas,
      flows: s.flow,
      onLanded: hooks.onLanded,
      onError: hooks.onError,
      sink: hooks.sink,
      notIngested,
      ...(hooks.runs ? { runs: hooks.runs } : {}),
    },
    opts,
  );
}
