import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { meetsFloor } from './publish-floor.js';
import type { ModelKind, QualityFloor } from './model-types.js';

const propensity = (auc: number) => ({ propensity: { auc, baseRate: 0.1, deciles: [] } });
const value = (mae: number) => ({ value: { error: { mae, bias: 0, stdDev: 0, p50: 0, p90: 0, p99: 0 }, meanActual: 1, deciles: [] } });

describe('the publish floor', () => {
  const cases: Array<[string, ModelKind, QualityFloor | undefined, ReturnType<typeof propensity> | ReturnType<typeof value>, boolean]> = [
    ['no floor', 'churn', undefined, propensity(0.51), true],
    ['AUC above the floor', 'conversion', { minAuc: 0.7 }, propensity(0.71), true],
    ['AUC at the floor', 'conversion', { minAuc: 0.7 }, propensity(0.7), true],
    ['AUC below the floor', 'churn', { minAuc: 0.7 }, propensity(0.69), false],
    ['an undefined AUC never meets a floor', 'churn', { minAuc: 0.5 }, propensity(NaN), false],
    ['MAE under the ceiling', 'lifetimeValue', { maxMae: 10 }, value(9.5), true],
    ['MAE above the ceiling', 'lifetimeValue', { maxMae: 10 }, value(10.5), false],
    ['value model without a floor', 'lifetimeValue', {}, value(1e9), true],
  ];
  for (const [what, kind, qualityFloor, q, want] of cases)
    it(what, () => {
      const r = meetsFloor({ kind, ...(qualityFloor ? { qualityFloor } : {}) }, q);
      assert.equal(r.ok, want);
      if (!r.ok) assert.match(r.error, /floor/);
    });
});
