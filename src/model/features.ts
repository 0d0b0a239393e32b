import { lit, num, pointer } from './sql-text.js';

/**
 * Per-person features, computed by DuckDB from the lake (one GROUP BY over the person's events), as of a cutoff:
 * only events strictly before the cutoff are read, so nothing that happened at or after it leaks into what the
 * model learns from (or is scored on). The cutoff is a parameter: training passes `now − window` (the label is what
 * happens after it), scoring passes `now`; both come from an injected clock.
 *
 * The events table (`eventsTableSql`) holds one row per event: `pid` (the person's id in the model's namespace),
 * `ts` (epoch ms), `etype`, `amount` (the monetary field), `id` (only when an outcome condition needs it).
 */
export const DAY_MS = 86_400_000;

export interface EventSource {
  /** Qualified lake tables (`s_<sandbox>.<table>`) to read. */
  tables: readonly string[];
  namespace: string;
  /** Dotted path of the monetary field. */
  monetaryField: string;
  /** Keep `_id` (an outcome condition picks events by id). */
  withIds: boolean;
}

/**
 * One pass over the lake's JSON: each record parsed once (`json_extract_string` with a list of pointers), people
 * without an identity in the namespace dropped, events at or after `upTo` (the clock's now) left out.
 */
export function eventsTableSql(target: string, src: EventSource, upTo: number): string {
  const ptrs = [pointer(['identityMap', src.namespace, '0', 'id']), pointer(['eventType']), pointer(src.monetaryField.split('.')), pointer(['_id'])];
  const list = `[${ptrs.map(lit).join(', ')}]`;
  const selects = src.tables.map(
    (t) => `SELECT epoch_ms("timestamp") AS ts, json_extract_string(record, ${list}) AS v FROM ${t} WHERE "timestamp" IS NOT NULL AND "timestamp" < make_timestamptz(${Math.trunc(upTo)}::BIGINT * 1000)`,
  );
  const body = selects.length > 0 ? selects.join('\nUNION ALL\n') : 'SELECT NULL::BIGINT AS ts, NULL::VARCHAR[] AS v WHERE false';
  return `CREATE OR REPLACE TEMP TABLE ${target} AS
SELECT v[1] AS pid, ts, v[2] AS etype, TRY_CAST(v[3] AS DOUBLE) AS amount${src.withIds ? ', v[4] AS id' : ''}
FROM (${body}) WHERE v[1] IS NOT NULL AND v[1] <> ''`;
}

export interface FeaturePlan {
  lookbackDays: number;
  /** The outcome's eventType (its own counts are features), if any. */
  outcomeType?: string;
  /** Other frequent event types whose counts are features. */
  eventTypes: readonly string[];
}

export interface FeatureColumn {
  name: string;
  /** Aggregate over the person's events before the cutoff (`c` = cutoff literal). */
  expr: (c: string) => string;
}

const log1p = (x: string) => `ln(1 + greatest(coalesce(${x}, 0), 0))`;
const since = (c: string, days: number) => `ts >= ${c} - ${days * DAY_MS}`;

/** The features of a plan, in a fixed order (names are what top factors and importance show). */
export function featureColumns(p: FeaturePlan): FeatureColumn[] {
  const windows = [...new Set([7, 30, 90, p.lookbackDays].filter((d) => d <= p.lookbackDays))].sort((a, b) => a - b);
  const cols: FeatureColumn[] = [
    { name: 'daysSinceLastEvent', expr: (c) => log1p(`(${c} - max(ts)) / ${DAY_MS}.0`) },
    { name: 'daysSinceFirstSeen', expr: (c) => log1p(`(${c} - min(ts)) / ${DAY_MS}.0`) },
  ];
  for (const d of windows) cols.push({ name: `events${d}d`, expr: (c) => log1p(`count(*) FILTER (WHERE ${since(c, d)})`) });
  for (const d of windows) cols.push({ name: `spend${d}d`, expr: (c) => log1p(`sum(amount) FILTER (WHERE ${since(c, d)})`) });
  if (p.lookbackDays >= 60)
    cols.push({
      name: 'trend30d',
      // (last 30 days − the 30 before) / (both + 1): −1 … 1, positive when the person is more active lately
      expr: (c) => `(count(*) FILTER (WHERE ${since(c, 30)}) - count(*) FILTER (WHERE ${since(c, 60)} AND ts < ${c} - ${30 * DAY_MS})) / (count(*) FILTER (WHERE ${since(c, 60)}) + 1.0)`,
    });
  cols.push({ name: 'activeDays', expr: (c) => log1p(`count(DISTINCT ts // ${DAY_MS}) FILTER (WHERE ${since(c, p.lookbackDays)})`) });
  if (p.outcomeType !== undefined) {
    const t = lit(p.outcomeType);
    for (const d of windows) cols.push({ name: `${p.outcomeType}:${d}d`, expr: (c) => log1p(`count(*) FILTER (WHERE etype = ${t} AND ${since(c, d)})`) });
    cols.push({ name: `daysSinceLast:${p.outcomeType}`, expr: (c) => log1p(`coalesce((${c} - max(ts) FILTER (WHERE etype = ${t})) / ${DAY_MS}.0, ${p.lookbackDays * 2})`) });
  }
  for (const et of p.eventTypes) {
    if (et === p.outcomeType) continue;
    cols.push({ name: `${et}:${p.lookbackDays}d`, expr: (c) => log1p(`count(*) FILTER (WHERE etype = ${lit(et)} AND ${since(c, p.lookbackDays)})`) });
  }
  return cols;
}

