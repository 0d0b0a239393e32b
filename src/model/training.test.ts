import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../shared/clock.js';
import { DAY_MS } from './features.js';
import type { Model } from './model-types.js';
import { bucketOf, type ScoreRow } from './scoring.js';
import { trainAndScore, type TrainingInput } from './training.js';
import { event, lakeFixture, type LakeFixture } from './testing/lake-fixture.js';

/** A deterministic pseudo-random source (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOW = Date.UTC(2026, 5, 1);
const CUTOFF = NOW - 30 * DAY_MS;
const PEOPLE = 400;

const model = (over: Partial<Model> = {}): Model => ({
  id: 'm1', name: 'Buyers', attribute: 'buyers', kind: 'conversion', namespace: 'Email',
  outcome: { eventType: 'commerce.purchases' }, predictionWindowDays: 30, lookbackDays: 90, versions: 1, createdAt: 0, updatedAt: 0, ...over,
});

describe('training and scoring on DuckDB', () => {
  let lake: LakeFixture;
  const clock = new ManualClock(NOW);
  before(async () => {
    lake = await lakeFixture();
    const r = rng(7);
    const rows: Parameters<LakeFixture['add']>[0] = [];
    for (let i = 0; i < PEOPLE; i++) {
      const email = `p${i}@x`;
      const views = Math.floor(r() * 12);
      for (let k = 0; k < views; k++) rows.push({ ts: CUTOFF - Math.floor(r() * 60 * DAY_MS) - 1, record: event(email, 'web.pageView') });
      if (views === 0) rows.push({ ts: CUTOFF - 80 * DAY_MS, record: event(email, 'web.signup') });
      // the outcome: more views, more likely to buy in the window after the cutoff
      const p = 1 / (1 + Math.exp(-(-2.5 + 0.45 * views)));
      if (r() < p) rows.push({ id: `buy-${i}`, ts: CUTOFF + Math.floor(r() * 29 * DAY_MS), record: event(email, 'commerce.purchases', { commerce: { order: { priceTotal: 20 + views * 10 } } }) });
      // activity after the cutoff too, so everyone is scored as of now
      rows.push({ ts: NOW - DAY_MS, record: event(email, 'web.pageView') });
    }
    await lake.add(rows);
  });
  after(() => lake.close());

  const run = (m: Model, over: Partial<TrainingInput> = {}) => {
    const written: ScoreRow[] = [];
    const input: TrainingInput = { model: m, version: 1, tables: [lake.table], sql: lake.session, clock, sink: { write: async (rows) => void written.push(...rows) }, ...over };
    return trainAndScore(input).then((r) => ({ r, written }));
  };

  it('conversion: learns the outcome, reports its quality, scores everyone active', async () => {
    const { r, written } = await run(model());
    assert.ok(r.ok, r.ok ? '' : r.error);
    const q = r.value.quality;
    assert.equal(r.value.cutoff, CUTOFF);
    assert.ok(r.value.published);
    assert.equal(q.trainPeople + q.testPeople, PEOPLE);
    assert.ok(q.propensity!.auc > 0.75, `AUC ${q.propensity!.auc}`);
    assert.equal(q.propensity!.deciles.length, 10);
    assert.ok(q.propensity!.deciles[0]!.lift > 1.5, 'the top decile converts more than average');
    assert.ok(q.featureImportance.length > 0);
    assert.equal(written.length, PEOPLE);
    assert.equal(r.value.scored, PEOPLE);
    for (const s of written) {
      assert.ok(s.score >= 0 && s.score <= 1);
      assert.ok(s.percentile >= 1 && s.percentile <= 100);
      assert.equal(s.bucket, bucketOf(s.percentile));
      assert.ok(s.factors.length <= 3);
    }
    const high = written.filter((s) => s.bucket === 'high').length;
    assert.ok(high >= PEOPLE * 0.15 && high <= PEOPLE * 0.25, `${high} high`);
  });

  it('a run below the floor publishes nothing', async () => {
    const { r, written } = await run(model({ qualityFloor: { minAuc: 0.999 } }));
    assert.ok(r.ok);
    assert.equal(r.value.published, false);
    assert.equal(r.value.quality.meetsFloor, false);
    assert.match(r.value.quality.floorDetail!, /below the floor/);
    assert.equal(written.length, 0);
  });

  it('churn: the same outcome read the other way round', async () => {
    const { r } = await run(model({ kind: 'churn' }));
    assert.ok(r.ok);
    assert.ok(r.value.quality.propensity!.auc > 0.75);
    const dec = r.value.quality.propensity!.deciles;
    assert.ok(dec[0]!.observed > dec[9]!.observed, 'the top decile churns more');
  });

  it('lifetime value: the spend over the window, with its error', async () => {
    const { r, written } = await run(model({ kind: 'lifetimeValue' }));
    assert.ok(r.ok);
    const v = r.value.quality.value!;
    assert.ok(Number.isFinite(v.error.mae) && v.error.mae > 0);
    assert.ok(v.error.p90 >= v.error.p50);
    assert.ok(written.every((s) => s.score >= 0));
  });

  it('an outcome condition and an eligibility rule', async () => {
    const asked: string[][] = [];
    const { r, written } = await run(model({ outcome: { eventType: 'commerce.purchases', condition: 'commerce.order.priceTotal > 60' }, eligibility: 'true' }), {
      outcomeFilter: async (_tables, from, to) => {
        assert.deepEqual([from, to], [CUTOFF, NOW]);
        const rows = await lake.session.rows(`SELECT _id FROM s_test.events WHERE record->>'$.eventType' = 'commerce.purchases' AND (record->>'$.commerce.order.priceTotal')::DOUBLE > 60`);
        return rows.map((x) => String(x._id));
      },
      eligible: async (pids) => {
        asked.push(pids);
        return new Set(pids.filter((p) => Number(p.slice(1, -2)) % 2 === 0));
      },
    });
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(asked.length, 2, 'the training and the scoring population');
    assert.equal(r.value.quality.trainPeople + r.value.quality.testPeople, PEOPLE / 2);
    assert.equal(written.length, PEOPLE / 2);
  });

  it('too few people: an error that says why', async () => {
    const { r } = await run(model({ lookbackDays: 90, namespace: 'Phone' }));
    assert.ok(!r.ok);
    assert.match(r.error, /too few people/);
  });
});
