import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resourceStoreContract } from '../resource-store.contract.js';
import { openSqlite } from './open.js';
import { SqliteResourceStore } from './sqlite-resource-store.js';
import { holdWriteLock } from './other-writer.js';

const dirs: string[] = [];
resourceStoreContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-rs-'));
    dirs.push(dir);
    return new SqliteResourceStore(openSqlite(dir, 'control'));
  },
  async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  },
);

describe('SqliteResourceStore with a second writer (the processor and segmentation threads write control.db too)', () => {
  it('a put waits for the other writer and is applied, never refused with "database is locked"', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kith-rs-lock-'));
    try {
      const store = new SqliteResourceStore(openSqlite(d, 'control'));
      await store.put('k', 'sb', 'seed', { n: 0 });
      // the other writer: takes the lock, says so, keeps it ~80 ms, commits (a read-then-write transaction that
      // started before the commit can no longer upgrade: SQLite refuses it at once)
      const other = await holdWriteLock(join(d, 'control.db'), "UPDATE resources SET version = version + 1 WHERE id = 'seed'");
      const r = await store.put('k', 'sb', 'mine', { n: 1 });
      assert.ok(r.ok);
      assert.equal((await store.get('k', 'sb', 'seed'))?.version, 2, 'the other writer committed first');
      assert.deepEqual((await store.get('k', 'sb', 'mine'))?.doc, { n: 1 });
      await other.done;
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
