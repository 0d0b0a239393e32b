import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSeenIds } from './sqlite-seen-ids.js';
import { openSqlite, type SqliteDb } from '../store/sqlite/open.js';

describe('SqliteSeenIds seen mark (ids of a lake write and the offset they reach, in one transaction)', () => {
  let dir = '';
  let db: SqliteDb;
  let store: SqliteSeenIds;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kith-seen-marks-'));
    db = openSqlite(dir, 'failed-records');
    store = new SqliteSeenIds(db);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no mark until one is recorded (a directory from before marks)', async () => {
    assert.equal(await store.rememberedThrough('lake'), undefined);
  });

  it('remembers ids of several datasets with the mark, per consumer, across a reopen', async () => {
    await store.rememberThrough('lake', 10, new Map([['sb/a', ['a1', 'a2']], ['sb/b', ['b1']]]));
    db.close();
    db = openSqlite(dir, 'failed-records');
    store = new SqliteSeenIds(db);
    assert.equal(await store.rememberedThrough('lake'), 10);
    assert.equal(await store.rememberedThrough('other'), undefined);
    assert.deepEqual([...(await store.seen('sb/a', ['a1', 'a2', 'b1']))].sort(), ['a1', 'a2']);
    assert.deepEqual([...(await store.seen('sb/b', ['b1', 'a1']))], ['b1']);
  });

  it('rolls the ids back when the mark cannot be written (one transaction)', async () => {
    db.exec(`CREATE TEMP TRIGGER refuse BEFORE UPDATE ON seen_marks BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    try {
      await assert.rejects(store.rememberThrough('lake', 20, new Map([['sb/a', ['a3']]])), /disk full/);
    } finally {
      db.exec('DROP TRIGGER temp.refuse');
    }
    assert.deepEqual([...(await store.seen('sb/a', ['a3']))], []);
    assert.equal(await store.rememberedThrough('lake'), 10);
  });

  describe('invalid input', () => {
    const cases: Array<{ name: string; upTo: number; ids: Map<string, string[]>; mark: number; seen: Array<[string, string[]]> }> = [
      { name: 'no ids at all still moves the mark (a chunk of failed records only)', upTo: 30, ids: new Map(), mark: 30, seen: [] },
      { name: 'a dataset with an empty list', upTo: 31, ids: new Map([['sb/c', []]]), mark: 31, seen: [['sb/c', []]] },
      { name: 'a mark below the stored one (a replayed range) keeps the mark, remembers the ids', upTo: 5, ids: new Map([['sb/a', ['a9']]]), mark: 31, seen: [['sb/a', ['a9']]] },
      { name: 'odd ids and the same id twice', upTo: 40, ids: new Map([['sb/d', ['q"x', 'q"x', '\u0000', 'ü😀']]]), mark: 40, seen: [['sb/d', ['\u0000', 'q"x', 'ü😀']]] },
    ];
    for (const c of cases)
      it(c.name, async () => {
        await store.rememberThrough('lake', c.upTo, c.ids);
        assert.equal(await store.rememberedThrough('lake'), c.mark);
        for (const [k, ids] of c.seen) assert.deepEqual([...(await store.seen(k, [...ids, 'absent']))].sort(), ids);
      });
  });
});
