import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { profileFixture, SB } from '../profile/testing/profile-fixture.js';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { createSegmentContext, type SegmentContext } from './wiring.js';
import { unitSize } from './streaming-runtime.js';
import { DuckDbBatchEvaluator } from './batch-sql.js';
import type { SegmentDefinition } from './segment-types.js';
import { sqliteSegmentStoreAt } from './testing/sqlite-segment-store-at.js';

const DAY = 86_400_000;
const JANE = { namespace: 'Email', id: 'jane@x.com' };
const JOHN = { namespace: 'Email', id: 'john@x.com' };
const ECID = { namespace: 'ECID', id: 'e-1' };
const SBID = SB.sandbox.id;

describe('streaming segmentation runtime', () => {
  let f: ReturnType<typeof profileFixture>;
  let seg: SegmentContext;
  let n = 0;
  beforeEach(() => {
    f = profileFixture();
    seg = createSegmentContext({ dataDir: ':memory:', store: sqliteSegmentStoreAt(':memory:'), ownsStore: true, resources: new SqliteResourceStore(openSqlite(':memory:', 'r')), clock: f.clock, profile: f.ctx, tickMs: 0, batchSql: new DuckDbBatchEvaluator() });
  });
  afterEach(async () => {
    await seg.close();
    f.close();
  });

  const define = async (name: string, pql: string, extra: Record<string, unknown> = {}): Promise<SegmentDefinition> => {
    const r = await seg.definitions.create(SB, { name, schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: pql }, ...extra });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    await seg.api.drain();
    return r.value;
  };
  const event = async (who: { namespace: string; id: string }, eventType: string, agoDays: number, extra: Record<string, unknown> = {}) => {
    const r = await f.ctx.profiles.applyEvent(SBID, { datasetId: 'events', batchId: 'b', primary: who, event: { _id: `ev-${n++}`, timestamp: new Date(f.clock.now() - agoDays * DAY).toISOString(), eventType, ...extra } });
    assert.ok(r.ok);
    await seg.api.drain();
  };
  const record = async (who: { namespace: string; id: string }, rec: Record<string, unknown>) => {
    await f.ctx.profiles.applyRecord(SBID, { datasetId: 'crm', batchId: 'b', primary: who, record: rec, eventTime: f.clock.now() });
    await seg.api.drain();
  };
  const status = async (who: { namespace: string; id: string }, segmentId: string): Promise<string | undefined> => {
    const p = await f.ctx.profiles.getProfile(SB, who);
    if (!p.ok) return undefined;
    return (p.value.entity.segmentMembership as Record<string, Record<string, { status: string }>> | undefined)?.ups?.[segmentId]?.status;
  };

  it('an event id stored twice for one identity (two datasets, two times) counts once, from the cache and from the store', async () => {
    const d = await define('Twice', 'xEvent[eventType = "commerce.purchases"].count() >= 2');
    for (const [ds, ago] of [['events', 1], ['events-2', 2]] as const)
      assert.ok((await f.ctx.profiles.applyEvent(SBID, { datasetId: ds, batchId: 'b', primary: JANE, event: { _id: 'same-id', timestamp: new Date(f.clock.now() - ago * DAY).toISOString(), eventType: 'commerce.purchases' } })).ok);
    await seg.api.drain();
    assert.equal((await f.ctx.store.events(SBID, [JANE], { order: 'desc', limit: 10 })).length, 2, 'the store holds both');
    assert.equal(await status(JANE, d.id), undefined);
    // states rebuilt from the store (a restart, a definition change): still once
    await seg.runtime.reevaluateAll(SBID);
    await seg.api.drain();
    assert.equal(await status(JANE, d.id), undefined);
    await event(JANE, 'commerce.purchases', 0);
    assert.equal(await status(JANE, d.id), 'realized', 'a second distinct event qualifies');
  });

  it('evaluates a backlog larger than one unit of work in several units, oldest first, none left behind', async () => {
    seg.runtime.maxProfilesPerStep = 2;
    const d = await define('Buyers', 'xEvent[eventType = "commerce.purchases"].count() >= 1');
    const people = Array.from({ length: 7 }, (_, i) => ({ namespace: 'Email', id: `p${i}@x.com` }));
    // queued together (no drain in between): 7 dirty profiles, 2 per unit
    for (const [i, who] of people.entries())
      assert.ok((await f.ctx.profiles.applyEvent(SBID, { datasetId: 'events', batchId: 'b', primary: who, event: { _id: `bk-${i}`, timestamp: new Date(f.clock.now()).toISOString(), eventType: 'commerce.purchases' } })).ok);
    await seg.api.drain();
    for (const who of people) assert.equal(await status(who, d.id), 'realized', who.id);
    assert.equal(seg.runtime.backlog(), 0);
  });

  it('under a backlog, units grow to half of what waits (up to the busy size): fewer commits, same members', async () => {
    const d = await define('Buyers', 'xEvent[eventType = "commerce.purchases"].count() >= 1');
    seg.runtime.coalesceMs = 50; // every change below is queued before the first unit starts
    const units = async (busy: number, tag: string): Promise<number> => {
      seg.runtime.maxProfilesPerStep = 2;
      seg.runtime.maxProfilesPerBusyStep = busy;
      const store = seg.store as unknown as { begin(): Promise<void> };
      const begin = store.begin;
      let count = 0;
      store.begin = function (this: unknown) {
        count++;
        return begin.call(this);
      };
      try {
        const people = Array.from({ length: 12 }, (_, i) => ({ namespace: 'Email', id: `${tag}${i}@x.com` }));
        for (const [i, who] of people.entries())
          assert.ok((await f.ctx.profiles.applyEvent(SBID, { datasetId: 'events', batchId: 'b', primary: who, event: { _id: `${tag}-${i}`, timestamp: new Date(f.clock.now()).toISOString(), eventType: 'commerce.purchases' } })).ok);
        await seg.api.drain();
        for (const who of people) assert.equal(await status(who, d.id), 'realized', who.id);
        assert.equal(seg.runtime.backlog(), 0);
        return count;
      } finally {
        store.begin = begin;
      }
    };
    // 12 waiting, 2 per small unit: 5 (half, capped at 5), 4, 2, 1
    assert.equal(await units(5, 'busy'), 4);
    // a busy size at or below the small one keeps small units: 6 of 2
    assert.equal(await units(2, 'small'), 6);
  });

  it('enters on the qualifying event and exits when the window slides past (timers, injectable clock)', async () => {
    const d = await define('3 purchases in 30 days', 'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 30 days before now].count() >= 3');
    await event(JANE, 'commerce.purchases', 20);
    await event(JANE, 'commerce.purchases', 5);
    await event(JANE, 'web.pageViews', 1);
    assert.equal(await status(JANE, d.id), undefined);
    await event(JANE, 'commerce.purchases', 1);
    assert.equal(await status(JANE, d.id), 'realized');
    f.clock.advance(9 * DAY); // the oldest purchase is now 29 days old: still in
    await seg.tick();
    assert.equal(await status(JANE, d.id), 'realized');
    f.clock.advance(2 * DAY); // 31 days: out
    const t = await seg.tick();
    assert.ok(t.timers >= 1);
    assert.equal(await status(JANE, d.id), 'exited');
    const rows = await seg.store.memberships(SBID, d.id);
    assert.deepEqual(rows.map((r) => r.status), ['exited']);
  });

  it('evaluates segments of segments after the segments they read, in one pass', async () => {
    const gold = await define('Gold', 'loyalty.tier = "gold"');
    const goldBuyers = await define('Gold buyers', `inSegment("${gold.id}") and xEvent[eventType = "commerce.purchases"].count() >= 1`);
    await event(JANE, 'commerce.purchases', 1);
    assert.equal(await status(JANE, goldBuyers.id), undefined);
    await record(JANE, { loyalty: { tier: 'gold' } });
    assert.equal(await status(JANE, gold.id), 'realized');
    assert.equal(await status(JANE, goldBuyers.id), 'realized', 'the dependent segment saw the new membership in the same evaluation');
    await record(JANE, { loyalty: { tier: 'silver' } });
    assert.equal(await status(JANE, gold.id), 'exited');
    assert.equal(await status(JANE, goldBuyers.id), 'exited');
  });

  it('follows identity merges: events of one identity and attributes of another qualify the merged profile', async () => {
    const d = await define('US buyers', 'homeAddress.countryCode = "US" and xEvent[eventType = "commerce.purchases"].count() >= 1');
    await record(JANE, { homeAddress: { countryCode: 'US' } });
    await event(ECID, 'commerce.purchases', 1);
    assert.equal(await status(JANE, d.id), undefined);
    f.ids.link(SBID, JANE, ECID);
    await seg.api.drain();
    assert.equal(await status(JANE, d.id), 'realized');
    assert.equal(await status(ECID, d.id), 'realized', 'the same merged profile');
  });

  it('a new definition evaluates the profiles that already exist', async () => {
    await record(JANE, { person: { name: { firstName: 'Jane' } } });
    await record(JOHN, { person: { name: { firstName: 'John' } } });
    const d = await define('J names', 'person.name.firstName.startsWith("Ja")');
    assert.equal(await status(JANE, d.id), 'realized');
    assert.equal(await status(JOHN, d.id), undefined);
  });

  it('batch jobs re-evaluate with the SQL back end and mark continuing members existing', async () => {
    const d = await define('Big spenders', 'xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal) > 100', { evaluationInfo: { continuous: { enabled: false } } });
    assert.equal(d.evaluationInfo.continuous.enabled, false);
    await event(JANE, 'commerce.purchases', 2, { commerce: { order: { priceTotal: 150 } } });
    await event(JOHN, 'commerce.purchases', 2, { commerce: { order: { priceTotal: 50 } } });
    assert.equal(await status(JANE, d.id), undefined, 'a batch-only definition is not evaluated on the streaming path');
    const run = async () => {
      const job = await seg.jobs.create(SB, [{ segmentId: d.id }]);
      assert.ok(job.ok);
      await seg.jobs.idle();
      const done = await seg.jobs.get(SB, job.value.id);
      assert.ok(done.ok);
      assert.equal(done.value.status, 'SUCCEEDED', JSON.stringify(done.value.errors));
      assert.equal((done.value.metrics.kith as { engine: string }).engine, 'duckdb');
      assert.deepEqual((done.value.metrics.segmentedProfileCounter as Record<string, number>)[d.id], 1);
      assert.equal(done.value.metrics.totalProfiles, 2);
    };
    await run();
    assert.equal(await status(JANE, d.id), 'realized');
    await run();
    assert.equal(await status(JANE, d.id), 'existing', 'a second run finds a continuing member');
    assert.equal(await status(JOHN, d.id), undefined);
  });

  it('a deleted profile leaves its segments', async () => {
    const d = await define('Anyone with a name', 'person.name.firstName.isNotNull()');
    await record(JANE, { person: { name: { firstName: 'Jane' } } });
    assert.equal((await seg.store.members(SBID, d.id)).length, 1);
    await f.ctx.profiles.deleteProfile(SB, JANE);
    await seg.api.drain();
    assert.equal((await seg.store.members(SBID, d.id)).length, 0);
  });

  it('back-pressure: caughtUp(limit) waits until at most limit changes are queued', async () => {
    await define('Any purchase', 'xEvent[eventType = "commerce.purchases"].exists()');
    const items = Array.from({ length: 30 }, (_, i) => ({ kind: 'event' as const, sandboxId: SBID, input: { datasetId: 'events', batchId: 'b', primary: { namespace: 'Email', id: `p${i}@x.com` }, event: { _id: `bp-${i}`, timestamp: new Date(f.clock.now()).toISOString(), eventType: 'commerce.purchases' } } }));
    await f.ctx.profiles.applyBatch(items);
    assert.equal(seg.runtime.backlog(), 30, 'changes are queued, not evaluated inline');
    await seg.runtime.caughtUp(0);
    assert.equal(seg.runtime.backlog(), 0);
    assert.equal((await seg.store.members(SBID, (await seg.definitions.compiled(SBID))[0]!.def.id)).length, 30);
  });

  it('a sandbox without definitions queues nothing (no work on the ingest path)', async () => {
    assert.deepEqual(await seg.definitions.compiled(SBID), []);
    await f.ctx.profiles.applyBatch([{ kind: 'event', sandboxId: SBID, input: { datasetId: 'events', batchId: 'b', primary: JANE, event: { _id: 'quiet', timestamp: new Date(f.clock.now()).toISOString(), eventType: 'x' } } }]);
    assert.equal(seg.runtime.backlog(), 0);
    const d = await define('Anything', 'xEvent[eventType = "x"].exists()');
    assert.equal(await status(JANE, d.id), 'realized', 'a later definition still sees the earlier data');
  });

  it('estimates from a sample when there are more profiles than the sample size', async () => {
    const small = createSegmentContext({ dataDir: ':memory:', store: sqliteSegmentStoreAt(':memory:'), ownsStore: true, resources: new SqliteResourceStore(openSqlite(':memory:', 'r2')), clock: f.clock, profile: f.ctx, tickMs: 0, previewSampleSize: 4 });
    try {
      for (let i = 0; i < 10; i++) await record({ namespace: 'Email', id: `p${i}@x.com` }, { loyalty: { tier: i % 2 === 0 ? 'gold' : 'silver' } });
      const p = await small.previews.create(SB, { predicateExpression: 'loyalty.tier = "gold"', predicateType: 'pql/text' });
      assert.ok(p.ok);
      const e = await small.previews.estimate(SB, p.value.previewId as string);
      assert.ok(e.ok);
      assert.equal(e.value.sampled, true);
      assert.equal(e.value.profilesReadSoFar, 4);
      assert.equal(e.value.totalRows, 10);
      assert.equal(e.value.estimatedSize, Math.round((e.value.profilesMatchedSoFar as number) * 2.5), 'scaled to the population');
      assert.ok((e.value.standardError as number) > 0);
    } finally {
      await small.close();
    }
  });

  describe('invalid input', () => {
    const cases: Array<[string, Record<string, unknown>, number, RegExp]> = [
      ['no name', { schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'a = 1' } }, 400, /name/],
      ['no expression', { name: 'x', schema: { name: '_xdm.context.profile' } }, 400, /expression/],
      ['not PQL', { name: 'x', schema: { name: '_xdm.context.profile' }, expression: { type: 'SQL', value: 'a = 1' } }, 400, /PQL/],
      ['bad PQL', { name: 'x', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'a = ' } }, 400, /Invalid PQL/],
      ['unknown segment', { name: 'x', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'inSegment("nope")' } }, 400, /no segment definition/],
      ['other schema', { name: 'x', schema: { name: '_xdm.context.experienceevent' }, expression: { type: 'PQL', format: 'pql/text', value: 'a = 1' } }, 400, /not supported/],
    ];
    for (const [what, body, code, msg] of cases)
      it(what, async () => {
        const r = await seg.definitions.create(SB, body);
        assert.ok(!r.ok);
        assert.equal(r.error.status, code);
        assert.match(JSON.stringify(r.error.body), msg);
      });
    it('a PQL error names its position', async () => {
      const r = await seg.definitions.create(SB, { name: 'x', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'a = 1 and\n  b >' } });
      assert.ok(!r.ok);
      const body = r.error.body as { line: number; column: number };
      assert.equal(body.line, 2);
      assert.ok(body.column >= 4);
    });
    it('duplicate names, cycles and deleting a referenced segment are refused', async () => {
      const a = await define('A', 'a = 1');
      const b = await define('B', `inSegment("${a.id}")`);
      const dup = await seg.definitions.create(SB, { name: 'A', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'a = 2' } });
      assert.ok(!dup.ok && dup.error.status === 409);
      const cyc = await seg.definitions.patch(SB, a.id, { expression: { type: 'PQL', format: 'pql/text', value: `inSegment("${b.id}")` } });
      assert.ok(!cyc.ok && cyc.error.status === 400, JSON.stringify(cyc));
      const del = await seg.definitions.delete(SB, a.id);
      assert.ok(!del.ok && del.error.status === 409);
    });
  });
});

describe('unitSize (profiles per unit of work)', () => {
  const cases: Array<[string, number, number, number, number]> = [
    // name, waiting, small, busy, expected
    ['nothing waiting: the small size', 0, 50, 400, 50],
    ['few waiting: the small size', 60, 50, 400, 50],
    ['a backlog: half of it', 300, 50, 400, 150],
    ['an odd backlog rounds up', 301, 50, 400, 151],
    ['a large backlog: capped at the busy size', 5000, 50, 400, 400],
  ];
  for (const [name, waiting, small, busy, expected] of cases) it(name, () => assert.equal(unitSize(waiting, small, busy), expected));
  describe('invalid input', () => {
    it('a busy size below the small one never shrinks units', () => assert.equal(unitSize(5000, 50, 10), 50));
    it('a negative count of waiting profiles is the small size', () => assert.equal(unitSize(-3, 50, 400), 50));
  });
});
