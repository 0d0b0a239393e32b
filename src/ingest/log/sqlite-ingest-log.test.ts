import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestLogContract } from './ingest-log.contract.js';
import { SqliteIngestLog } from './sqlite-ingest-log.js';
import { openSqlite, type SqliteDb } from '../../store/sqlite/open.js';
import type { IngestLog } from './ingest-log.js';
import Database from 'better-sqlite3';
import { holdWriteLock } from '../../store/sqlite/other-writer.js';

const opened = new Map<IngestLog, { dir: string; db: SqliteDb }>();
ingestLogContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-log-'));
    const db = openSqlite(dir, 'ingest-log', { synchronous: 'FULL' });
    const log = new SqliteIngestLog(db);
    opened.set(log, { dir, db });
    return log;
  },
  async (l) => {
    const { dir, db } = opened.get(l)!;
    await l.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  },
);

describe('SqliteIngestLog on a file written before the optional entry fields existed', () => {
  it('adds the columns and keeps old entries readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-log-old-'));
    try {
      const old = openSqlite(dir, 'ingest-log', { synchronous: 'FULL' });
      old.exec(`CREATE TABLE log (offset INTEGER PRIMARY KEY, sandbox_id TEXT NOT NULL, org_id TEXT NOT NULL, kind TEXT NOT NULL,
          received_at INTEGER NOT NULL, payload TEXT NOT NULL);
        INSERT INTO log VALUES (1, 'sb', 'org', 'xdm', 5, '{"a":1}');`);
      old.close();
      const db = openSqlite(dir, 'ingest-log', { synchronous: 'FULL' });
      const log = new SqliteIngestLog(db);
      assert.equal(await log.head(), 1);
      const [o] = await log.append([{ sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: 6, payload: '{}', key: 'k' }]);
      assert.equal(o, 2);
      assert.deepEqual(await log.read(0, 10), [
        { offset: 1, sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: 5, payload: '{"a":1}' },
        { offset: 2, sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: 6, payload: '{}', key: 'k' },
      ]);
      await log.close();
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteIngestLog consumer markers while another connection holds the write lock', () => {
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-log-lock-'));
    const file = join(dir, 'ingest-log.db');
    const db = openSqlite(dir, 'ingest-log');
    const log = new SqliteIngestLog(db);
    const storedOnDisk = (consumer: string): number | undefined => {
      const other = new Database(file, { readonly: true });
      try {
        return (other.prepare('SELECT offset FROM consumers WHERE name = ?').get(consumer) as { offset: number } | undefined)?.offset;
      } finally {
        other.close();
      }
    };
    return { dir, file, db, log, storedOnDisk };
  };

  it('commit returns without waiting for the lock; the marker is answered at once and stored once the lock is free', async () => {
    const { dir, file, db, log, storedOnDisk } = setup();
    try {
      await log.commit('downstream', 3);
      const other = await holdWriteLock(file, "INSERT INTO log_meta(k, v) VALUES ('other', 1)", 300);
      await log.commit('downstream', 7);
      // the other thread still holds the lock: a blocking commit would only have returned after it let go
      assert.ok(other.held(), 'commit waited for the write lock');
      assert.equal(await log.committed('downstream'), 7);
      assert.equal(storedOnDisk('downstream'), 3);
      await other.done;
      for (let i = 0; i < 200 && storedOnDisk('downstream') !== 7; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(storedOnDisk('downstream'), 7);
      assert.equal(await log.committed('downstream'), 7);
    } finally {
      await log.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an append waits for a write lock another thread holds (the checkpointer restarting the WAL) and is acknowledged once it is free', async () => {
    const { dir, file, db, log } = setup();
    try {
      const other = await holdWriteLock(file, "INSERT INTO log_meta(k, v) VALUES ('other', 1)", 100);
      const [offset] = await log.append([{ sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: 1, payload: '{"a":1}' }]);
      assert.equal(other.held(), false, 'acknowledged only after the other thread let go');
      assert.equal((await log.read(offset! - 1, 1))[0]?.payload, '{"a":1}');
      await other.done;
    } finally {
      await log.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close stores a marker still pending (waiting for the lock then)', async () => {
    const { dir, file, db, log, storedOnDisk } = setup();
    try {
      const other = await holdWriteLock(file, "INSERT INTO log_meta(k, v) VALUES ('other', 1)", 150);
      await log.commit('lake', 11);
      assert.ok(other.held());
      await log.close();
      assert.equal(storedOnDisk('lake'), 11);
      await other.done;
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('invalid input', () => {
    it('a retry that fails (the connection closed under it) is not an uncaught error: the marker stays pending', async () => {
      const { dir, file, db, log } = setup();
      try {
        const other = await holdWriteLock(file, "INSERT INTO log_meta(k, v) VALUES ('other', 1)", 60);
        await log.commit('lake', 9); // pending, a retry scheduled
        db.close();
        await other.done;
        await new Promise((r) => setTimeout(r, 50)); // the retry has run (and failed) by now
        // the next commit reports the failure to its caller
        await assert.rejects(log.commit('lake', 10), /not open/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a consumer never committed answers 0, pending markers of others notwithstanding', async () => {
      const { dir, file, db, log } = setup();
      try {
        const other = await holdWriteLock(file, "INSERT INTO log_meta(k, v) VALUES ('other', 1)", 100);
        await log.commit('lake', 5);
        assert.equal(await log.committed('never-seen'), 0);
        await other.done;
      } finally {
        await log.close();
        db.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
