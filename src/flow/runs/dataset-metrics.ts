import { err, ok, type Result } from '../../shared/result.js';
import { badRequest, type Problem } from '../../shared/problem.js';
import type { RunCounts, RunMetricsStore } from './run-metrics-store.js';

/**
 * Per-dataset ingestion metrics in the shape of AEP's Observability Insights API (`POST /metrics`): time series of
 * the run counters, bucketed by hour, day, week (Monday, UTC) or month, per dataset (`groupBy`) or summed.
 */
export const DATASET_METRICS: Readonly<Record<string, keyof RunCounts>> = {
  // AEP's names
  'timeseries.ingestion.dataset.recordsuccess.count': 'ingested',
  'timeseries.ingestion.dataset.size': 'inputBytes',
  // Kith's, same naming
  'timeseries.ingestion.dataset.recordreceived.count': 'received',
  'timeseries.ingestion.dataset.recordfailed.count': 'failed',
  'timeseries.ingestion.dataset.recordduplicate.count': 'duplicates',
  'timeseries.profile.dataset.recordsuccess.count': 'profileIngested',
  'timeseries.profile.dataset.recordnotingested.count': 'profileNotIngested',
};

export const GRANULARITIES = ['hour', 'day', 'week', 'month'] as const;
type Granularity = (typeof GRANULARITIES)[number];
const GRANULARITY_MS: Record<Granularity, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000 };
/** Buckets one answer may hold per series. */
export const MAX_BUCKETS = 2_000;

export interface MetricsRequest {
  start: string;
  end: string;
  granularity?: string;
  metrics: Array<{ name: string; filters?: Array<{ name: string; value: string; groupBy?: boolean }>; aggregator?: string; downsample?: string }>;
}

function bucketStart(t: number, g: Granularity): number {
  const d = new Date(t);
  if (g === 'hour') return Math.floor(t / 3_600_000) * 3_600_000;
  if (g === 'day') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (g === 'week') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function nextBucket(t: number, g: Granularity): number {
  const d = new Date(t);
  if (g === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return t + GRANULARITY_MS[g];
}

/** The time series of one request, from the stored run windows (each window counted in the bucket it starts in). */
export async function datasetMetrics(store: RunMetricsStore, sandboxId: string, req: MetricsRequest, windowMs: number): Promise<Result<Record<string, unknown>, Problem>> {
  const start = Date.parse(req.start);
  const end = Date.parse(req.end);
  if (!Number.isFinite(start)) return err(badRequest(`start must be an ISO 8601 time, got "${req.start}"`));
  if (!Number.isFinite(end)) return err(badRequest(`end must be an ISO 8601 time, got "${req.end}"`));
  if (end <= start) return err(badRequest('end must be after start'));
  const g = (req.granularity ?? 'day').toLowerCase() as Granularity;
  if (!GRANULARITIES.includes(g)) return err(badRequest(`granularity must be one of ${GRANULARITIES.join(', ')}, got "${req.granularity}"`));
  if (g === 'hour' && windowMs > GRANULARITY_MS.hour) return err(badRequest(`granularity hour is finer than the run window (${windowMs / 60_000} minutes, KITH_FLOW_RUN_WINDOW_MINUTES)`));
  const first = bucketStart(start, g);
  const buckets: number[] = [];
  for (let t = first; t < end; t = nextBucket(t, g)) {
    buckets.push(t);
    if (buckets.length > MAX_BUCKETS) return err(badRequest(`the range holds more than ${MAX_BUCKETS} ${g} buckets: narrow it or use a coarser granularity`));
  }
  const metricResponses: Array<Record<string, unknown>> = [];
  for (const [i, m] of req.metrics.entries()) {
    const field = DATASET_METRICS[m.name];
    if (!field) return err(badRequest(`metrics[${i}].name "${m.name}" is not a metric (one of ${Object.keys(DATASET_METRICS).join(', ')})`));
    if (m.aggregator !== undefined && m.aggregator !== 'sum') return err(badRequest(`metrics[${i}].aggregator: only sum is supported, got "${m.aggregator}"`));
    let ids: string[] | undefined;
    let groupBy = false;
    for (const [j, f] of (m.filters ?? []).entries()) {
      if (f.name !== 'dataSetId') return err(badRequest(`metrics[${i}].filters[${j}].name: only dataSetId filters datasets, got "${f.name}"`));
      ids = f.value.split('|').filter((x) => x !== '');
      if (ids.length === 0) return err(badRequest(`metrics[${i}].filters[${j}].value names no dataset`));
      groupBy = f.groupBy === true;
    }
    // windows that start in the range (a window longer than a bucket counts in the bucket it starts in)
    const rows = await store.rows({ sandboxId, ...(ids ? { datasetIds: ids } : {}), from: first, to: end });
    const series = new Map<string, Map<number, number>>();
    const seriesOf = (k: string) => series.get(k) ?? series.set(k, new Map(buckets.map((b) => [b, 0]))).get(k)!;
    if (groupBy) for (const id of ids!) seriesOf(id);
    else seriesOf('');
    for (const r of rows) {
      const s = seriesOf(groupBy ? r.datasetId : '');
      const b = bucketStart(r.windowStart, g);
      if (s.has(b)) s.set(b, s.get(b)! + r[field]);
    }
    metricResponses.push({
      metric: m.name,
      filters: m.filters ?? [],
      datapoints: [...series].map(([k, s]) => ({
        groupBy: groupBy ? { dataSetId: k } : {},
        dps: Object.fromEntries([...s].map(([t, v]) => [new Date(t).toISOString(), v])),
      })),
      granularity: g.toUpperCase(),
    });
  }
  return ok({ metricResponses });
}
