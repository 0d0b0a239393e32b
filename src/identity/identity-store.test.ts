import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../store/sqlite/open.js';
import { holdWriteLock } from '../store/sqlite/other-writer.js';
import { IdentityStore } from './identity-store.js';

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
        const { done } = await holdWriteLock(join(dir, 'identity.db'), 'SELECT 1', 100);
        const t0 = performance.now();
        assert.doesNotThrow(write, name);
        assert.ok(performance.now() - t0 >= 50, `${name} waited for the lock (${(performance.now() - t0).toFixed(0)} ms)`);
        await done;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
