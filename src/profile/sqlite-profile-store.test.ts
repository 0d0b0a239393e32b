import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlite } from '../store/sqlite/open.js';
import { holdWriteLock } from '../store/sqlite/other-writer.js';
import { fragmentStoreContract } from './fragment-store.contract.js';
import { SqliteProfileStore } from './sqlite-profile-store.js';

const dir = mkdtempSync(join(tmpdir(), 'kith-profile-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
fragmentStoreContract('sqlite', async () => new SqliteProfileStore(openSqlite(dir, 'profile')));
// a file written before profile_event lost its primary key on (sandbox, ns, id, event_id): the same statements
// give the same answers
fragmentStoreContract('sqlite, events table of an older file', async () => {
  const db = openSqlite(join(dir, 'older'), 'profile');
  db.exec(`CREATE TABLE profile_event (
    sandbox TEXT NOT NULL, ns TEXT NOT NULL, ns_code TEXT NOT NULL, id TEXT NOT NULL, event_id TEXT NOT NULL,
    ts INTEGER NOT NULL, dataset TEXT NOT NULL, batch TEXT NOT NULL, body TEXT NOT NULL, ingested_at INTEGER NOT NULL,
    PRIMARY KEY (sandbox, ns, id, event_id));
    CREATE INDEX profile_event_ts ON profile_event (sandbox, ns, id, ts, event_id);`);
  return new SqliteProfileStore(db);
});

describe('SqliteProfileStore with a second writer (another thread holds the write lock)', () => {
  it('a transaction waits for the lock and runs its body exactly once', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kith-profile-lock-'));
    try {
      const store = new SqliteProfileStore(openSqlite(d, 'profile'));
      const file = join(d, 'profile.db');
      // the other writer: takes the lock, says so, keeps it ~80 ms, commits
      const other = await holdWriteLock(file, "INSERT INTO profile_ca VALUES ('sb', 'ca', 'ns', 'other', '{}')");
      let runs = 0;
      await store.write([{ sandboxId: 'sb', ref: { namespace: 'ns', id: 'mine' } }], (w) => {
        runs++;
        w.putCa('sb', 'ca', { namespace: 'ns', id: 'mine' }, { n: 1 } as never);
      });
      assert.equal(runs, 1);
      assert.equal((await store.caStates('sb', 'ca', [{ namespace: 'ns', id: 'other' }])).length, 1, 'the other writer committed first');
      assert.equal((await store.caStates('sb', 'ca', [{ namespace: 'ns', id: 'mine' }])).length, 1);
      await other.done;
      await store.close();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('SqliteProfileStore event counts of identities holding many events', () => {
  const ev = (i: number, batchId = 'b') => ({ eventId: `e${i}`, namespace: 'Email', id: 'a@x', datasetId: 'd', batchId, ts: i, event: { _id: `e${i}` }, ingestedAt: i });
  const ref = { namespace: 'email', id: 'a@x' };

  it('counts past the threshold, ages out at the cap, and counts again after deletes', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kith-profile-heavy-'));
    try {
      const s = new SqliteProfileStore(openSqlite(d, 'profile'));
      const steps: Array<[string, () => number | Promise<number>, number]> = [
        ['99 events', () => { let n = 0; for (let i = 0; i < 99; i++) n = s.addEvent('sb', ev(i), 300).count; return n; }, 99],
        ['crossing the threshold', () => { let n = 0; for (let i = 99; i < 150; i++) n = s.addEvent('sb', ev(i, i < 120 ? 'b' : 'late'), 300).count; return n; }, 150],
        ['a duplicate past it is not counted', () => s.addEvent('sb', ev(10), 300).count, 150],
        ['countEvents agrees', async () => s.countEvents('sb', [ref]), 150],
        ['at the cap the oldest age out', () => { let n = 0; for (let i = 150; i < 320; i++) n = s.addEvent('sb', ev(i, 'late'), 300).count; return n; }, 300],
        // the 300 kept are e20..e319: e20..e119 of batch b, the rest of batch late
        ['deleting a batch down to the threshold', async () => (await s.deleteByBatch('sb', 'late'), s.countEvents('sb', [ref])), 100],
        ['growing past it again counts from the events', () => { let n = 0; for (let i = 400; i < 405; i++) n = s.addEvent('sb', ev(i), 300).count; return n; }, 105],
        ['deleting the identity', async () => (await s.deleteIdentities('sb', [ref]), s.countEvents('sb', [ref])), 0],
      ];
      for (const [what, run, want] of steps) assert.equal(await run(), want, what);
      await s.close();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('a file from before the count rows is counted once when opened', async () => {
    const d = mkdtempSync(join(tmpdir(), 'kith-profile-count-'));
    try {
      const first = new SqliteProfileStore(openSqlite(d, 'profile'));
      for (let i = 0; i < 130; i++) first.addEvent('sb', ev(i), 1000);
      await first.close();
      const raw = openSqlite(d, 'profile');
      raw.exec('DROP TABLE profile_event_heavy');
      raw.close();
      const again = new SqliteProfileStore(openSqlite(d, 'profile'));
      assert.equal(await again.countEvents('sb', [ref]), 130);
      assert.equal(again.addEvent('sb', ev(130), 1000).count, 131);
      await again.close();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
