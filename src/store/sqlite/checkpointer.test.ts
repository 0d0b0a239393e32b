import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { BackgroundCheckpointer } from './checkpointer.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, checkpointInBackground, openSqlite } from './open.js';

const require = createRequire(import.meta.url);

describe('BackgroundCheckpointer', () => {
  it('checkpoints and restarts the WAL of a file whose writer no longer checkpoints (readers kept busy)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-ckpt-'));
    checkpointInBackground(true);
    try {
      const db = openSqlite(dir, 'busy');
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), FALLBACK_AUTOCHECKPOINT_PAGES);
      db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
      const reader = openSqlite(dir, 'busy');
      const ck = await BackgroundCheckpointer.start(dir, ['busy', 'not-created-yet'], 10, ['busy']);
      const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
      const count = reader.prepare('SELECT count(*) AS n FROM t');
      const pad = 'x'.repeat(3000);
      for (let round = 0; round < 40; round++) {
        db.transaction(() => {
          for (let i = 0; i < 250; i++) ins.run(pad); // ~250 pages per commit
        })();
        count.get();
        await new Promise((r) => setTimeout(r, 15));
      }
      const stats = await ck.stats();
      assert.ok(stats.checkpoints > 0 && stats.pages > 0, JSON.stringify(stats));
      // 10,000 pages written; without checkpoints the WAL would hold them all (~40 MB)
      const wal = statSync(join(dir, 'busy.db-wal')).size;
      assert.ok(wal < 30 * 1024 * 1024, `WAL ${wal} bytes`);
      assert.equal((count.get() as { n: number }).n, 10_000);
      await ck.stop();
      db.close();
      reader.close();
    } finally {
      checkpointInBackground(false);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the WAL bounded under a steady load: a commit every millisecond or two, a reader thread in it most of the time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-ckpt-'));
    checkpointInBackground(true);
    const stop = new Int32Array(new SharedArrayBuffer(4));
    try {
      const db = openSqlite(dir, 'steady');
      db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
      // another thread reads in short transactions, back to back (as the processor reads the ingest log while the
      // API appends): some reader is almost always in the WAL, so it never starts over by itself
      const reader = new Worker(
        `const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
         const { workerData } = require('node:worker_threads');
         const db = new Database(workerData.file);
         const count = db.prepare('SELECT count(*) AS n FROM t');
         const pause = new Int32Array(new SharedArrayBuffer(4));
         while (Atomics.load(workerData.stop, 0) === 0) {
           db.exec('BEGIN'); count.get(); Atomics.wait(pause, 0, 0, 2); db.exec('COMMIT'); Atomics.wait(pause, 0, 0, 1);
         }
         db.close();`,
        { eval: true, workerData: { file: join(dir, 'steady.db'), stop } },
      );
      const ck = await BackgroundCheckpointer.start(dir, ['steady'], 10, ['steady'], { restartFrames: 200, forceFrames: 400 });
      const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
      const pad = 'x'.repeat(3000);
      let maxWal = 0;
      let slowest = 0;
      for (let round = 0; round < 500; round++) {
        const t0 = performance.now();
        db.transaction(() => {
          for (let i = 0; i < 20; i++) ins.run(pad);
        })();
        slowest = Math.max(slowest, performance.now() - t0);
        maxWal = Math.max(maxWal, statSync(join(dir, 'steady.db-wal')).size);
        await new Promise((r) => setTimeout(r, 1));
      }
      Atomics.store(stop, 0, 1);
      await new Promise((r) => reader.once('exit', r));
      const stats = await ck.stats();
      // 10,000 rows written (~11,300 pages, 46 MB of WAL frames, all of them in the file when it never starts over):
      // restarted past 400 pages (1.6 MB) when it can be, the file stays well below that (5.8-14.5 MB in 4 runs alone,
      // 14.7 MB once while the whole test suite ran beside it)
      assert.ok(stats.restarts > 0, JSON.stringify(stats));
      assert.ok(maxWal < 30 * 1024 * 1024, `WAL reached ${maxWal} bytes; ${JSON.stringify(stats)}`);
      // writers wait for a restart's moment, never for long (1 s: far above a restart, far below starvation)
      assert.ok(slowest < 1000, `a commit waited ${slowest.toFixed(0)} ms`);
      assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 10_000);
      await ck.stop();
      db.close();
    } finally {
      Atomics.store(stop, 0, 1);
      checkpointInBackground(false);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('invalid input', () => {
    it('without the background flag a connection keeps its own auto-checkpoint; stats after stop reject', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kith-ckpt-'));
      try {
        const db = openSqlite(dir, 'plain');
        assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
        db.close();
        const ck = await BackgroundCheckpointer.start(dir, ['plain'], 10);
        await ck.stop(); // resolves once the thread has ended
        await assert.rejects(() => ck.stats(), /not running/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
