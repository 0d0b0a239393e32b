import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/clock.js';
import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { SqliteSourceStateStore } from './sqlite-source-state-store.js';
import { SourceKeyExpiry } from './source-key-expiry.js';

const h = sqliteAdapterHarness('sources', (db) => new SqliteSourceStateStore(db));
const keys = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}-${i}`);

describe('SourceKeyExpiry: expired dedupe keys are deleted in bounded steps', () => {
  let s: SqliteSourceStateStore;
  before(async () => {
    s = await h.create();
  });
  after(() => h.destroy(s));

  const cases: Array<{ name: string; expired: number; live: number; step: number; maxSteps: number; deleted: number }> = [
    { name: 'fewer than a step: one step', expired: 5, live: 3, step: 10, maxSteps: 5, deleted: 5 },
    { name: 'several steps, the live keys stay', expired: 25, live: 3, step: 10, maxSteps: 5, deleted: 25 },
    { name: 'more than a pass allows: the rest waits for the next pass', expired: 50, live: 0, step: 10, maxSteps: 2, deleted: 20 },
    { name: 'nothing expired', expired: 0, live: 4, step: 10, maxSteps: 5, deleted: 0 },
  ];
  for (const [i, c] of cases.entries())
    it(c.name, async () => {
      await s.expire(Number.MAX_SAFE_INTEGER, 1_000_000);
      const clock = new ManualClock(1_000);
      await s.remember(keys(c.expired, `old${i}`), 0, 500);
      await s.remember(keys(c.live, `new${i}`), 1_000, 60_000);
      const expiry = new SourceKeyExpiry(s, clock, { stepKeys: c.step, maxStepsPerRun: c.maxSteps });
      assert.equal(await expiry.run(), c.deleted);
      assert.equal((await s.seen(keys(c.live, `new${i}`), 1_000)).size, c.live, 'live keys kept');
      // an expired key counts as unseen either way; what matters is that the row is gone: expire finds none left
      assert.equal(await s.expire(1_000, 1_000_000), c.expired - c.deleted);
    });

  describe('invalid input', () => {
    it('a failing store rejects the pass (the timer hands it to onError) and the next pass runs', async () => {
      let fail = true;
      const flaky = { expire: async (now: number, limit: number) => (fail ? Promise.reject(new Error('disk I/O error')) : s.expire(now, limit)) };
      const expiry = new SourceKeyExpiry(flaky, new ManualClock(0), { stepKeys: 10 });
      await assert.rejects(expiry.run(), /disk I\/O error/);
      fail = false;
      assert.equal(await expiry.run(), 0);
    });
    it('two passes asked at once run once', async () => {
      let calls = 0;
      const counting = { expire: async () => (calls++, 0) };
      const expiry = new SourceKeyExpiry(counting, new ManualClock(0));
      await Promise.all([expiry.run(), expiry.run()]);
      assert.equal(calls, 1);
    });
  });
});
