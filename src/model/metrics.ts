/**
 * Quality measures of a trained model, on the held-out people: AUC, lift and calibration per decile (propensity),
 * MAE and the spread of the error (lifetime value), and the features' importance. Pure functions over arrays.
 */

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative (ties count
 * one half), by ranking (Mann–Whitney U) with tied scores sharing their mean rank. NaN when one class is absent.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const meanRank = (i + j + 2) / 2; // ranks are 1-based
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]!]! > 0) {
        pos++;
        rankSumPos += meanRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface DecileRow {
  /** 1 = the tenth with the highest scores. */
  decile: number;
  people: number;
  /** Mean predicted score (probability, or predicted value). */
  predicted: number;
  /** Observed rate of the outcome (or mean observed value). */
  observed: number;
  /** observed / overall observed rate (1 = no better than random). */
  lift: number;
}

/**
 * People ordered by score, highest first, cut into ten groups as equal as possible (the first `n % 10` groups get one
 * more); per group the mean prediction, the observed rate and the lift over the overall rate. Calibration is
 * `predicted` against `observed`; lift is `observed / overall`.
 */
export function deciles(scores: ArrayLike<number>, outcomes: ArrayLike<number>): DecileRow[] {
  const n = scores.length;
  if (n === 0) return [];
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += outcomes[i]!;
  const overall = total / n;
  const out: DecileRow[] = [];
  const base = Math.floor(n / 10);
  const extra = n % 10;
  let at = 0;
  for (let d = 0; d < 10; d++) {
    const size = base + (d < extra ? 1 : 0);
    if (size === 0) continue;
    let p = 0;
    let o = 0;
    for (let k = at; k < at + size; k++) {
      p += scores[idx[k]!]!;
      o += outcomes[idx[k]!]!;
    }
    at += size;
    const observed = o / size;
    out.push({ decile: d + 1, people: size, predicted: p / size, observed, lift: overall > 0 ? observed / overall : 0 });
  }
  return out;
}

export interface ErrorSpread {
  /** Mean absolute error. */
  mae: number;
  /** Mean of (predicted − actual): positive when the model over-predicts. */
  bias: number;
  /** Standard deviation of (predicted − actual). */
  stdDev: number;
  /** Percentiles of the absolute error. */
  p50: number;
  p90: number;
  p99: number;
}

/** The error of value predictions: MAE, bias, standard deviation and percentiles of the absolute error. */
export function errorSpread(predicted: ArrayLike<number>, actual: ArrayLike<number>): ErrorSpread {
  const n = predicted.length;
  if (n === 0) return { mae: NaN, bias: NaN, stdDev: NaN, p50: NaN, p90: NaN, p99: NaN };
  const abs = new Float64Array(n);
  let sumAbs = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const e = predicted[i]! - actual[i]!;
    abs[i] = Math.abs(e);
    sumAbs += abs[i]!;
    sum += e;
    sumSq += e * e;
  }
  abs.sort();
  const mean = sum / n;
  return { mae: sumAbs / n, bias: mean, stdDev: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), p50: quantile(abs, 0.5), p90: quantile(abs, 0.9), p99: quantile(abs, 0.99) };
}

/** The q-quantile of sorted values, linear between the closest ranks (the common "type 7" definition). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export interface FeatureImportance {
  feature: string;
  /** Share of the model's total absolute standardized weight (the shares sum to 1). */
  importance: number;
  /** Whether a higher value of the feature raises (+1) or lowers (−1) the score. */
  direction: 1 | -1;
}

/**
 * Importance of features from the weights of a model on standardized features: |w| over the sum of |w|, highest
 * first. Zero weights are left out.
 */
export function importance(names: readonly string[], weights: ArrayLike<number>): FeatureImportance[] {
  let total = 0;
  for (let i = 0; i < names.length; i++) total += Math.abs(weights[i]!);
  if (total === 0) return [];
  return names
    .map((feature, i) => ({ feature, importance: Math.abs(weights[i]!) / total, direction: (weights[i]! < 0 ? -1 : 1) as 1 | -1 }))
    .filter((f) => f.importance > 0)
    .sort((a, b) => b.importance - a.importance);
}
