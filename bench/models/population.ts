import type { SqlSession } from '../../src/model/sql-session.js';

/** The bench's clock: the population's "now" and the training cutoff (30 days before). */
export const NOW = Date.UTC(2026, 5, 1);
export const DAY = 86_400_000;
export const CUTOFF = NOW - 30 * DAY;

/**
 * The generating model of the outcome, over each person's events before the cutoff:
 *   logit p = −2.6 + 0.9·√(purchases in 90 days) + 0.45·ln(1 + page views in 30 days) − 0.55·ln(1 + days since the
 *   last event) + 0.004·min(spend in 90 days, 300)
 * (square root, a capped spend: shapes the trained model does not use as such).
 */
const TRUE_MODEL = `-2.6 + 0.9 * sqrt(purch90) + 0.45 * ln(1 + views30) - 0.55 * ln(1 + recency) + 0.004 * least(spend90, 300)`;

/**
 * Generates N people into `table` (a lake table: `_id, timestamp, …, record` JSON as ingestion writes it), in DuckDB:
 * each person has an activity level (log-normal), a buyer affinity and a trend (events bunch near the cutoff or not);
 * n events over the 120 days before the cutoff; the outcome drawn from TRUE_MODEL; after the cutoff the drawn
 * purchases and some browsing. Leaves `truth(pid, p, y)` (the true probability and outcome) as a temporary table.
 */
export async function generatePopulation(sql: SqlSession, table: string, n: number): Promise<void> {
  // ---------------------------------------------------------------------------------------------- population
  // each person: an activity level (log-normal), a buyer affinity and a trend (events bunch near the cutoff or not)
  await sql.run('SELECT setseed(0.42)');
  await sql.run(`CREATE TEMP TABLE people AS
SELECT i, 'p' || i || '@bench.example' AS pid,
  greatest(1, round(exp(0.9 * sqrt(-2 * ln(random() + 1e-12)) * cos(2 * pi() * random())) * 5))::INTEGER AS n,
  random() AS affinity, exp(random() * 2 - 1) AS gamma
FROM range(${n}) t(i)`);
  // history: n events in the 120 days before the cutoff
  await sql.run(`CREATE TEMP TABLE hist AS
SELECT pid, ${CUTOFF} - (pow(random(), gamma) * 120 * ${DAY})::BIGINT - 1 AS ts, r AS kind, affinity
FROM (SELECT pid, gamma, affinity, unnest(range(n)) AS j FROM people) x, LATERAL (SELECT random() AS r) y`);
  await sql.run(`CREATE TEMP TABLE hist_typed AS SELECT pid, ts,
  CASE WHEN kind < 0.04 + 0.2 * affinity THEN 'commerce.purchases' WHEN kind < 0.3 + 0.2 * affinity THEN 'commerce.productViews' ELSE 'web.webpagedetails.pageViews' END AS etype,
  round(10 + random() * 200 * affinity, 2) AS amount FROM hist`);
  // the true probability from the history, and the drawn outcome
  await sql.run(`CREATE TEMP TABLE truth AS
SELECT pid, 1 / (1 + exp(-(${TRUE_MODEL}))) AS p FROM (
  SELECT pid,
    count(*) FILTER (WHERE etype = 'commerce.purchases' AND ts >= ${CUTOFF - 90 * DAY}) AS purch90,
    count(*) FILTER (WHERE etype = 'web.webpagedetails.pageViews' AND ts >= ${CUTOFF - 30 * DAY}) AS views30,
    (${CUTOFF} - max(ts)) / ${DAY}.0 AS recency,
    coalesce(sum(amount) FILTER (WHERE etype = 'commerce.purchases' AND ts >= ${CUTOFF - 90 * DAY}), 0) AS spend90
  FROM hist_typed GROUP BY pid)`);
  await sql.run('ALTER TABLE truth ADD COLUMN y INTEGER');
  await sql.run('UPDATE truth SET y = CASE WHEN random() < p THEN 1 ELSE 0 END');
  // after the cutoff: the drawn purchases, and some browsing of everyone (scoring sees it)
  await sql.run(`CREATE TEMP TABLE after AS
SELECT pid, ${CUTOFF} + (random() * 29 * ${DAY})::BIGINT AS ts, 'commerce.purchases' AS etype, round(10 + random() * 100, 2) AS amount FROM truth WHERE y = 1
UNION ALL
SELECT pid, ${CUTOFF} + (random() * 29 * ${DAY})::BIGINT, 'web.webpagedetails.pageViews', 0 FROM people WHERE random() < 0.5`);
  const json = (src: string) => `INSERT INTO ${table}
SELECT 'e' || row_number() OVER () || '-' || hash(pid, ts) AS _id, make_timestamptz(ts * 1000) AS "timestamp", 'bench' AS _kith_batch_id, 0 AS _kith_offset, now() AS _kith_ingested_at,
  json_object('_id', 'e' || hash(pid, ts, etype), 'timestamp', strftime(make_timestamptz(ts * 1000), '%Y-%m-%dT%H:%M:%S.%gZ'), 'eventType', etype,
    'identityMap', json_object('Email', json_array(json_object('id', pid, 'primary', true))),
    'commerce', CASE WHEN etype = 'commerce.purchases' THEN json_object('order', json_object('priceTotal', amount, 'currencyCode', 'USD')) END) AS record
FROM ${src}`;
  await sql.run(json('hist_typed'));
  await sql.run(json('after'));
  for (const t of ['people', 'hist', 'hist_typed', 'after']) await sql.run(`DROP TABLE ${t}`);
}
