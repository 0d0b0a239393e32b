import { solveSpd } from './linear-algebra.js';

/**
 * The learning itself, as sums over people: logistic regression fitted by Newton's method (iteratively reweighted
 * least squares) and ridge linear regression by its normal equations. Both need only sums over rows, which
 * `sql-learner.ts` has DuckDB compute where the data is (one scan per Newton step); the functions here turn those
 * sums into the next weights, and `fitLogistic`/`fitLinear` run the same steps over arrays in memory (tests,
 * small data). Weights are over `[1, x₁ … x_d]` (intercept first); the ridge penalty spares the intercept.
 */

/** Sums of one pass over the rows at the current weights (size d+1, intercept first). */
export interface NewtonSums {
  /** Σ (y − p) xⱼ */
  gradient: Float64Array;
  /** Σ p(1 − p) xⱼ xₖ, row-major (d+1)×(d+1) */
  hessian: Float64Array;
  /** Σ log-likelihood: y ln p + (1 − y) ln(1 − p) */
  logLik: number;
}

export interface FitOptions {
  /** Ridge penalty λ on every weight but the intercept (default 1). */
  ridge?: number;
  /** Newton steps at most (default 30). */
  maxIterations?: number;
  /** Stop when no weight moves more than this (default 1e-7). */
  tolerance?: number;
}

export interface Fitted {
  /** Intercept first. */
  weights: Float64Array;
  iterations: number;
  converged: boolean;
}

/** The next weights after one Newton step (undefined when the penalised Hessian is singular). */
export function newtonStep(w: Float64Array, s: NewtonSums, ridge: number): Float64Array | undefined {
  const n = w.length;
  const h = new Float64Array(s.hessian);
  const g = new Float64Array(s.gradient);
  for (let j = 1; j < n; j++) {
    h[j * n + j]! += ridge;
    g[j]! -= ridge * w[j]!;
  }
  // a tiny jitter keeps a constant column (no spread) from making the system singular
  for (let j = 0; j < n; j++) h[j * n + j]! += 1e-9;
  const step = solveSpd(h, g, n);
  if (!step) return undefined;
  const next = new Float64Array(n);
  for (let j = 0; j < n; j++) next[j] = w[j]! + step[j]!;
  return next;
}

/** Runs Newton steps with `sums(w)` computing a pass over the data, until the weights settle. */
export async function newtonFit(d: number, sums: (w: Float64Array) => Promise<NewtonSums>, o: FitOptions = {}): Promise<Fitted> {
  const ridge = o.ridge ?? 1;
  const max = o.maxIterations ?? 30;
  const tol = o.tolerance ?? 1e-7;
  let w: Float64Array = new Float64Array(d + 1);
  for (let it = 1; it <= max; it++) {
    const next = newtonStep(w, await sums(w), ridge);
    if (!next) return { weights: w, iterations: it, converged: false };
    let moved = 0;
    for (let j = 0; j <= d; j++) moved = Math.max(moved, Math.abs(next[j]! - w[j]!));
    w = next;
    if (moved < tol) return { weights: w, iterations: it, converged: true };
  }
  return { weights: w, iterations: max, converged: false };
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The Newton sums over rows in memory (x: rows of d features). */
export function logisticSums(x: ReadonlyArray<ArrayLike<number>>, y: ArrayLike<number>, w: Float64Array): NewtonSums {
  const n = w.length;
  const gradient = new Float64Array(n);
  const hessian = new Float64Array(n * n);
  let logLik = 0;
  const row = new Float64Array(n);
  for (let i = 0; i < x.length; i++) {
    row[0] = 1;
    for (let j = 1; j < n; j++) row[j] = x[i]![j - 1]!;
    let z = 0;
    for (let j = 0; j < n; j++) z += w[j]! * row[j]!;
    const p = sigmoid(z);
    const r = y[i]! - p;
    const v = p * (1 - p);
    logLik += y[i]! > 0 ? Math.log(Math.max(p, 1e-300)) : Math.log(Math.max(1 - p, 1e-300));
    for (let j = 0; j < n; j++) {
      gradient[j]! += r * row[j]!;
      for (let k = 0; k <= j; k++) hessian[j * n + k]! += v * row[j]! * row[k]!;
    }
  }
  symmetrise(hessian, n);
  return { gradient, hessian, logLik };
}

/** Logistic regression over rows in memory. */
export function fitLogistic(x: ReadonlyArray<ArrayLike<number>>, y: ArrayLike<number>, o: FitOptions = {}): Promise<Fitted> {
  const d = x[0]?.length ?? 0;
  return newtonFit(d, async (w) => logisticSums(x, y, w), o);
}

/** Sums of the normal equations: Σ xⱼxₖ and Σ xⱼ y over `[1, x…]`. */
export interface LinearSums {
  xtx: Float64Array;
  xty: Float64Array;
}

/** Ridge least squares from its sums (undefined when singular). */
export function linearSolve(s: LinearSums, ridge: number): Float64Array | undefined {
  const n = s.xty.length;
  const a = new Float64Array(s.xtx);
  for (let j = 1; j < n; j++) a[j * n + j]! += ridge;
  for (let j = 0; j < n; j++) a[j * n + j]! += 1e-9;
  return solveSpd(a, s.xty, n);
}

/** Ridge linear regression over rows in memory. */
export function fitLinear(x: ReadonlyArray<ArrayLike<number>>, y: ArrayLike<number>, ridge = 1): Float64Array | undefined {
  const n = (x[0]?.length ?? 0) + 1;
  const xtx = new Float64Array(n * n);
  const xty = new Float64Array(n);
  const row = new Float64Array(n);
  for (let i = 0; i < x.length; i++) {
    row[0] = 1;
    for (let j = 1; j < n; j++) row[j] = x[i]![j - 1]!;
    for (let j = 0; j < n; j++) {
      xty[j]! += row[j]! * y[i]!;
      for (let k = 0; k <= j; k++) xtx[j * n + k]! += row[j]! * row[k]!;
    }
  }
  symmetrise(xtx, n);
  return linearSolve({ xtx, xty }, ridge);
}

/** Copies the lower triangle onto the upper one. */
export function symmetrise(m: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) for (let k = 0; k < j; k++) m[k * n + j] = m[j * n + k]!;
}

/** w₀ + Σ wⱼ xⱼ */
export function linearPredictor(w: ArrayLike<number>, x: ArrayLike<number>): number {
  let z = w[0]!;
  for (let j = 1; j < w.length; j++) z += w[j]! * x[j - 1]!;
  return z;
}
