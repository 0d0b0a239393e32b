import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attributeOf, validateModel } from './validate-model.js';
import { nextDailyRun } from './schedule.js';
import type { ModelSpec } from './model-types.js';

const base: ModelSpec = { name: 'Churn', kind: 'churn', namespace: 'Email', outcome: {}, predictionWindowDays: 30, lookbackDays: 90 };

describe('validateModel', () => {
  it('a valid definition has no problems', () => {
    assert.deepEqual(validateModel(base), []);
    assert.deepEqual(validateModel({ ...base, kind: 'conversion', outcome: { eventType: 'commerce.purchases', condition: 'event.commerce.order.priceTotal > 50' }, eligibility: 'homeAddress.countryCode = "US"', schedule: { frequency: 'daily', time: '03:30' }, qualityFloor: { minAuc: 0.7 }, profileFeatures: ['loyalty.points'] }), []);
  });

  const invalid: Array<[string, Partial<ModelSpec> & { attribute?: string }, string]> = [
    ['blank name', { name: '  ' }, 'name'],
    ['unknown kind', { kind: 'magic' as never }, 'kind'],
    ['bad attribute', { attribute: '9lives' }, 'attribute'],
    ['conversion without its event', { kind: 'conversion', outcome: {} }, 'outcome.eventType'],
    ['NUL in the event type', { outcome: { eventType: 'a\u0000b' } }, 'outcome.eventType'],
    ['outcome condition not PQL', { outcome: { condition: 'a >' } }, 'outcome.condition'],
    ['eligibility not PQL', { eligibility: 'and and' }, 'eligibility'],
    ['window 0', { predictionWindowDays: 0 }, 'predictionWindowDays'],
    ['lookback 3', { lookbackDays: 3 }, 'lookbackDays'],
    ['monetary field not a path', { monetaryField: 'a..b' }, 'monetaryField'],
    ['profile feature not a path', { profileFeatures: ['ok', '$x'] }, 'profileFeatures[1]'],
    ['schedule at 24:00', { schedule: { frequency: 'daily', time: '24:00' } }, 'schedule.time'],
    ['minAuc on a value model', { kind: 'lifetimeValue', qualityFloor: { minAuc: 0.5 } }, 'qualityFloor.minAuc'],
    ['maxMae on a propensity model', { qualityFloor: { maxMae: 1 } }, 'qualityFloor.maxMae'],
    ['minAuc above 1', { qualityFloor: { minAuc: 1.5 } }, 'qualityFloor.minAuc'],
  ];
  for (const [what, over, path] of invalid)
    it(`refuses ${what}`, () => assert.ok(validateModel({ ...base, ...over }).some((p) => p.path === path), JSON.stringify(validateModel({ ...base, ...over }))));

  it('lists every problem at once', () => assert.equal(validateModel({ ...base, name: '', predictionWindowDays: 0, lookbackDays: 0 }).length, 3));
});

describe('attributeOf', () => {
  const cases: Array<[string, string]> = [['Churn risk (30d)', 'churnRisk30d'], ['LTV', 'lTV'], ['30 day buyers', 'model30DayBuyers'], ['Café clients', 'cafeClients']];
  for (const [name, want] of cases) it(`${name} → ${want}`, () => assert.equal(attributeOf(name), want));
});

describe('nextDailyRun', () => {
  const at = (s: string) => Date.parse(s);
  it('later today, or tomorrow when the time has passed (UTC)', () => {
    assert.equal(nextDailyRun({ frequency: 'daily', time: '03:00' }, at('2026-03-01T01:00:00Z')), at('2026-03-01T03:00:00Z'));
    assert.equal(nextDailyRun({ frequency: 'daily', time: '03:00' }, at('2026-03-01T03:00:00Z')), at('2026-03-02T03:00:00Z'));
    assert.equal(nextDailyRun({ frequency: 'daily', time: '23:59' }, at('2026-12-31T23:59:30Z')), at('2027-01-01T23:59:00Z'));
  });
});
