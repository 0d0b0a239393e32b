import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { solveSpd } from './linear-algebra.js';
import { fitLinear, fitLogistic, linearPredictor, sigmoid } from './learner.js';

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

describe('solveSpd', () => {
  it('solves a 2×2 system (hand-computed)', () => {
    const x = solveSpd(Float64Array.from([4, 2, 2, 3]), Float64Array.from([2, 1]), 2)!;
    close(x[0]!, 0.5);
    close(x[1]!, 0);
  });
  it('refuses a matrix that is not positive definite', () => {
    assert.equal(solveSpd(Float64Array.from([0, 1, 1, 0]), Float64Array.from([1, 1]), 2), undefined);
    assert.equal(solveSpd(Float64Array.from([NaN]), Float64Array.from([1]), 1), undefined);
  });
});

describe('logistic regression (Newton)', () => {
  it('reaches the closed-form MLE: p(x=0) = 1/2, p(x=1) = 3/4', async () => {
    // x=0: one of two converts → w₀ = 0; x=1: three of four → w₀ + w₁ = ln 3
    const f = await fitLogistic([[0], [0], [1], [1], [1], [1]], [0, 1, 0, 1, 1, 1], { ridge: 0 });
    assert.ok(f.converged);
    close(f.weights[0]!, 0);
    close(f.weights[1]!, Math.log(3));
    close(sigmoid(linearPredictor(f.weights, [1])), 0.75);
  });
  it('the ridge keeps separable data finite', async () => {
    const f = await fitLogistic([[0], [1]], [0, 1], { ridge: 1 });
    assert.ok(Number.isFinite(f.weights[1]!) && f.weights[1]! > 0);
  });
  it('sigmoid is stable at the extremes', () => {
    assert.equal(sigmoid(-1000), 0);
    assert.equal(sigmoid(1000), 1);
    close(sigmoid(0), 0.5);
  });
});

describe('ridge linear regression', () => {
  it('y = 1 + 2x exactly', () => {
    const w = fitLinear([[0], [1], [2]], [1, 3, 5], 0)!;
    close(w[0]!, 1);
    close(w[1]!, 2);
  });
  it('a constant feature does not make it singular', () => {
    const w = fitLinear([[1, 0], [1, 1], [1, 2]], [1, 3, 5], 0)!;
    close(linearPredictor(w, [1, 3]), 7, 1e-3);
  });
});
