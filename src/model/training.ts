import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';
import { DAY_MS, eventsTableSql, featureColumns, featuresSql, profileFeaturesSql, topEventTypesSql, type FeatureColumn, type FeaturePlan } from './features.js';
import { labelsSql } from './labels.js';
import { linearSolve, newtonFit, symmetrise, type LinearSums, type NewtonSums } from './learner.js';
import { auc, deciles, errorSpread, importance } from './metrics.js';
import { meetsFloor } from './publish-floor.js';
import type { Model, QualityReport } from './model-types.js';
import { scoresSql, type ScoreRow, type ScoreSink } from './scoring.js';
import type { SqlSession } from './sql-session.js';
import { num } from './sql-text.js';

/**
 * One training run, where the data is: DuckDB builds the per-person feature table from the lake (one GROUP BY),
 * joins the label (what happened in the prediction window after the cutoff), and computes the sums each Newton step
 * needs (one scan); JS turns those sums into weights, computes the quality on the held-out fifth of the people, and
 * — when the model meets its floor — has DuckDB score everyone eligible now, streaming the scores to the sink.
 *
 * The cutoff of training is `now − window` (an injected clock), so labels are fully observed; scoring computes the
 * same features with cutoff `now`. People are split by a hash of their id (a fifth held out), the same every run.
 */
export interface TrainingInput {
  model: Model;
  version: number;
  /** Qualified lake tables with the sandbox's events (and profile records). */
  tables: readonly string[];
  sql: SqlSession;
  clock: Clock;
  /** Who of these people is eligible (the model's PQL over their profile); absent: everyone. */
  eligible?: (pids: string[]) => Promise<Set<string>>;
  /** Which outcome events (by `_id`) meet the outcome's condition; absent: every event of the outcome's type. */
  outcomeFilter?: (tables: readonly string[], from: number, to: number) => Promise<string[]>;
  sink: ScoreSink;
  /** Yields between steps (the processor thread serves other work). */
  pause?: () => Promise<void>;
}

export interface TrainingResult {
  cutoff: number;
  quality: QualityReport;
  published: boolean;
  scored: number;
  timings: Record<string, number>;
}

const TEST_SQL = '(hash(pid) % 5) = 0';
const MAX_EVENT_TYPES = 8;
const MIN_PEOPLE = 20;
/** Scores per write: one profile-store transaction (about 150 ms of the processor thread at 1,000) and one lake append. */
const SCORE_CHUNK = 1000;

