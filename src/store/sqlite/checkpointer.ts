import { Worker } from 'node:worker_threads';
import { join } from 'node:path';

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
   * writer takes the lock with BEGIN IMMEDIATE (or writes in single statements); only their WAL is restarted by this
   * thread when it grew (RESTART holds the write lock for a moment).
   */
  static start(dataDir: string, names: string[], intervalMs = 100, restartable: string[] = []): Promise<BackgroundCheckpointer> {
    const file = (n: string) => join(dataDir, `${n}.db`);
    const worker = new Worker(new URL('./checkpointer-worker.mjs', import.meta.url), { workerData: { files: names.map(file), restartable: restartable.map(file), intervalMs } });
    worker.unref();
    return new Promise((resolve, reject) => {
      worker.once('message', () => resolve(new BackgroundCheckpointer(worker)));
      worker.once('error', reject);
    });
  }

  /** Checkpoints done and pages copied so far. */
  stats(): Promise<{ checkpoints: number; pages: number }> {
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
