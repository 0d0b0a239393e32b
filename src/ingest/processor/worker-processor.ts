import { Worker } from 'node:worker_threads';
import type { ProcessorHandle } from './processor-handle.js';
import type { WorkerEvent, WorkerRequest } from './worker-protocol.js';

export interface WorkerHooks {
  onLanded(sandboxId: string, schemaId: string): void;
  onTouched(sandboxId: string, datasetId: string): void;
  onError(message: string): void;
}

/** Runs the lake processor in a worker thread and talks to it by messages. */
export class WorkerProcessor implements ProcessorHandle {
  private pos = -1;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  private constructor(private readonly worker: Worker) {}

  static start(dataDir: string, baseUrl: string, hooks: WorkerHooks, options: Record<string, number> = {}): Promise<WorkerProcessor> {
    const worker = new Worker(new URL('./processor-worker-boot.mjs', import.meta.url), { workerData: { dataDir, baseUrl, options }, resourceLimits: { maxYoungGenerationSizeMb: Number(process.env.KITH_PROCESSOR_YOUNG_GEN_MB ?? 64) } });
    const wp = new WorkerProcessor(worker);
    return new Promise((resolve, reject) => {
      worker.on('message', (e: WorkerEvent) => {
        switch (e.type) {
          case 'ready':
            return resolve(wp);
          case 'position':
            wp.pos = e.offset;
            return;
          case 'landed':
            return hooks.onLanded(e.sandboxId, e.schemaId);
          case 'touched':
            return hooks.onTouched(e.sandboxId, e.datasetId);
          case 'error':
            return hooks.onError(e.message);
          case 'reply': {
            const p = wp.pending.get(e.id);
            wp.pending.delete(e.id);
            if (e.ok) p?.resolve(e.value);
            else p?.reject(new Error(e.error));
          }
        }
      });
      worker.on('error', (err) => {
        hooks.onError(err.stack ?? err.message);
        reject(err);
      });
      worker.on('exit', () => {
        wp.exited = true;
        for (const p of wp.pending.values()) p.reject(new Error('processor worker exited'));
        wp.pending.clear();
      });
    });
  }

  private send(m: WorkerRequest): void {
    if (!this.exited) this.worker.postMessage(m);
  }

  private rpc(op: 'drain' | 'flush' | 'query' | 'stop' | 'call', extra: { sandboxId?: string; sql?: string; method?: string; args?: unknown[] } = {}): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('processor worker is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'rpc', id, op, ...extra });
    });
  }

  notify(): void {
    this.send({ type: 'notify' });
  }
  position(): number {
    return this.pos;
  }
  async drain(): Promise<void> {
    await this.rpc('drain');
  }
  async flushBatches(): Promise<void> {
    await this.rpc('flush');
  }
  async queryLake(sandboxId: string, sql: string): Promise<Array<Record<string, unknown>>> {
    return (await this.rpc('query', { sandboxId, sql })) as Array<Record<string, unknown>>;
  }
  invalidate(change: Extract<WorkerRequest, { type: 'invalidate' }>['change']): void {
    this.send({ type: 'invalidate', change });
  }
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    return this.rpc('call', { method, args }) as Promise<T>;
  }
  start(): void {
    /* the worker starts its loop itself */
  }
  async stop(): Promise<void> {
    if (this.exited) return;
    await this.rpc('stop').catch(() => undefined);
    await new Promise<void>((r) => (this.exited ? r() : this.worker.once('exit', () => r())));
  }
}
