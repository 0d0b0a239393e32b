import type { ProcessorHandle } from './processor-handle.js';
import type { Remote, RpcServer } from '../../shared/rpc.js';
import type { PipelineServiceMap } from './pipeline-services.js';
import type { LakeProcessor } from './lake-processor.js';

/** What the inline processor drives: the processor thread's composition (src/runtime/pipeline.ts), on this thread. */
export interface InlinePipeline {
  processor: Pick<LakeProcessor, 'notify' | 'position' | 'drain' | 'flushBatches' | 'start'>;
  lake: { query(sandboxId: string, sql: string): Promise<Array<Record<string, unknown>>> };
  identitySink: { forgetSchemas(): void };
  rpc: RpcServer<PipelineServiceMap>;
  close(): Promise<void>;
}

/** The processor on the server's own event loop (tests with an injected clock; single-thread deployments). */
export class InlineProcessor implements ProcessorHandle {
  readonly remote: Remote<PipelineServiceMap>;
  constructor(private readonly p: InlinePipeline) {
    this.remote = p.rpc.local();
  }
  notify(): void {
    this.p.processor.notify();
  }
  position(): number {
    return this.p.processor.position();
  }
  drain(): Promise<void> {
    return this.p.processor.drain();
  }
  flushBatches(): Promise<void> {
    return this.p.processor.flushBatches();
  }
  queryLake(sandboxId: string, sql: string) {
    return this.p.lake.query(sandboxId, sql);
  }
  invalidate(change: { kind: string }): void {
    if (change.kind === 'schemas') this.p.identitySink.forgetSchemas();
  }
  start(): void {
    this.p.processor.start();
  }
  stop(): Promise<void> {
    return this.p.close();
  }
}