export async function trainAndScore(t: TrainingInput): Promise<Result<TrainingResult, string>> {
  const { model, sql } = t;
  const timings: Record<string, number> = {};
  let mark = Date.now();
  const lap = (name: string) => {
    const n = Date.now();
    timings[name] = n - mark;
    mark = n;
  };
  const now = t.clock.now();
  const windowMs = model.predictionWindowDays * DAY_MS;
  const cutoff = now - windowMs;
  const withIds = t.outcomeFilter !== undefined && model.outcome.condition !== undefined;
  await sql.run(eventsTableSql('m_ev', { tables: t.tables, namespace: model.namespace, monetaryField: model.monetaryField ?? 'commerce.order.priceTotal', withIds }, now));
  lap('events');

  const types = (await sql.rows(topEventTypesSql('m_ev', cutoff, model.lookbackDays, MAX_EVENT_TYPES + 1))).map((r) => String(r.etype)).filter((e) => e !== model.outcome.eventType).slice(0, MAX_EVENT_TYPES);
  const plan: FeaturePlan = { lookbackDays: model.lookbackDays, eventTypes: types, ...(model.outcome.eventType !== undefined ? { outcomeType: model.outcome.eventType } : {}) };
  const cols = featureColumns(plan);
  const profilePaths = model.profileFeatures ?? [];
  // profile attributes are read as they are now (the profile keeps no history of them): see the README
  if (profilePaths.length > 0) await sql.run(profileFeaturesSql('m_prof', t.tables, model.namespace, profilePaths, now));
  const extra = profilePaths.length > 0 ? { table: 'm_prof', columns: profilePaths.length } : undefined;
  const names = [...cols.map((c) => c.name), ...profilePaths.map((p) => `profile:${p}`)];
  const d = names.length;

  if (withIds) {
    await sql.run('CREATE OR REPLACE TEMP TABLE m_match (id VARCHAR)');
    await sql.insertTexts('m_match', await t.outcomeFilter!(t.tables, cutoff, now));
  }
  const eligibleJoin = await eligibility(t, 'm_elig_train', featuresSql('m_ev', cols, plan, cutoff, extra));
  await sql.run(`CREATE OR REPLACE TEMP TABLE m_train AS
SELECT f.*, ${labelsSql(model.kind, 'l')} AS y, ${TEST_SQL} AS test
FROM (${featuresSql('m_ev', cols, plan, cutoff, extra)}) f ${eligibleJoin}
LEFT JOIN (${outcomeSql(model, cutoff, now, withIds)}) l USING (pid)`);
  lap('features');
  await t.pause?.();

  const counts = (await sql.rows('SELECT count(*) FILTER (WHERE NOT test)::DOUBLE AS train, count(*) FILTER (WHERE test)::DOUBLE AS test, sum(y) FILTER (WHERE NOT test)::DOUBLE AS trainPos, sum(y) FILTER (WHERE test)::DOUBLE AS testPos FROM m_train'))[0]!;
  const nTrain = Number(counts.train ?? 0);
  const nTest = Number(counts.test ?? 0);
  if (nTrain < MIN_PEOPLE || nTest < 2) return err(`too few people to learn from: ${nTrain} in training, ${nTest} held out (at least ${MIN_PEOPLE} and 2 are needed; people with an event in the ${model.lookbackDays} days before ${new Date(cutoff).toISOString()})`);
  if (model.kind !== 'lifetimeValue') {
    const tp = Number(counts.trainPos ?? 0);
    const hp = Number(counts.testPos ?? 0);
    if (tp === 0 || tp === nTrain || hp === 0 || hp === nTest) return err(`the outcome has a single value in the training or the held-out people (${tp} of ${nTrain}, ${hp} of ${nTest} positive): nothing to learn`);
  }

  // standardised features: z = (f − mean) / sd over the training people
  const stats = (await sql.rows(`SELECT ${names.map((_, j) => `avg(f${j})::DOUBLE AS m${j}, coalesce(stddev_pop(f${j}), 0)::DOUBLE AS s${j}`).join(', ')} FROM m_train WHERE NOT test`))[0]!;
  const means = names.map((_, j) => Number(stats[`m${j}`] ?? 0));
  const sds = names.map((_, j) => {
    const s = Number(stats[`s${j}`] ?? 0);
    return s > 1e-12 ? s : 1;
  });
  const z = (j: number, table = '') => `((${table}f${j} - ${num(means[j]!)}) / ${num(sds[j]!)})`;
  await sql.run(`CREATE OR REPLACE TEMP TABLE m_z AS SELECT pid, y, test, ${names.map((_, j) => `${z(j)} AS z${j}`).join(', ')} FROM m_train`);
  await sql.run('DROP TABLE m_train');
  lap('standardise');

  let weights: Float64Array;
  let iterations = 1;
  if (model.kind === 'lifetimeValue') {
    const s = await linearSums(sql, d);
    const w = linearSolve(s, 1);
    if (!w) return err('the least-squares system is singular');
    weights = w;
  } else {
    const fit = await newtonFit(d, async (w) => {
      const s = await newtonSums(sql, d, w);
      await t.pause?.();
      return s;
    });
    weights = fit.weights;
    iterations = fit.iterations;
  }
  timings.iterations = iterations;
  lap('fit');

  const predicted: number[] = [];
  const actual: number[] = [];
  await sql.chunks(`SELECT ${predictionSql(model, weights, d)} AS p, y FROM m_z WHERE test`, (c) => {
    for (let i = 0; i < c[0]!.length; i++) {
      predicted.push(Number(c[0]![i]));
      actual.push(Number(c[1]![i]));
    }
  });
  const imp = importance(names, weights.subarray(1));
  const quality: QualityReport = { trainPeople: nTrain, testPeople: nTest, featureImportance: imp, meetsFloor: true };
  if (model.kind === 'lifetimeValue') {
    quality.value = { error: errorSpread(predicted, actual), meanActual: actual.reduce((a, b) => a + b, 0) / Math.max(1, actual.length), deciles: deciles(predicted, actual) };
  } else {
    quality.propensity = { auc: auc(predicted, actual), baseRate: actual.reduce((a, b) => a + b, 0) / Math.max(1, actual.length), deciles: deciles(predicted, actual) };
  }
  const floor = meetsFloor(model, quality);
  quality.meetsFloor = floor.ok;
  if (!floor.ok) quality.floorDetail = floor.error;
  lap('evaluate');
  await sql.run('DROP TABLE m_z');
  if (!floor.ok) return ok({ cutoff, quality, published: false, scored: 0, timings });

  // scoring: the same features as of now, for everyone active in the lookback and eligible
  const scoreElig = await eligibility(t, 'm_elig_score', featuresSql('m_ev', cols, plan, now, extra));
  await sql.run(`CREATE OR REPLACE TEMP TABLE m_score AS SELECT f.pid, ${names.map((_, j) => `${z(j, 'f.')} AS z${j}`).join(', ')} FROM (${featuresSql('m_ev', cols, plan, now, extra)}) f ${scoreElig}`);
  let scored = 0;
  const chunk: ScoreRow[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    await t.sink.write(chunk.splice(0));
    await t.pause?.();
  };
  await sql.chunks(scoresSql('m_score', model.kind, weights, names), async (c) => {
    for (let i = 0; i < c[0]!.length; i++) {
      chunk.push({ pid: String(c[0]![i]), score: Number(c[1]![i]), percentile: Number(c[2]![i]), bucket: String(c[3]![i]) as ScoreRow['bucket'], factors: (c[4]![i] as string[] | null) ?? [] });
      scored++;
    }
    if (chunk.length >= SCORE_CHUNK) await flush();
  });
  await flush();
  await sql.run('DROP TABLE m_score');
  lap('score');
  return ok({ cutoff, quality, published: true, scored, timings });
}

