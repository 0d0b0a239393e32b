import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../shared/clock.js';
import { DAY_MS, eventsTableSql, featureColumns, featuresSql, profileFeaturesSql, type FeaturePlan } from './features.js';
import { event, lakeFixture, type LakeFixture } from './testing/lake-fixture.js';

const close = (a: unknown, b: number) => assert.ok(Math.abs(Number(a) - b) < 1e-9, `${String(a)} ≉ ${b}`);

describe('features as of a cutoff', () => {
  let lake: LakeFixture;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const cutoff = clock.now() - 30 * DAY_MS;
  const plan: FeaturePlan = { lookbackDays: 90, outcomeType: 'commerce.purchases', eventTypes: ['web.pageView'] };
  const cols = featureColumns(plan);
  const col = (name: string) => `f${cols.findIndex((c) => c.name === name)}`;
  const src = { tables: ['s_test.events'], namespace: 'Email', monetaryField: 'commerce.order.priceTotal', withIds: false };
  const features = async () => {
    await lake.session.run(eventsTableSql('ev', src, clock.now()));
    return lake.session.rows(`SELECT * FROM (${featuresSql('ev', cols, plan, cutoff)}) ORDER BY pid`);
  };

  before(async () => {
    lake = await lakeFixture();
    const buy = (total: number) => ({ commerce: { order: { priceTotal: total } } });
    await lake.add([
      { ts: cutoff - 10 * DAY_MS, record: event('ann@x', 'web.pageView') },
      { ts: cutoff - 1 * DAY_MS, record: event('ann@x', 'commerce.purchases', buy(40)) },
      { ts: cutoff - 50 * DAY_MS, record: event('ann@x', 'web.pageView') },
      { ts: cutoff - 200 * DAY_MS, record: event('old@x', 'web.pageView') }, // outside the lookback: not in the population
      { ts: cutoff - 5 * DAY_MS, record: { eventType: 'web.pageView', identityMap: { ECID: [{ id: '1' }] } } }, // no Email: nobody
    ]);
  });
  after(() => lake.close());

  it('reads only events strictly before the cutoff', async () => {
    const rows = await features();
    assert.deepEqual(rows.map((r) => r.pid), ['ann@x']);
    const ann = rows[0]!;
    close(ann[col('daysSinceLastEvent')], Math.log(1 + 1));
    close(ann[col('daysSinceFirstSeen')], Math.log(1 + 50));
    close(ann[col('events30d')], Math.log(1 + 2));
    close(ann[col('events90d')], Math.log(1 + 3));
    close(ann[col('spend30d')], Math.log(1 + 40));
    close(ann[col('commerce.purchases:30d')], Math.log(1 + 1));
    close(ann[col('web.pageView:90d')], Math.log(1 + 2));
    close(ann[col('trend30d')], (2 - 1) / (3 + 1));
  });

  it('events at and after the cutoff change nothing (no leakage)', async () => {
    const before = await features();
    await lake.add([
      { ts: cutoff, record: event('ann@x', 'commerce.purchases', { commerce: { order: { priceTotal: 9999 } } }) },
      { ts: cutoff + 3 * DAY_MS, record: event('ann@x', 'web.pageView') },
      { ts: cutoff + 3 * DAY_MS, record: event('new@x', 'web.pageView') }, // first seen after the cutoff: not in the population
    ]);
    assert.deepEqual(await features(), before);
  });

  it('events after the clock\'s now are not read at all', async () => {
    await lake.add([{ ts: clock.now() + DAY_MS, record: event('future@x', 'web.pageView') }]);
    await lake.session.run(eventsTableSql('ev', src, clock.now()));
    assert.deepEqual(await lake.session.rows("SELECT count(*)::INTEGER AS n FROM ev WHERE pid = 'future@x'"), [{ n: 0 }]);
  });

  it('a later cutoff (scoring) sees the later events', async () => {
    await lake.session.run(eventsTableSql('ev', src, clock.now()));
    const rows = await lake.session.rows(`SELECT * FROM (${featuresSql('ev', cols, plan, clock.now())}) ORDER BY pid`);
    assert.deepEqual(rows.map((r) => r.pid), ['ann@x', 'new@x']);
  });

  it('profile attributes: the latest value per person, profile records only', async () => {
    await lake.add([
      { ts: null, ingestedAt: 1, record: { identityMap: { Email: [{ id: 'ann@x' }] }, loyalty: { points: 10 } } },
      { ts: null, ingestedAt: 2, record: { identityMap: { Email: [{ id: 'ann@x' }] }, loyalty: { points: 25 } } },
      { ts: null, ingestedAt: 3, record: { identityMap: { Email: [{ id: 'ann@x' }] }, loyalty: { points: 'n/a' } } },
    ]);
    await lake.session.run(profileFeaturesSql('prof', ['s_test.events'], 'Email', ['loyalty.points'], clock.now()));
    assert.deepEqual(await lake.session.rows('SELECT pid, p0 FROM prof ORDER BY pid'), [{ pid: 'ann@x', p0: 25 }]);
  });

  it('a lookback shorter than 60 days has no trend and no window beyond it', () => {
    const names = featureColumns({ lookbackDays: 14, eventTypes: [] }).map((c) => c.name);
    assert.deepEqual(names, ['daysSinceLastEvent', 'daysSinceFirstSeen', 'events7d', 'events14d', 'spend7d', 'spend14d', 'activeDays']);
  });
});
