import type { Remote } from '../../shared/rpc.js';
import type { PipelineServiceMap } from './pipeline-services.js';

/** How the rest of the server drives the lake processor, whether it runs inline or in a worker thread. */
export interface ProcessorHandle {
  /** New log entries were appended. */
  notify(): void;
  /** Highest log offset fully processed (for back-pressure). */
  position(): number;
  /** Processes until the log is drained. */
  drain(): Promise<void>;
  /** Closes open streaming batches now. */
  flushBatches(): Promise<void>;
  /** SQL over the lake within a sandbox. */
  queryLake(sandboxId: string, sql: string): Promise<Array<Record<string, unknown>>>;
  /** Another part of the server changed schemas or a dataset: drop cached copies. */
  invalidate(change: { kind: 'schemas'; sandboxId: string } | { kind: 'dataset'; sandboxId: string; datasetId: string }): void;
  /** The pipeline-owned services (the identity graph has a single writer: the processor's thread), typed calls. */
  readonly remote: Remote<PipelineServiceMap>;
  start(): void;
  /** False while the processor cannot work (a crashed worker being replaced); readiness reports it. */
  running?(): boolean;
  stop(): Promise<void>;
}
