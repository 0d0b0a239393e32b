import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { journeyStoreContract } from './journey-store.contract.js';
import { instance, stepEvent } from './testing/journey-store-fixtures.js';
import { SqliteJourneyStore } from './sqlite-journey-store.js';
import type { JourneyStore } from './journey-store.js';

const h = sqliteAdapterHarness('journey', (db) => new SqliteJourneyStore(db));
const sql = (s: JourneyStore) => h.dbOf(s as SqliteJourneyStore);
const quote = (v: string) => `'${v.replaceAll("'", "''")}'`;

journeyStoreContract('sqlite', {
  create: () => h.create(),
  reopen: (s) => h.reopen(s as SqliteJourneyStore),
  destroy: (s) => h.destroy(s as SqliteJourneyStore),
  refuseStepEvent: async (s, id) =>
    void sql(s).exec(`CREATE TEMP TRIGGER refuse_step BEFORE INSERT ON main.outbox WHEN json_extract(NEW.event, '$.id') = ${quote(id)} BEGIN SELECT RAISE(ABORT, 'refused'); END`),
});

describe('SqliteJourneyStore on journey.db', () => {
  it('the timer wheel and the reads of a person, a journey and a version are index searches', async () => {
    const s = await h.create();
    try {
      const plan = (q: string, ...args: unknown[]) => sql(s).prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${q}`).all(...args).map((r) => r.detail).join('; ');
      // [query, its arguments, the index it searches, whether it reads in index order (no sort of its own)]
      const cases: Array<[query: string, args: unknown[], index: string, inOrder: boolean]> = [
        ['SELECT doc FROM instance WHERE due IS NOT NULL AND due <= ? ORDER BY due, id LIMIT ?', [1, 10], 'instance_due', true],
        ["SELECT doc FROM instance WHERE sandbox = ? AND person_key = ? AND journey_id = ? AND status <> 'ended' ORDER BY entered_at, id LIMIT 1", ['sb', 'k', 'j'], 'instance_person', true],
        ['SELECT doc FROM instance WHERE sandbox = ? AND person_key IN (SELECT value FROM json_each(?)) ORDER BY entered_at, id', ['sb', '["k"]'], 'instance_person', false],
        ['SELECT doc FROM instance WHERE sandbox = ? AND version_id = ? AND id > ? ORDER BY id LIMIT ?', ['sb', 'v', '', 10], 'instance_version', true],
        ['SELECT seq FROM inbox WHERE consumed = 0 AND seq > ? ORDER BY seq LIMIT ?', [0, 10], 'inbox_pending', true],
      ];
      for (const [q, args, index, inOrder] of cases) {
        const p = plan(q, ...args);
        assert.match(p, new RegExp(`USING (COVERING )?INDEX ${index}`), `${q}: ${p}`);
        if (inOrder) assert.doesNotMatch(p, /USE TEMP B-TREE FOR ORDER BY/, `${q} needs no sort: ${p}`);
      }
    } finally {
      await h.destroy(s);
    }
  });

  it('a commit\'s writes run inside one transaction', async () => {
    const s = await h.create();
    try {
      let seen: boolean | undefined;
      // a trigger that reads the transaction state from inside the unit's writes
      sql(s).function('in_tx', () => ((seen = sql(s).inTransaction), 1));
      sql(s).exec('CREATE TEMP TRIGGER probe AFTER INSERT ON main.outbox BEGIN SELECT in_tx(); END');
      await s.commit({ instances: [instance('i1')], stepEvents: [stepEvent('i1:0')] });
      assert.equal(seen, true);
      assert.equal(sql(s).inTransaction, false);
    } finally {
      await h.destroy(s);
    }
  });
});
