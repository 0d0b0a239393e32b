import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, READER_CACHE_MIB } from './open.js';

describe('openSqlite', () => {
  const cases: Array<{ name: string; opts: Parameters<typeof openSqlite>[2]; cacheKiB: number; synchronous: number }> = [
    { name: 'defaults: 64 MiB cache, synchronous NORMAL', opts: {}, cacheKiB: 65536, synchronous: 1 },
    { name: 'a reader connection: a small cache', opts: { cacheMiB: READER_CACHE_MIB }, cacheKiB: READER_CACHE_MIB * 1024, synchronous: 1 },
    { name: 'the ingest log: synchronous FULL', opts: { synchronous: 'FULL' }, cacheKiB: 65536, synchronous: 2 },
    { name: 'a fractional size rounds to KiB', opts: { cacheMiB: 0.5 }, cacheKiB: 512, synchronous: 1 },
  ];
  for (const c of cases)
    it(c.name, () => {
      const dir = mkdtempSync(join(tmpdir(), 'kith-open-'));
      const db = openSqlite(dir, 'x', c.opts);
      try {
        assert.equal(db.pragma('cache_size', { simple: true }), -c.cacheKiB);
        assert.equal(db.pragma('synchronous', { simple: true }), c.synchronous);
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      } finally {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

  describe('invalid input', () => {
    it('a cache size of 0 or less still gets 1 KiB (SQLite reads 0 as its own default)', () => {
      const db = openSqlite(':memory:', 'x', { cacheMiB: 0 });
      assert.equal(db.pragma('cache_size', { simple: true }), -1);
      db.close();
    });
  });
});
