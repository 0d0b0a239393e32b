import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { threadEntries } from '../../runtime/thread-entries.js';

/**
 * Runs SQLite WAL checkpoints of some database files on a thread of its own, so the threads that write them (the
 * processor, segmentation, the API's ingest log) never stall in a checkpoint on commit. Their connections keep a
 * far fallback auto-checkpoint (walAutocheckpoint in open.ts) in case this thread is gone. PASSIVE checkpoints
 * never wait for or block writers; durability of a commit does not depend on checkpoints.
 */
export class BackgroundCheckpointer {
  private exited = false;
  private constructor(private readonly worker: Worker) {
    worker.on('exit', () => (this.exited = true));
  }

  /**
   * Starts checkpointing `<dataDir>/<name>.db` for each name, every `intervalMs`. `restartable`: files whose every
   * writer takes the lock at the start of its transaction (BEGIN IMMEDIATE, or a first statement that writes): their
   * WAL is restarted by this thread past `restartFrames` pages (default 4,096) when nobody is in the way, and past
   * `forceFrames` (default 16,384: 64 MB) even if writers have to wait for it, which keeps it bounded under a steady
   * load (a forced RESTART holds the write lock while it copies; `restartWaitMs`, default 50, bounds its waits for
   * the writer of the moment and for readers).
   */
  static start(dataDir: string, names: string[], intervalMs = 100, restartable: string[] = [], opts: { restartFrames?: number; forceFrames?: number; restartWaitMs?: number } = {}): Promise<BackgroundCheckpointer> {
    const file = (n: string) => join(dataDir, `${n}.db`);
    const worker = new Worker(threadEntries.checkpointer, {
      workerData: { files: names.map(file), restartable: restartable.map(file), intervalMs, restartFrames: opts.restartFrames, forceFrames: opts.forceFrames, restartWaitMs: opts.restartWaitMs },
    });
    worker.unref();
    return new Promise((resolve, reject) => {
      worker.once('message', () => resolve(new BackgroundCheckpointer(worker)));
      worker.once('error', reject);
    });
  }

  /** Checkpoints done, pages copied, WAL restarts and forced restart attempts so far. */
  stats(): Promise<{ checkpoints: number; pages: number; restarts: number; forced: number }> {
    return this.ask('stats');
  }

  /** A last round, then the thread ends (resolves once it has: `stats()` then rejects). */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.ref(); // the thread is unref'd while it runs; waiting for its end must keep the process alive
    await this.ask('stop').catch(() => undefined);
    this.exited = true;
    await gone;
  }

  private ask<T>(type: 'stats' | 'stop'): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error('checkpointer is not running'));
      const on = (m: T & { type: string }) => {
        if (m.type !== type && !(type === 'stop' && m.type === 'stopped')) return;
        this.worker.off('message', on);
        resolve(m);
      };
      this.worker.on('message', on);
      this.worker.postMessage({ type });
    });
  }
}

/** KITH_BACKGROUND_CHECKPOINTS=0 keeps checkpoints on the writers' commits (for comparison benchmarks). */
export function backgroundCheckpointsEnabled(): boolean {
  return process.env.KITH_BACKGROUND_CHECKPOINTS !== '0';
}
