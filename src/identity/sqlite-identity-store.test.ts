import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite, type SqliteDb } from '../store/sqlite/open.js';
import { holdWriteLock } from '../store/sqlite/other-writer.js';
import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { identityStoreContract } from './identity-store.contract.js';
import { SqliteIdentityStore } from './sqlite-identity-store.js';

const h = sqliteAdapterHarness('identity', (db) => new SqliteIdentityStore(db));
const replicas = new Map<SqliteIdentityStore, SqliteDb[]>();
identityStoreContract('sqlite', {
  create: () => h.create(),
  reopen: async (s) => {
    const dbs = replicas.get(s as SqliteIdentityStore) ?? [];
    replicas.delete(s as SqliteIdentityStore);
    const next = await h.reopen(s as SqliteIdentityStore);
    replicas.set(next, dbs);
    return next;
  },
  replica: async (s) => {
    // another connection to the same file, as a reader thread opens it
    const db = openSqlite(dirname(h.dbOf(s as SqliteIdentityStore).name), 'identity');
    replicas.set(s as SqliteIdentityStore, [...(replicas.get(s as SqliteIdentityStore) ?? []), db]);
    return new SqliteIdentityStore(db);
  },
  destroy: async (s) => {
    for (const db of replicas.get(s as SqliteIdentityStore) ?? []) db.close();
    await h.destroy(s as SqliteIdentityStore);
  },
  refuseLinkChunks: async (s) => {
    const db = h.dbOf(s as SqliteIdentityStore);
    db.exec(`CREATE TEMP TRIGGER refuse_links BEFORE INSERT ON snapshot WHEN NEW.kind = 'E' BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    return async () => void db.exec('DROP TRIGGER temp.refuse_links');
  },
  snapshotRows: async (s, sandbox) => (h.dbOf(s as SqliteIdentityStore).prepare('SELECT sum(n) AS n FROM snapshot WHERE sandbox=?').get(sandbox) as { n: number | null }).n ?? 0,
});

describe('SqliteIdentityStore', () => {
  it('every write transaction waits for a write lock another thread holds instead of failing (the checkpointer restarts the WAL under it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-idstore-'));
    const db = openSqlite(dir, 'identity');
    try {
      const store = new SqliteIdentityStore(db);
      await store.append('sb', [{ t: 1, dataset: 'd', batch: 'b', record: 'r', identities: [{ ns: 'CRMID', id: 'a', type: 'CROSS_DEVICE' }] }], []);
      // each reads before it writes: as deferred transactions they would get SQLITE_BUSY at once
      const writes: Array<[string, () => Promise<unknown>]> = [
        ['checkpoint', () => store.checkpoint('sb', { nodes: [], edges: [] })],
        ['replaceGraph', () => store.replaceGraph('sb', [], [], [])],
        ['append', () => store.append('sb', [], [])],
        ['removeObservations', () => store.removeObservations('sb', { batchId: 'b' })],
      ];
      for (const [name, write] of writes) {
        const { done } = await holdWriteLock(join(dir, 'identity.db'), 'SELECT 1', 100);
        const t0 = performance.now();
        await assert.doesNotReject(write(), name);
        assert.ok(performance.now() - t0 >= 50, `${name} waited for the lock (${(performance.now() - t0).toFixed(0)} ms)`);
        await done;
      }
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a replica may read through a read-only connection once the writer has created the tables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-idstore-'));
    const db = openSqlite(dir, 'identity');
    const ro = new Database(join(dir, 'identity.db'), { readonly: true });
    try {
      const store = new SqliteIdentityStore(db);
      const o = { t: 1, dataset: 'd', batch: 'b', record: 'r', identities: [{ ns: 'CRMID', id: 'a', type: 'CROSS_DEVICE', xid: 'xa' }] };
      const n = { xid: 'xa', ns: 'CRMID', id: 'a', type: 'CROSS_DEVICE', firstSeen: 1, lastSeen: 1 };
      await store.append('sb', [o], []);
      await store.checkpoint('sb', { nodes: [n], edges: [] });
      await store.append('sb', [{ ...o, t: 2 }], []);
      const reader = new SqliteIdentityStore(ro);
      const at = await reader.loadAt('sb');
      assert.deepEqual(at.nodes, [n]);
      assert.deepEqual((await reader.tail('sb', at.seq, 10)).observations, [{ ...o, t: 2 }]);
    } finally {
      ro.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
