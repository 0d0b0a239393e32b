import { parsePql } from '../segment/pql/parser.js';
import { parseJourneyCondition } from '../journey/engine/conditions.js';
import { MODEL_KINDS, type ModelSpec } from './model-types.js';
import { sqlSafe } from './sql-text.js';

/**
 * The rules across a model's fields that its JSON schema cannot say (the schema gives types, required fields and
 * no unknown fields): every problem at once, each `{path, message}`.
 */
export interface ModelProblem {
  path: string;
  message: string;
}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
export const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function validateModel(s: ModelSpec & { attribute?: string }): ModelProblem[] {
  const out: ModelProblem[] = [];
  const bad = (path: string, message: string) => out.push({ path, message });
  const text = (path: string, v: string | undefined) => {
    if (v !== undefined && !sqlSafe(v)) bad(path, 'must not hold NUL characters or lone surrogates');
  };
  if (s.name.trim() === '') bad('name', 'must not be blank');
  if (!MODEL_KINDS.includes(s.kind)) bad('kind', `must be one of ${MODEL_KINDS.join(', ')}`);
  if (s.attribute !== undefined && !ATTRIBUTE.test(s.attribute)) bad('attribute', 'must be a letter followed by up to 63 letters, digits or underscores');
  if (s.namespace.trim() === '') bad('namespace', 'must not be blank');
  text('namespace', s.namespace);
  if (s.kind === 'conversion' && s.outcome.eventType === undefined) bad('outcome.eventType', 'is required for a conversion model (the event that is the conversion)');
  text('outcome.eventType', s.outcome.eventType);
  if (s.outcome.condition !== undefined && parseJourneyCondition(s.outcome.condition) === null) bad('outcome.condition', 'is not valid PQL (paths of the outcome event are written event.<path>)');
  if (s.eligibility !== undefined) {
    const r = parsePql(s.eligibility);
    if (!r.ok) bad('eligibility', `is not valid PQL: ${r.error.message}`);
  }
  if (!(s.predictionWindowDays >= 1 && s.predictionWindowDays <= 365)) bad('predictionWindowDays', 'must be between 1 and 365');
  if (!(s.lookbackDays >= 7 && s.lookbackDays <= 730)) bad('lookbackDays', 'must be between 7 and 730');
  if (s.monetaryField !== undefined && !PATH.test(s.monetaryField)) bad('monetaryField', 'must be a dotted XDM path (commerce.order.priceTotal)');
  (s.profileFeatures ?? []).forEach((p, i) => {
    if (!PATH.test(p)) bad(`profileFeatures[${i}]`, 'must be a dotted XDM path (loyalty.points)');
  });
  if ((s.profileFeatures ?? []).length > 10) bad('profileFeatures', 'at most 10 attributes');
  if (s.schedule !== undefined && !TIME.test(s.schedule.time)) bad('schedule.time', 'must be HH:MM (UTC, 24-hour)');
  const f = s.qualityFloor ?? {};
  if (f.minAuc !== undefined && s.kind === 'lifetimeValue') bad('qualityFloor.minAuc', 'applies to propensity models (churn, conversion); a lifetimeValue model sets maxMae');
  if (f.maxMae !== undefined && s.kind !== 'lifetimeValue') bad('qualityFloor.maxMae', 'applies to lifetimeValue models; a propensity model sets minAuc');
  if (f.minAuc !== undefined && !(f.minAuc >= 0 && f.minAuc <= 1)) bad('qualityFloor.minAuc', 'must be between 0 and 1');
  if (f.maxMae !== undefined && !(f.maxMae >= 0)) bad('qualityFloor.maxMae', 'must be 0 or more');
  return out;
}

/** A name as an attribute: words camel-cased, other characters dropped (`Churn risk (30d)` → `churnRisk30d`). */
export function attributeOf(name: string): string {
  const words = name.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, ' ').trim().split(' ').filter(Boolean);
  const camel = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  const a = /^[A-Za-z]/.test(camel) ? camel : `model${camel}`;
  return a.slice(0, 64);
}
