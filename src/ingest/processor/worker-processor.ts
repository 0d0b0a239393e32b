import { Worker } from 'node:worker_threads';
import { threadEntries } from '../../runtime/thread-entries.js';
import type { ProcessorHandle } from './processor-handle.js';
import type { WorkerEvent, WorkerRequest } from './worker-protocol.js';
import { RestartSchedule } from '../../shared/restart-schedule.js';
import { RpcClient, type Remote } from '../../shared/rpc.js';
import type { PipelineServiceMap, ProcessorWorkerServiceMap } from './pipeline-services.js';
import type { StorageConfig } from '../../runtime/storage.js';

export interface WorkerHooks {
  onLanded(sandboxId: string, schemaId: string): void;
  onTouched(sandboxId: string, datasetId: string): void;
  onError(message: string): void;
}

/**
 * Runs the lake processor in a worker thread and talks to it by messages.
 *
 * Supervision: a worker that exits unexpectedly (an uncaught error, out of memory, a native crash of its thread) is
 * replaced after a pause (RestartSchedule: 0.5 s, doubling to 30 s). Nothing acknowledged is lost: the new worker
 * resumes from the consumers' committed log offsets (the lake write is idempotent per offset, profile and identity
 * steps per `_id`), and its segmentation worker finds segment.db not closed and re-evaluates (see
 * createSegmentContext). Calls made while the worker is being replaced wait for the new one; calls in flight when
 * it died are refused (the caller sees an error, never a hang).
 */
export class WorkerProcessor implements ProcessorHandle {
  private pos = -1;
  private exited = false;
  private stopping = false;
  private worker!: Worker;
  /** Replaces a crashed worker (calls wait for it). */
  private readonly restarts = new RestartSchedule();
  /** Workers started (1 + restarts). */
  starts = 0;

  /** Calls into the worker; each waits for a crashed worker's replacement (except `stop`). */
  private readonly client = new RpcClient<ProcessorWorkerServiceMap>((m) => this.worker.postMessage(m), {
    peer: 'processor worker',
    before: async (service, method) => {
      if (!(service === 'worker' && method === 'stop')) await this.settled();
      if (this.exited) throw new Error('processor worker is not running');
    },
  });
  private readonly worker$ = this.client.remote.worker;
  readonly remote: Remote<PipelineServiceMap> = this.client.remote;

  private constructor(
    private readonly storage: StorageConfig,
    private readonly baseUrl: string,
    private readonly hooks: WorkerHooks,
    private readonly options: Record<string, number>,
  ) {}

  /** `storage`: where the worker opens its stores (the data directory, or the database). */
  static async start(storage: StorageConfig, baseUrl: string, hooks: WorkerHooks, options: Record<string, number> = {}): Promise<WorkerProcessor> {
    const wp = new WorkerProcessor(storage, baseUrl, hooks, options);
    await wp.spawn();
    return wp;
  }

  private spawn(): Promise<void> {
    const worker = new Worker(threadEntries.processor, {
      workerData: { storage: this.storage, baseUrl: this.baseUrl, options: this.options },
      resourceLimits: { maxYoungGenerationSizeMb: Number(process.env.KITH_PROCESSOR_YOUNG_GEN_MB ?? 64) },
    });
    this.worker = worker;
    this.exited = false;
    this.restarts.started();
    this.starts++;
    const hooks = this.hooks;
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (e: WorkerEvent) => {
        switch (e.type) {
          case 'ready':
            ready = true;
            return resolve();
          case 'position':
            this.pos = e.offset;
            return;
          case 'landed':
            return hooks.onLanded(e.sandboxId, e.schemaId);
          case 'touched':
            return hooks.onTouched(e.sandboxId, e.datasetId);
          case 'error':
            return hooks.onError(e.message);
          case 'rpc-reply':
            return this.client.receive(e);
        }
      });
      worker.on('error', (err) => {
        hooks.onError(err.stack ?? err.message);
        reject(err);
      });
      worker.on('exit', (code) => {
        this.exited = true;
        this.client.rejectAll('processor worker exited');
        reject(new Error(`processor worker exited (code ${code}) before it was ready`));
        if (this.stopping || !ready) return; // one that never started is the starter's error to report
        const pause = this.restarts.crashed(
          () => this.spawn().then(() => this.notify()),
          (e) => hooks.onError(e instanceof Error ? e.message : String(e)),
        );
        hooks.onError(`processor worker exited (code ${code}); restarting it in ${pause} ms (it resumes from the committed log offsets)`);
      });
    });
  }

  /** True while a worker is running (false while a crashed one is being replaced, and after stop). */
  running(): boolean {
    return !this.exited && !this.stopping;
  }

  /**
   * Makes the worker throw an error nothing catches (tests of the restart). Not `Worker.terminate()`: tearing the
   * thread down under DuckDB's in-flight work aborts the whole process (a native error of the addon).
   */
  injectFault(): void {
    this.send({ type: 'fault' });
  }

  /** Resolves once a replacement worker (if one is being started) is ready. */
  settled(): Promise<void> {
    return this.restarts.settled();
  }

  private send(m: WorkerRequest): void {
    if (!this.exited) this.worker.postMessage(m);
  }

  notify(): void {
    this.send({ type: 'notify' });
  }
  position(): number {
    return this.pos;
  }
  drain(): Promise<void> {
    return this.worker$.drain();
  }
  flushBatches(): Promise<void> {
    return this.worker$.flushBatches();
  }
  queryLake(sandboxId: string, sql: string): Promise<Array<Record<string, unknown>>> {
    return this.worker$.queryLake(sandboxId, sql);
  }
  invalidate(change: Extract<WorkerRequest, { type: 'invalidate' }>['change']): void {
    // a replacement worker starts with empty caches: nothing to tell it
    this.send({ type: 'invalidate', change });
  }
  start(): void {
    /* the worker starts its loop itself */
  }
  async stop(): Promise<void> {
    this.stopping = true;
    this.restarts.cancel();
    await this.settled().catch(() => undefined);
    if (this.exited) return;
    await this.worker$.stop().catch(() => undefined);
    await new Promise<void>((r) => (this.exited ? r() : this.worker.once('exit', () => r())));
  }
}