/**
 * The features of every person active in the lookback before `cutoff`: `pid, f0 … f(n-1)` (DOUBLE). Reads `events`
 * rows with `ts < cutoff` only. `extra` joins more feature columns by pid (profile attributes), named after them.
 */
export function featuresSql(events: string, cols: readonly FeatureColumn[], p: FeaturePlan, cutoff: number, extra?: { table: string; columns: number }): string {
  const c = num(cutoff);
  const base = cols.map((f, i) => `CAST(${f.expr(c)} AS DOUBLE) AS f${i}`).join(',\n  ');
  const grouped = `SELECT pid,\n  ${base}\nFROM ${events}\nWHERE ts < ${c}\nGROUP BY pid\nHAVING max(ts) >= ${c} - ${p.lookbackDays * DAY_MS}`;
  if (!extra || extra.columns === 0) return grouped;
  const more = Array.from({ length: extra.columns }, (_, j) => `coalesce(x.p${j}, 0) AS f${cols.length + j}`).join(', ');
  return `SELECT g.*, ${more} FROM (${grouped}) g LEFT JOIN ${extra.table} x ON x.pid = g.pid`;
}

/** The most frequent event types before the cutoff (besides the outcome's), as feature candidates. */
export function topEventTypesSql(events: string, cutoff: number, lookbackDays: number, limit: number): string {
  return `SELECT etype, count(*) AS n FROM ${events} WHERE etype IS NOT NULL AND ts < ${num(cutoff)} AND ts >= ${num(cutoff - lookbackDays * DAY_MS)} GROUP BY etype ORDER BY n DESC, etype LIMIT ${Math.trunc(limit)}`;
}

/**
 * Numeric profile attributes as features, from the lake's profile-record rows (rows without an event time) of the
 * same tables: per person the latest value ingested before the cutoff. `p0 … p(n-1)`.
 */
export function profileFeaturesSql(target: string, tables: readonly string[], namespace: string, paths: readonly string[], cutoff: number): string {
  const ptrs = [pointer(['identityMap', namespace, '0', 'id']), ...paths.map((p) => pointer(p.split('.')))];
  const list = `[${ptrs.map(lit).join(', ')}]`;
  const selects = tables.map((t) => `SELECT _kith_ingested_at AS ing_at, json_extract_string(record, ${list}) AS v FROM ${t} WHERE "timestamp" IS NULL AND _kith_ingested_at < make_timestamptz(${Math.trunc(cutoff)}::BIGINT * 1000)`);
  const body = selects.length > 0 ? selects.join('\nUNION ALL\n') : 'SELECT NULL::TIMESTAMPTZ AS ing_at, NULL::VARCHAR[] AS v WHERE false';
  const cols = paths.map((_, j) => `arg_max(TRY_CAST(v[${j + 2}] AS DOUBLE), ing_at) FILTER (WHERE TRY_CAST(v[${j + 2}] AS DOUBLE) IS NOT NULL) AS p${j}`).join(', ');
  return `CREATE OR REPLACE TEMP TABLE ${target} AS SELECT v[1] AS pid, ${cols} FROM (${body}) WHERE v[1] IS NOT NULL GROUP BY v[1]`;
}
