import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { auc, deciles, errorSpread, importance, quantile } from './metrics.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

describe('auc (hand-computed)', () => {
  const cases: Array<[string, number[], number[], number]> = [
    // pairs (pos, neg): (0.35,0.1) ✓ (0.35,0.4) ✗ (0.8,0.1) ✓ (0.8,0.4) ✓ → 3/4
    ['the textbook four', [0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75],
    ['perfect order', [1, 2, 3], [0, 1, 1], 1],
    ['reversed order', [3, 2, 1], [0, 1, 1], 0],
    ['a tie counts one half', [0.5, 0.5], [1, 0], 0.5],
    // pairs: (2,1) ✓ (2,2) ½ (3,1) ✓ (3,2) ✓ → 3.5/4
    ['ties among others', [1, 2, 2, 3], [0, 0, 1, 1], 0.875],
  ];
  for (const [name, s, y, want] of cases) it(name, () => close(auc(s, y), want));

  it('is undefined (NaN) without both classes', () => {
    assert.ok(Number.isNaN(auc([0.1, 0.2], [1, 1])));
    assert.ok(Number.isNaN(auc([0.1, 0.2], [0, 0])));
    assert.ok(Number.isNaN(auc([], [])));
  });
});

describe('deciles: lift and calibration', () => {
  it('twenty people, the two top-scored converted', () => {
    const scores = Array.from({ length: 20 }, (_, i) => (i + 1) / 20); // 0.05 … 1
    const outcomes = scores.map((s) => (s > 0.9 ? 1 : 0)); // 0.95 and 1.0
    const d = deciles(scores, outcomes);
    assert.equal(d.length, 10);
    assert.deepEqual(d.map((r) => r.people), Array(10).fill(2));
    close(d[0]!.predicted, 0.975);
    close(d[0]!.observed, 1);
    close(d[0]!.lift, 10); // overall rate 0.1
    close(d[9]!.predicted, 0.075);
    assert.equal(d[9]!.observed, 0);
    assert.equal(d[9]!.lift, 0);
  });

  it('groups as even as possible when n is not a multiple of ten', () => {
    assert.deepEqual(deciles(Array.from({ length: 23 }, (_, i) => i), Array(23).fill(1)).map((r) => r.people), [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
    assert.deepEqual(deciles([0.3, 0.2, 0.1], [1, 0, 0]).map((r) => [r.decile, r.observed]), [[1, 1], [2, 0], [3, 0]]);
    assert.deepEqual(deciles([], []), []);
  });

  it('lift is 0 (not a division by zero) when nobody converted', () => {
    assert.ok(deciles([0.1, 0.2], [0, 0]).every((r) => r.lift === 0));
  });
});

describe('errorSpread', () => {
  it('errors −1, 0, 1, 2', () => {
    const e = errorSpread([1, 2, 3, 4], [2, 2, 2, 2]);
    close(e.mae, 1);
    close(e.bias, 0.5);
    close(e.stdDev, Math.sqrt(1.25));
    close(e.p50, 1);
    close(e.p90, 1.7);
  });
  it('no rows: NaN, not a throw', () => assert.ok(Number.isNaN(errorSpread([], []).mae)));
  it('quantile interpolates between ranks', () => {
    close(quantile([0, 10], 0.25), 2.5);
    close(quantile([7], 0.9), 7);
  });
});

describe('importance', () => {
  it('shares of |w|, highest first, with the sign', () => {
    assert.deepEqual(importance(['a', 'b', 'c', 'z'], [2, -1, 1, 0]), [
      { feature: 'a', importance: 0.5, direction: 1 },
      { feature: 'b', importance: 0.25, direction: -1 },
      { feature: 'c', importance: 0.25, direction: 1 },
    ]);
  });
  it('all-zero weights: nothing', () => assert.deepEqual(importance(['a'], [0]), []));
});
