/**
 * bench/query: the Query Service benchmark (issue #19). On N generated ExperienceEvents (default 10,000,000, realistic
 * nesting; bench/query/generate.ts, reused across runs) and a profile dataset (100,000 people):
 *  (a) events per type per day, (b) purchases joined to the profile table, (c) a 1,000,000-row result streamed to a
 *  client; each through the wire endpoint (a real `kith start` in a child process, the `pg` client; (c) also psql)
 *  and, as the baseline, DuckDB in-process on the same lake file (Kith down) with the same SQL on the typed tables and
 *  the lake's thread count. Targets: (a), (b) >= 0.8 of the baseline's speed, (c) >= 0.5 (the best client counts).
 *  Then ingestion of 100-message batches solo and while (a) runs in a loop: target >= 0.8 of the solo rate.
 * Prints one JSON document. Order: baseline (when the server's typed tables exist already), wire timings, Kith down,
 * baseline again (runs of both passes merged), Kith up again for the ingestion phase (which writes to a dataset of
 * its own: the queried data stays as generated).
 *   node --import tsx bench/query/run.ts [--events N] [--people N] [--data-dir DIR] [--runs 3] [--ingest-seconds 15]
 * KITH_LAKE_THREADS (default 1): the server lake's DuckDB threads, and the baseline's.
 */
import { hardware } from '../hardware.js';
import { storageKind } from '../lib/bench-root.js';
import { spawnSync } from 'node:child_process';
import { mergeBaselines, runBaseline, type BaselineResult } from './baseline.js';
import { argOf, ensureData } from './generate.js';
import { ingestUnderQuery } from './ingest-under-query.js';
import { startKithChild } from './kith-child.js';
import { benchQueries, STREAM_ROWS } from './queries.js';
import { QueryEndpointUnavailable, runWire, type WireResult } from './wire.js';

const argv = process.argv.slice(2);
const EVENTS = Number(argOf(argv, 'events') ?? 10_000_000);
const PEOPLE = Number(argOf(argv, 'people') ?? 100_000);
const RUNS = Number(argOf(argv, 'runs') ?? 3);
const INGEST_SECONDS = Number(argOf(argv, 'ingest-seconds') ?? 15);
const LAKE_THREADS = Number(process.env.KITH_LAKE_THREADS ?? 1);
const log = (l: string) => process.stderr.write(`${l}\n`);

const t0 = performance.now();
const { data, generated } = await ensureData({ events: EVENTS, people: PEOPLE, dataDir: argOf(argv, 'data-dir'), lakeThreads: LAKE_THREADS, log });
const q = benchQueries(data.eventsTable, data.profilesTable);
const target = (k: Awaited<ReturnType<typeof startKithChild>>) => ({ port: k.queryPort, orgId: k.orgId, accessToken: k.accessToken });
const errorOf = (e: unknown) => (e instanceof QueryEndpointUnavailable ? e.message : `${(e as Error).message}`);

// ---- baseline, first pass (only on the server's typed tables: a first run has none before the wire phase) ----
// before and after the wire phase, merged: a busy or settling box then weighs on both sides alike
log('query bench: baseline, first pass (in-process DuckDB)');
const baselineBefore = await runBaseline(data, { threads: LAKE_THREADS, runs: RUNS, queries: q, serverTablesOnly: true });

// ---- wire: (a) (b) (c) ----
log('query bench: wire timings');
let wire: WireResult | { error: string };
{
  const k = await startKithChild(data.dataDir, { lakeThreads: LAKE_THREADS });
  try {
    wire = await runWire(target(k), q, { events: data.eventsTable, profiles: data.profilesTable }, RUNS);
  } catch (e) {
    wire = { error: errorOf(e) };
  } finally {
    await k.stop();
  }
}

// ---- baseline: in-process DuckDB on the same file (Kith is down) ----
log('query bench: baseline (in-process DuckDB)');
spawnSync('sync'); // the server's last checkpoint on disk before timing
const baselineAfter = (await runBaseline(data, { threads: LAKE_THREADS, runs: RUNS, queries: q }))!;
const baseline: BaselineResult = mergeBaselines(baselineBefore?.tables.schema === baselineAfter.tables.schema ? baselineBefore : undefined, baselineAfter);

