import { Worker } from 'node:worker_threads';
import type { Clock } from '../shared/clock.js';
import type { StorageConfig, StoresOf } from './storage.js';
import { RestartSchedule } from '../shared/restart-schedule.js';
import { roundRobin, RpcClient, type Remote } from '../shared/rpc.js';
import { threadEntries } from './thread-entries.js';
import { createReaderContext, type FromReader, type ReaderServiceMap, type ReaderWorkerServiceMap } from './reader-services.js';

/** Where the API thread sends read-only profile calls. */
export interface ReaderHandle {
  readonly remote: Remote<ReaderServiceMap>;
  /** Makes a reader thread throw an error nothing catches (tests of the restart); inline: nothing. */
  injectFault(): void;
  stop(): Promise<void>;
  /** The reader threads' Prometheus metrics (getMetricsAsJSON arrays); none inline (the API thread's own). */
  metrics?(): Promise<unknown[]>;
}

/** The reader on the API thread (inline mode: a manual clock, `processor.inline`): the same services, same-thread calls. */
export class InlineReader implements ReaderHandle {
  readonly remote: Remote<ReaderServiceMap>;
  private readonly close: () => void;
  constructor(deps: { stores: StoresOf<'reader'>; clock: Clock }) {
    const ctx = createReaderContext(deps);
    this.remote = ctx.rpc.local();
    this.close = ctx.close;
  }
  injectFault(): void {}
  async stop(): Promise<void> {
    this.close();
  }
}

/**
 * One reader worker thread. Supervision as the processor's: a worker that exits unexpectedly is replaced after a
 * pause (RestartSchedule); calls made meanwhile wait for the new one, calls in flight when it died fail.
 */
class ReaderWorker {
  private worker!: Worker;
  private exited = false;
  private stopping = false;
  private readonly restarts = new RestartSchedule();
  starts = 0;
  private readonly client = new RpcClient<ReaderWorkerServiceMap>((m) => this.worker.postMessage(m), {
    peer: 'reader',
    before: async (service, method) => {
      if (!(service === 'worker' && method === 'stop')) await this.restarts.settled();
      if (this.exited) throw new Error('reader worker is not running');
    },
  });
  readonly remote: Remote<ReaderWorkerServiceMap> = this.client.remote;

  constructor(
    private readonly storage: StorageConfig,
    private readonly onError: (message: string) => void,
  ) {}

  spawn(): Promise<void> {
    const worker = new Worker(threadEntries.reader, { workerData: { storage: this.storage } });
    this.worker = worker;
    this.exited = false;
    this.restarts.started();
    this.starts++;
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromReader) => {
        if (m.type === 'ready') return ((ready = true), resolve());
        if (m.type === 'error') return this.onError(m.message);
        if (m.type === 'rpc-reply') this.client.receive(m);
      });
      worker.on('error', (e) => {
        this.onError(e.stack ?? e.message);
        reject(e);
      });
      worker.on('exit', (code) => {
        this.exited = true;
        this.client.rejectAll('reader worker exited');
        reject(new Error(`reader worker exited (code ${code}) before it was ready`));
        if (this.stopping || !ready) return;
        const pause = this.restarts.crashed(() => this.spawn(), (e) => this.onError(e instanceof Error ? e.message : String(e)));
        this.onError(`reader worker exited (code ${code}); restarting it in ${pause} ms`);
      });
    });
  }

  injectFault(): void {
    if (!this.exited) this.worker.postMessage({ type: 'fault' });
  }

  settled(): Promise<void> {
    return this.restarts.settled();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.restarts.cancel();
    await this.restarts.settled().catch(() => undefined);
    if (this.exited) return;
    await this.remote.worker.stop().catch(() => undefined);
    await new Promise<void>((r) => (this.exited ? r() : this.worker.once('exit', () => r())));
  }
}

/**
 * Reader threads (KITH_READER_THREADS, default 1: enough on 2 vCPUs): lookups go to them in turn; `reader.*` calls
 * (cached configuration is stale) go to every one.
 */
export class WorkerReaders implements ReaderHandle {
  readonly remote: Remote<ReaderServiceMap>;

  private constructor(private readonly workers: ReaderWorker[]) {
    this.remote = roundRobin<ReaderServiceMap>(workers.map((w) => w.remote), new Set(['reader']));
  }

  static async start(storage: StorageConfig, opts: { count?: number; onError: (message: string) => void }): Promise<WorkerReaders> {
    const n = Math.max(1, Math.floor(opts.count ?? readerThreads()));
    const workers = Array.from({ length: n }, () => new ReaderWorker(storage, opts.onError));
    await Promise.all(workers.map((w) => w.spawn()));
    return new WorkerReaders(workers);
  }

  async metrics(): Promise<unknown[]> {
    return Promise.all(this.workers.map((w) => w.remote.metrics.json().catch(() => [])));
  }

  /** Workers started so far, restarts included (tests). */
  starts(): number {
    return this.workers.reduce((n, w) => n + w.starts, 0);
  }

  injectFault(): void {
    this.workers[0]?.injectFault();
  }

  /** Resolves once no replacement worker is pending. */
  async settled(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.settled()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

/** KITH_READER_THREADS when a positive integer, else 1. */
export function readerThreads(): number {
  const v = Number(process.env.KITH_READER_THREADS);
  return Number.isInteger(v) && v >= 1 ? v : 1;
}
