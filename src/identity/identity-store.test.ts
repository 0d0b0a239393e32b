import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openSqlite } from '../store/sqlite/open.js';
import { IdentityStore } from './identity-store.js';

const require = createRequire(import.meta.url);

/**
 * Another thread takes identity.db's write lock for `holdMs` (as the checkpointer does while it restarts the WAL);
 * resolves once it holds it, with a promise of its release.
 */
async function holdWriteLock(file: string, holdMs: number): Promise<{ released: Promise<void> }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker(
    `const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
     const { workerData } = require('node:worker_threads');
     const db = new Database(workerData.file);
     db.exec('BEGIN IMMEDIATE');
     Atomics.store(workerData.flag, 0, 1); Atomics.notify(workerData.flag, 0);
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
     db.exec('COMMIT'); db.close();`,
    { eval: true, workerData: { file, flag, holdMs } },
  );
  const released = new Promise<void>((r) => w.once('exit', () => r()));
  while (Atomics.load(flag, 0) === 0) await new Promise((r) => setTimeout(r, 1));
  return { released };
}

describe('IdentityStore', () => {
  it('every write transaction waits for a write lock another thread holds instead of failing (the checkpointer restarts the WAL under it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-idstore-'));
    try {
      const store = new IdentityStore(openSqlite(dir, 'identity'));
      // each reads before it writes: as deferred transactions they would get SQLITE_BUSY at once
      const writes: Array<[string, () => void]> = [
        ['checkpoint', () => store.checkpoint('sb', { nodes: [], edges: [] })],
        ['replaceGraph', () => store.replaceGraph('sb', [], [], [])],
        ['append', () => store.append('sb', [], [])],
      ];
      for (const [name, write] of writes) {
        const { released } = await holdWriteLock(join(dir, 'identity.db'), 100);
        const t0 = performance.now();
        assert.doesNotThrow(write, name);
        assert.ok(performance.now() - t0 >= 50, `${name} waited for the lock (${(performance.now() - t0).toFixed(0)} ms)`);
        await released;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