// ---- ingestion solo and under the (a) loop ----
let ingest: Awaited<ReturnType<typeof ingestUnderQuery>> | { error: string } | { skipped: string };
if (INGEST_SECONDS <= 0) ingest = { skipped: '--ingest-seconds 0' };
else {
  log('query bench: ingestion solo and under the (a) loop');
  const k = await startKithChild(data.dataDir, { lakeThreads: LAKE_THREADS });
  try {
    ingest = await ingestUnderQuery(k, target(k), data, q.perTypePerDay, INGEST_SECONDS);
  } catch (e) {
    ingest = { error: errorOf(e) };
  } finally {
    await k.stop();
  }
}

// ---- ratios: speed = 1 / time ----
const speed = (baselineMs: number, wireMs: number) => Number((baselineMs / wireMs).toFixed(2));
const check = (ratio: number | null, min: number, extra: Record<string, unknown> = {}) => ({ ratio, target: `>= ${min}`, met: ratio === null ? null : ratio >= min, ...extra });
let ratios: Record<string, unknown> | null = null;
if (!('error' in wire)) {
  const c = { pg: speed(baseline.stream.ms, wire.stream.pg.ms), psql: speed(baseline.stream.ms, wire.stream.psql.ms) };
  const best = c.pg >= c.psql ? 'pg' : 'psql';
  const ing = 'ackedRatio' in ingest ? Math.min(ingest.ackedRatio ?? 0, ingest.lakeRatio ?? 0) : null;
  ratios = {
    perTypePerDay: check(speed(baseline.perTypePerDay.ms, wire.perTypePerDay.ms), 0.8, { client: 'pg' }),
    purchasesByTier: check(speed(baseline.purchasesByTier.ms, wire.purchasesByTier.ms), 0.8, { client: 'pg' }),
    stream: check(c[best], 0.5, { client: best, byClient: c }),
    ingestUnderQuery: check(ing, 0.8, { of: 'the lower of the acknowledged and lake-committed rates, under the (a) loop vs solo' }),
    // not a target: what the ingestion costs the query ((a) alone vs the median of the loop under ingestion)
    perTypePerDayUnderIngest: 'underQuery' in ingest && 'queryLoop' in ingest.underQuery && ingest.underQuery.queryLoop.medianMs ? { ms: ingest.underQuery.queryLoop.medianMs, slowdown: Number((ingest.underQuery.queryLoop.medianMs / wire.perTypePerDay.ms).toFixed(2)) } : null,
  };
}
// the typed tables must hold every raw row (the generated rows have _kith_offset 0, below any ingested row)
const sameRows = 'error' in wire ? { typedTableComplete: baseline.eventRows === baseline.rawEventRows } : { typedTableComplete: baseline.eventRows === baseline.rawEventRows, eventRows: wire.eventRows === baseline.eventRows, perTypePerDay: wire.perTypePerDay.rows === baseline.perTypePerDay.rows, purchasesByTier: wire.purchasesByTier.rows === baseline.purchasesByTier.rows, stream: wire.stream.pg.rows === baseline.stream.rows };

const a = ratios?.perTypePerDay as { ratio: number } | undefined;
console.log(
  JSON.stringify(
    {
      name: 'query-service',
      storage: storageKind(),
      figure: a?.ratio ?? null,
      unit: 'x of in-process DuckDB speed on the same file, (a) events per type per day through the wire (pg)',
      ...('error' in wire ? { error: wire.error } : {}),
      ratios,
      sameResultSizes: sameRows,
      events: data.events,
      people: data.people,
      streamRows: STREAM_ROWS,
      runs: RUNS,
      lakeThreads: LAKE_THREADS,
      dataDir: data.dataDir,
      generation: { ...data.generation, generatedThisRun: generated, extrapolatedSecondsFor10M: Math.round(data.generation.secondsPerMillionEvents * 10) },
      queries: q,
      wire,
      baseline: { ...baseline, passes: baselineBefore?.tables.schema === baselineAfter.tables.schema ? 'before and after the wire phase (runs merged)' : 'after the wire phase' },
      ingest,
      duckdb: baseline.duckdb,
      hardware: hardware(),
      seconds: Math.round((performance.now() - t0) / 1000),
    },
    null,
    1,
  ),
);
// the wire parts could not run: the JSON above holds the generation and the baseline, the exit status says it failed
if ('error' in wire) log(`query bench: FAILED: ${wire.error}`);
process.exit('error' in wire ? 1 : 0);
