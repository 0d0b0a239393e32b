import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

/**
 * Models end to end, as a user drives them: events of a small population streamed through /collection, a
 * conversion model defined and trained through /data/foundation/kith/models, its quality report, the scores in the
 * entities API, and an audience defined in PQL on the score attributes.
 */
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const DAY = 86_400_000;
const MODELS = '/data/foundation/kith/models';
const PEOPLE = 120;
const PROFILE = (email: string) => `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(email)}&entityIdNS=Email`;

describe('models end to end', () => {
  let k: TestKith;
  let p: Platform;
  let inlet: string;
  let schema: string;
  let ds: string;

  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    schema = await p.createSchema('Model events', FG('experienceevent'), [FG('identitymap'), FG('experienceevent-commerce')], true);
    ds = await p.createDataset('Model events', schema, { profile: true, identity: true });
    inlet = (await p.createInlet('models inlet')).inletId;
  });
  after(() => k.stop());

  const email = (i: number) => `person${i}@example.com`;
  /** Person i views pages (i % 8) times 35–95 days ago; the frequent viewers buy in the last 30 days. */
  function population(now: number): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    const ev = (i: number, n: string, eventType: string, ts: number, extra: Record<string, unknown> = {}) =>
      out.push({ _id: `${n}-${i}`, timestamp: new Date(ts).toISOString(), eventType, identityMap: { Email: [{ id: email(i), primary: true }] }, ...extra });
    for (let i = 0; i < PEOPLE; i++) {
      const views = i % 8;
      for (let v = 0; v <= views; v++) ev(i, `view${v}`, 'web.webpagedetails.pageViews', now - (35 + ((i * 7 + v * 11) % 60)) * DAY);
      // mostly the frequent viewers buy, with a few exceptions either way
      const buys = (views >= 4) !== (i % 13 === 0);
      if (buys) ev(i, 'buy', 'commerce.purchases', now - (2 + (i % 25)) * DAY, { commerce: { order: { priceTotal: 30 + views * 5 }, purchases: { value: 1 } } });
      ev(i, 'recent', 'web.webpagedetails.pageViews', now - DAY);
    }
    return out;
  }

  it('trains on streamed events, reports its quality, writes scores to profiles, and an audience uses them', async () => {
    const messages = population(Date.now()).map((e) => p.envelope(schema, ds, e));
    for (let i = 0; i < messages.length; i += 100) {
      const r = await p.collect(`/collection/batch/${inlet}`, { messages: messages.slice(i, i + 100) });
      assert.equal(r.status, 207, JSON.stringify(r.json));
    }
    await k.processor.drain();

    // the audience first: it follows the scores as they land
    const def = await p.call('POST', '/data/core/ups/segment/definitions', {
      name: 'Likely buyers',
      schema: { name: '_xdm.context.profile' },
      expression: { type: 'PQL', format: 'pql/text', value: '_kith.models.likelyBuyers.bucket = "high" and _kith.models.likelyBuyers.score > 0.5' },
    });
    assert.equal(def.status, 200, def.body);
    const segmentId = def.json.id as string;

    const created = await p.call('POST', MODELS, {
      name: 'Likely buyers',
      kind: 'conversion',
      namespace: 'Email',
      outcome: { eventType: 'commerce.purchases' },
      predictionWindowDays: 30,
      lookbackDays: 120,
      schedule: { frequency: 'daily', time: '03:00' },
      qualityFloor: { minAuc: 0.6 },
    });
    assert.equal(created.status, 201, created.body);
    const model = created.json;
    assert.equal(model.attribute, 'likelyBuyers');
    assert.ok(model.nextRunAt > Date.now(), 'the daily schedule has its next time');

    const datasets = await p.call('GET', '/data/foundation/catalog/dataSets?name=Model%20Scores');
    assert.equal(Object.keys(datasets.json).length, 1, 'the Model Scores system dataset');

    const queued = await p.call('POST', `${MODELS}/${model.id}/runs`);
    assert.equal(queued.status, 202, queued.body);
    assert.equal(queued.json.version, 1);
    const run = await eventually(async () => {
      const r = await p.call('GET', `${MODELS}/${model.id}/runs/${queued.json.id}`);
      return ['published', 'belowFloor', 'failed'].includes(r.json.status) ? r.json : undefined;
    }, 'the run to finish', 60_000);
    assert.equal(run.status, 'published', JSON.stringify(run));
    const q = run.quality;
    assert.equal(q.trainPeople + q.testPeople, PEOPLE);
    assert.ok(q.propensity.auc >= 0.6, `AUC ${q.propensity.auc}`);
    assert.ok(q.propensity.deciles.length > 0 && q.featureImportance.length > 0);
    assert.equal(run.scored, PEOPLE);
    assert.equal((await p.call('GET', `${MODELS}/${model.id}`)).json.publishedVersion, 1);
    assert.equal((await p.call('GET', `${MODELS}/${model.id}/runs`)).json.children.length, 1);

    // the scores in the profile of a frequent viewer
    const frequent = email(7);
    const scores = await eventually(async () => {
      const r = await p.call('GET', PROFILE(frequent));
      const entity = r.status === 200 ? (Object.values(r.json)[0] as any)?.entity : undefined;
      return entity?._kith?.models?.likelyBuyers;
    }, 'scores in the profile', 60_000);
    assert.ok(scores.score > 0.5 && scores.score <= 1, JSON.stringify(scores));
    assert.ok(scores.percentile >= 1 && scores.percentile <= 100);
    assert.ok(['high', 'medium', 'low'].includes(scores.bucket));
    assert.equal(scores.modelVersion, 1);
    assert.equal(scores.modelId, model.id);
    assert.ok(Date.parse(scores.scoredAt) > 0);
    assert.ok(Array.isArray(scores.topFactors));

    // the audience on the scores: the high bucket with a score above 0.5
    const high = await eventually(async () => {
      await k.processor.drain();
      for (let i = 0; i < PEOPLE; i++) {
        const r = await p.call('GET', PROFILE(email(i)));
        const entity = (Object.values(r.json)[0] as any)?.entity;
        const s = entity?._kith?.models?.likelyBuyers;
        if (s?.bucket === 'high' && s.score > 0.5) return { i, membership: entity?.segmentMembership?.ups?.[segmentId] };
      }
      return undefined;
    }, 'a high-bucket person', 60_000);
    const member = await eventually(async () => {
      const r = await p.call('GET', PROFILE(email(high.i)));
      const m = (Object.values(r.json)[0] as any)?.entity?.segmentMembership?.ups?.[segmentId];
      return m?.status === 'realized' ? m : undefined;
    }, 'the high-bucket person in the audience', 60_000);
    assert.equal(member.status, 'realized');
    const low = (Object.values((await p.call('GET', PROFILE(email(0)))).json)[0] as any)?.entity;
    assert.notEqual(low?.segmentMembership?.ups?.[segmentId]?.status, 'realized', 'a person who never views is not a likely buyer');
  });

  it('a run below its floor publishes nothing', async () => {
    const m = await p.call('POST', MODELS, { name: 'Impossible', kind: 'lifetimeValue', namespace: 'Email', outcome: { eventType: 'commerce.purchases' }, predictionWindowDays: 30, lookbackDays: 120, qualityFloor: { maxMae: 0 } });
    assert.equal(m.status, 201, m.body);
    const queued = await p.call('POST', `${MODELS}/${m.json.id}/runs`, {});
    const run = await eventually(async () => {
      const r = await p.call('GET', `${MODELS}/${m.json.id}/runs/${queued.json.id}`);
      return ['published', 'belowFloor', 'failed'].includes(r.json.status) ? r.json : undefined;
    }, 'the run', 60_000);
    assert.equal(run.status, 'belowFloor', JSON.stringify(run));
    assert.equal(run.quality.meetsFloor, false);
    assert.match(run.quality.floorDetail, /MAE .* above the floor/);
    assert.ok(run.quality.value.error.mae > 0);
    assert.equal((await p.call('GET', `${MODELS}/${m.json.id}`)).json.publishedVersion, undefined);
    const r = await p.call('GET', PROFILE(email(7)));
    assert.equal((Object.values(r.json)[0] as any)?.entity?._kith?.models?.impossible, undefined);
  });

  it('refuses bad definitions with a 400 that names the problems, unknown ids with a 404', async () => {
    const base = { name: 'X', kind: 'conversion', namespace: 'Email', outcome: { eventType: 'commerce.purchases' }, predictionWindowDays: 30, lookbackDays: 90 };
    const bad: Array<[string, unknown, RegExp]> = [
      ['no kind', { ...base, kind: undefined }, /kind/],
      ['unknown kind', { ...base, kind: 'magic' }, /kind/],
      ['conversion without its event', { ...base, outcome: {} }, /outcome.eventType/],
      ['bad eligibility PQL', { ...base, eligibility: 'age >' }, /eligibility/],
      ['bad outcome condition', { ...base, outcome: { eventType: 'a', condition: '((' } }, /outcome.condition/],
      ['a window of 0 days', { ...base, predictionWindowDays: 0 }, /predictionWindowDays/],
      ['an unknown field', { ...base, colour: 'red' }, /colour|additional/],
      ['a floor of the other kind', { ...base, qualityFloor: { maxMae: 3 } }, /maxMae/],
      ['a bad schedule time', { ...base, schedule: { frequency: 'daily', time: '25:00' } }, /schedule.time/],
    ];
    for (const [what, body, detail] of bad) {
      const r = await p.call('POST', MODELS, body);
      assert.equal(r.status, 400, `${what}: ${r.body}`);
      assert.match(String(r.json.detail ?? r.json.title), detail, what);
    }
    assert.equal((await p.call('POST', MODELS, { ...base, name: 'Likely buyers' })).status, 409, 'names are unique');
    assert.equal((await p.call('GET', `${MODELS}/nope`)).status, 404);
    assert.equal((await p.call('POST', `${MODELS}/nope/runs`)).status, 404);
    assert.equal((await p.call('GET', `${MODELS}/nope/runs`)).status, 404);
  });
});
