import type { DecileRow, ErrorSpread, FeatureImportance } from './metrics.js';

/**
 * Model-based traits: a model a user defines (what it predicts, for whom, from what window of history), its
 * training runs (each with a quality report on held-out people) and the scores it writes into profiles.
 */
export type ModelKind = 'churn' | 'conversion' | 'lifetimeValue';
export const MODEL_KINDS: readonly ModelKind[] = ['churn', 'conversion', 'lifetimeValue'];

export interface ModelOutcome {
  /** The ExperienceEvent eventType that is the outcome (churn: the activity whose absence is churn; absent = any event). */
  eventType?: string;
  /** Optional PQL the outcome event must satisfy, on the event (`commerce.order.priceTotal > 50`). */
  condition?: string;
}

export interface ModelSchedule {
  /** Retrain and rescore every day at this UTC time (`HH:MM`). */
  frequency: 'daily';
  time: string;
}

export interface QualityFloor {
  /** Propensity models: the held-out AUC must reach this (0.5 = random). */
  minAuc?: number;
  /** Lifetime value: the held-out mean absolute error must not exceed this. */
  maxMae?: number;
}

/** A model as the user defines it (the API's body). */
export interface ModelSpec {
  name: string;
  description?: string;
  kind: ModelKind;
  /** The identity namespace that keys a person (their events and the profile the score goes to), e.g. Email. */
  namespace: string;
  outcome: ModelOutcome;
  /** Days after the cutoff in which the outcome is looked for (the prediction window). */
  predictionWindowDays: number;
  /** Days of history before the cutoff that features read; people with no event in it are not scored. */
  lookbackDays: number;
  /** Optional PQL over the profile: who is scored (and trained on). */
  eligibility?: string;
  /** The ExperienceEvent field summed as money (default `commerce.order.priceTotal`). */
  monetaryField?: string;
  /** Numeric profile attributes used as features (paths, e.g. `loyalty.points`). */
  profileFeatures?: string[];
  /** Datasets whose events are read (default: every dataset of the sandbox but Kith's system datasets). */
  datasetIds?: string[];
  schedule?: ModelSchedule;
  qualityFloor?: QualityFloor;
}

export interface Model extends ModelSpec {
  id: string;
  /** The profile attribute group the scores go to: `_kith.models.<attribute>`. */
  attribute: string;
  /** The version whose scores profiles hold (a run that met the floor), if any. */
  publishedVersion?: number;
  /** Versions handed out so far (a run takes the next). */
  versions: number;
  /** When the schedule runs it next (epoch ms). */
  nextRunAt?: number;
  createdAt: number;
  updatedAt: number;
  createdBy?: string;
}

export type RunStatus = 'queued' | 'running' | 'published' | 'belowFloor' | 'failed';

export interface PropensityQuality {
  auc: number;
  /** Positive rate among the held-out people. */
  baseRate: number;
  deciles: DecileRow[];
}

export interface ValueQuality {
  error: ErrorSpread;
  /** Mean observed value among the held-out people. */
  meanActual: number;
  deciles: DecileRow[];
}

export interface QualityReport {
  trainPeople: number;
  testPeople: number;
  propensity?: PropensityQuality;
  value?: ValueQuality;
  featureImportance: FeatureImportance[];
  /** Whether the floor was met (true when the model sets none). */
  meetsFloor: boolean;
  floorDetail?: string;
}

export interface ModelRun {
  id: string;
  modelId: string;
  version: number;
  status: RunStatus;
  trigger: 'api' | 'schedule';
  /** Features read history before it; labels read the prediction window after it (epoch ms). */
  cutoff?: number;
  quality?: QualityReport;
  /** People whose score was written. */
  scored?: number;
  timings?: Record<string, number>;
  error?: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
}

export const MODEL_KIND = 'model';
export const MODEL_RUN_KIND = 'model-run';
/** Where a model's scores go in the profile: `_kith.models.<attribute>`. */
export const SCORE_ROOT = ['_kith', 'models'] as const;
