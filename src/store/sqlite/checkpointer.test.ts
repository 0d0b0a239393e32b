import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundCheckpointer } from './checkpointer.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, checkpointInBackground, openSqlite } from './open.js';

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
