import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * Tests only: another thread that takes `file`'s write lock, runs `sql` in that transaction, holds the lock `holdMs`
 * and commits. Resolves once the lock is held; `done` resolves once the thread committed and ended.
 */
export async function holdWriteLock(file: string, sql: string, holdMs = 80): Promise<{ done: Promise<unknown>; held(): boolean }> {
  // set by the other thread once it has committed (readable while this thread is blocked)
  const released = new Int32Array(new SharedArrayBuffer(4));
  const other = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const db = new (require('better-sqlite3'))(workerData.file);
     db.exec('BEGIN IMMEDIATE');
     db.exec(workerData.sql);
     parentPort.postMessage('locked');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
     db.exec('COMMIT');
     Atomics.store(workerData.released, 0, 1);
     db.close();`,
    { eval: true, workerData: { file, sql, holdMs, released } },
  );
  const done = once(other, 'exit');
  await once(other, 'message');
  return { done, held: () => Atomics.load(released, 0) === 0 };
}