/** The outcome events per person in the window after the cutoff: `pid, n, v` (count, monetary sum). */
function outcomeSql(model: Model, from: number, to: number, withIds: boolean): string {
  const type = model.outcome.eventType !== undefined ? ` AND etype = ${litType(model.outcome.eventType)}` : '';
  const matched = withIds ? ' AND id IN (SELECT id FROM m_match)' : '';
  return `SELECT pid, count(*)::DOUBLE AS n, coalesce(sum(amount), 0)::DOUBLE AS v FROM m_ev WHERE ts >= ${num(from)} AND ts < ${num(to)}${type}${matched} GROUP BY pid`;
}

function litType(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A semi-join on the eligible people of `population`, or nothing when the model has no eligibility rule. */
async function eligibility(t: TrainingInput, table: string, population: string): Promise<string> {
  if (!t.eligible || !t.model.eligibility) return '';
  const pids: string[] = [];
  await t.sql.chunks(`SELECT pid FROM (${population})`, (c) => {
    for (const p of c[0]!) pids.push(String(p));
  });
  const ok = await t.eligible(pids);
  await t.sql.run(`CREATE OR REPLACE TEMP TABLE ${table} (pid VARCHAR)`);
  await t.sql.insertTexts(table, [...ok]);
  return `SEMI JOIN ${table} USING (pid)`;
}

const eta = (w: ArrayLike<number>, d: number) => [num(w[0]!), ...Array.from({ length: d }, (_, j) => `${num(w[j + 1]!)} * z${j}`)].join(' + ');

/** The prediction on the standardized columns z0…: a probability, or a value (never below zero). */
export function predictionSql(model: Pick<Model, 'kind'>, w: ArrayLike<number>, d: number): string {
  return model.kind === 'lifetimeValue' ? `greatest(${eta(w, d)}, 0)` : `1 / (1 + exp(-(${eta(w, d)})))`;
}

/** One Newton step's sums over the training people, in one DuckDB scan. */
async function newtonSums(sql: SqlSession, d: number, w: Float64Array): Promise<NewtonSums> {
  const n = d + 1;
  const x = (j: number) => (j === 0 ? '1' : `z${j - 1}`);
  const parts: string[] = ['sum(y - p)'];
  for (let j = 1; j < n; j++) parts.push(`sum((y - p) * ${x(j)})`);
  for (let j = 0; j < n; j++) for (let k = 0; k <= j; k++) parts.push(`sum(v * ${x(j)} * ${x(k)})`);
  parts.push('sum(CASE WHEN y > 0 THEN ln(greatest(p, 1e-300)) ELSE ln(greatest(1 - p, 1e-300)) END)');
  const q = `WITH q AS (SELECT *, 1 / (1 + exp(-(${eta(w, d)}))) AS p FROM m_z WHERE NOT test), r AS (SELECT *, p * (1 - p) AS v FROM q)
SELECT [${parts.map((p) => `(${p})::DOUBLE`).join(', ')}] AS s FROM r`;
  const s = ((await sql.rows(q))[0]!.s as number[]).map(Number);
  const gradient = Float64Array.from(s.slice(0, n));
  const hessian = new Float64Array(n * n);
  let at = n;
  for (let j = 0; j < n; j++) for (let k = 0; k <= j; k++) hessian[j * n + k] = s[at++]!;
  symmetrise(hessian, n);
  return { gradient, hessian, logLik: s[at]! };
}

/** The normal equations' sums over the training people, in one scan. */
async function linearSums(sql: SqlSession, d: number): Promise<LinearSums> {
  const n = d + 1;
  const x = (j: number) => (j === 0 ? '1' : `z${j - 1}`);
  const parts: string[] = [];
  for (let j = 0; j < n; j++) parts.push(`sum(y * ${x(j)})`);
  for (let j = 0; j < n; j++) for (let k = 0; k <= j; k++) parts.push(`sum(${x(j)} * ${x(k)})`);
  const s = ((await sql.rows(`SELECT [${parts.map((p) => `(${p})::DOUBLE`).join(', ')}] AS s FROM m_z WHERE NOT test`))[0]!.s as number[]).map(Number);
  const xty = Float64Array.from(s.slice(0, n));
  const xtx = new Float64Array(n * n);
  let at = n;
  for (let j = 0; j < n; j++) for (let k = 0; k <= j; k++) xtx[j * n + k] = s[at++]!;
  symmetrise(xtx, n);
  return { xtx, xty };
}

export type { FeatureColumn };
