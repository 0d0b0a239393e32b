import type { ModelKind } from './model-types.js';

/**
 * The label of a person from what happened in the prediction window after the cutoff, given the outcome events
 * counted per person (`<alias>.n`, `<alias>.v`: count and monetary sum; NULL when none):
 * - `conversion`: 1 when at least one outcome event happened;
 * - `churn`: 1 when none did (the outcome event is the activity that keeps a person);
 * - `lifetimeValue`: the monetary sum of the outcome events (the spend over the window).
 */
export function labelsSql(kind: ModelKind, alias: string): string {
  switch (kind) {
    case 'conversion':
      return `CASE WHEN coalesce(${alias}.n, 0) > 0 THEN 1.0 ELSE 0.0 END`;
    case 'churn':
      return `CASE WHEN coalesce(${alias}.n, 0) > 0 THEN 0.0 ELSE 1.0 END`;
    case 'lifetimeValue':
      return `coalesce(${alias}.v, 0.0)`;
  }
}
