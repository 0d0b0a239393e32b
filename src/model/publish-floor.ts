import { err, ok, type Result } from '../shared/result.js';
import type { Model, QualityReport } from './model-types.js';

/**
 * Whether a run's quality meets the floor its model sets (then its scores are published): a propensity model's
 * held-out AUC at least `minAuc`; a lifetime-value model's held-out MAE at most `maxMae`. An undefined AUC (one
 * class only among the held-out people) never meets a floor. No floor: always met.
 */
export function meetsFloor(model: Pick<Model, 'kind' | 'qualityFloor'>, q: Pick<QualityReport, 'propensity' | 'value'>): Result<void, string> {
  const f = model.qualityFloor ?? {};
  if (model.kind === 'lifetimeValue') {
    if (f.maxMae === undefined) return ok(undefined);
    const mae = q.value?.error.mae ?? NaN;
    return mae <= f.maxMae ? ok(undefined) : err(`held-out MAE ${round(mae)} is above the floor's maxMae ${f.maxMae}`);
  }
  if (f.minAuc === undefined) return ok(undefined);
  const a = q.propensity?.auc ?? NaN;
  return a >= f.minAuc ? ok(undefined) : err(`held-out AUC ${round(a)} is below the floor's minAuc ${f.minAuc}`);
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : String(x));
