import { openSqlite } from '../store/sqlite/open.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { segmentStoreContract } from './segment-store.contract.js';
import { SqliteSegmentStore } from './sqlite-segment-store.js';
import { SqliteMembershipReader } from './sqlite-membership-reader.js';
import type { SegmentStore } from './segment-store.js';

const h = sqliteAdapterHarness('segment', (db) => new SqliteSegmentStore(db));
const dirOf = (s: SegmentStore) => h.dbOf(s as SqliteSegmentStore).name.replace(/\/segment\.db$/, '');
segmentStoreContract('sqlite', {
  create: () => h.create(),
  reopen: (s) => h.reopen(s as SqliteSegmentStore),
  destroy: (s) => h.destroy(s as SqliteSegmentStore),
  reader: async (s) => new SqliteMembershipReader(openSqlite(dirOf(s), 'segment')),
});

describe('SqliteSegmentStore: segment.db as files from older builds left it', () => {
  it('an outbox written before event ids had a column still answers them', async () => {
    const s = await h.create();
    try {
      const raw = h.dbOf(s);
      raw.prepare('INSERT INTO outbox (sandbox, ts, record) VALUES (?,?,?)').run('sb', 1, JSON.stringify({ _id: 'old-1' }));
      assert.deepEqual((await s.readOutbox(0, 10)).map((r) => r.id), ['old-1']);
    } finally {
      await h.destroy(s);
    }
  });

  it('a unit of work is one IMMEDIATE transaction: writes land at commit, prefetch costs no await', async () => {
    const s = await h.create();
    try {
      assert.equal(s.prefetch(), undefined);
      await s.begin();
      assert.equal(h.dbOf(s).inTransaction, true);
      s.addOutbox('sb', 1, { _id: 'x' });
      await s.commit();
      assert.equal(h.dbOf(s).inTransaction, false);
    } finally {
      await h.destroy(s);
    }
  });
});
