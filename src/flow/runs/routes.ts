import type { FastifyInstance } from 'fastify';
import { sandboxCtxOf } from '../../http/request-context.js';
import { sendProblem } from '../../http/reply.js';
import { notFound } from '../../shared/problem.js';
import { anyObject, arrayOf, bool, closedObj, desc, int, num, obj, params, query, responses, str, strEnum, type JsonSchema } from '../../http/schemas.js';
import type { RunMetricsStore } from './run-metrics-store.js';
import { MAX_RUNS_LIMIT, RunService, type RunListQuery } from './run-service.js';
import { DATASET_METRICS, datasetMetrics, GRANULARITIES, type MetricsRequest } from './dataset-metrics.js';
import { RUN_WINDOW_MS } from './run-recorder.js';
import type { Clock } from '../../shared/clock.js';

const tags = ['Flow Service'];
const summaryOf = obj({ inputRecordCount: int, outputRecordCount: int, failedRecordCount: int, skippedRecordCount: int });
const statusSummary = obj({ status: strEnum(['inProgress', 'success', 'partialSuccess', 'failed']), errors: arrayOf(obj({ code: str, message: str, recordCount: int })) }, ['status']);
const duration = obj({ startedAtUTC: desc(int, 'Epoch ms: the first record of the run received'), completedAtUTC: desc(int, 'Epoch ms: the last count of the run stored') });
const run = obj(
  {
    id: desc(str, 'The run id (stable: a hash of the dataflow, or connection, and the run window)'),
    flowId: desc(str, 'The dataflow (absent when no dataflow names the records: then connectionId)'),
    connectionId: desc(str, 'Kith: the base connection the records came through'),
    createdAt: int,
    updatedAt: int,
    sandboxId: str,
    sandboxName: str,
    etag: str,
    runWindow: desc(obj({ start: int, end: int }), 'Kith: the run window (epoch ms; KITH_FLOW_RUN_WINDOW_MINUTES)'),
    dataSetIds: arrayOf(str),
    metrics: obj({
      durationSummary: duration,
      sizeSummary: obj({ inputBytes: int }),
      recordSummary: obj({
        inputRecordCount: desc(int, 'Records received'),
        outputRecordCount: desc(int, 'Records ingested to the lake'),
        failedRecordCount: desc(int, 'Records failed (kept in failed records with their reason)'),
        skippedRecordCount: desc(int, 'Events dropped as duplicates of an ingested `_id`'),
        profileRecordSummary: obj({ inputRecordCount: int, ingestedRecordCount: desc(int, 'Ingested to profile'), notIngestedRecordCount: desc(int, 'Not ingested to profile (with their reason)') }),
        targetSummaries: arrayOf(obj({ entityType: str, entityId: str, recordSummary: anyObject })),
      }),
      statusSummary,
    }),
    activities: arrayOf(obj({ id: str, name: str, durationSummary: duration, recordSummary: summaryOf, statusSummary })),
  },
  ['id', 'createdAt', 'updatedAt', 'metrics'],
);

export const listRunsSchema: JsonSchema = {
  tags,
  summary: 'List dataflow runs (one per dataflow and run window)',
  querystring: query({
    property: desc({ anyOf: [str, arrayOf(str)] }, 'Filters, repeat to AND: `flowId==…`, `connectionId==…`, `id==…`, `dataSetId==…` (also `!=`), `createdAt>=…`, `updatedAt<…` (epoch ms or ISO 8601)'),
    limit: { type: 'integer', minimum: 1, maximum: MAX_RUNS_LIMIT, description: `Runs per page (default and most: ${MAX_RUNS_LIMIT})` },
    orderby: desc(str, '`-createdAt` (newest first, default) or `createdAt`'),
    continuationToken: desc({ type: 'string', minLength: 1, maxLength: 200 }, 'From `_links.next.href` of the previous page'),
    count: desc(bool, 'true: answer `{"count": n}` only'),
  }),
  response: responses({ 200: obj({ items: arrayOf(run), count: int, _links: obj({ next: obj({ href: str }) }) }) }),
};

export const getRunSchema: JsonSchema = { tags, summary: 'Get a dataflow run', params: params('id'), response: responses({ 200: obj({ items: arrayOf(run, { minItems: 1, maxItems: 1 }) }, ['items']) }) };

export const datasetMetricsSchema: JsonSchema = {
  tags: ['Observability'],
  summary: 'Ingestion metrics per dataset (Observability Insights)',
  body: closedObj(
    {
      start: desc(str, 'ISO 8601'),
      end: desc(str, 'ISO 8601 (exclusive)'),
      granularity: desc(str, `One of ${GRANULARITIES.join(', ')} (default day)`),
      metrics: {
        type: 'array',
        minItems: 1,
        maxItems: 20,
        items: closedObj(
          {
            name: desc(strEnum(Object.keys(DATASET_METRICS)), 'The metric'),
            filters: arrayOf(closedObj({ name: desc(str, '`dataSetId`'), value: desc(str, 'Dataset ids separated by `|`'), groupBy: desc(bool, 'One series per dataset') }, ['name', 'value']), { maxItems: 1 }),
            aggregator: desc(str, '`sum`'),
            downsample: str,
          },
          ['name'],
        ),
      },
    },
    ['start', 'end', 'metrics'],
  ),
  response: responses({
    200: obj({
      metricResponses: arrayOf(obj({ metric: str, filters: arrayOf(anyObject), datapoints: arrayOf(obj({ groupBy: anyObject, dps: { type: 'object', additionalProperties: num } })), granularity: str })),
    }),
  }),
};

const FS = '/data/foundation/flowservice';

/** Flow Service runs and per-dataset ingestion metrics, read from the run counters the processor stores. */
export function registerRunRoutes(app: FastifyInstance, deps: { store: RunMetricsStore; clock: Clock }): void {
  const runs = new RunService(deps.store, deps.clock, RUN_WINDOW_MS);
  app.get(`${FS}/runs`, { schema: listRunsSchema }, async (req, reply) => {
    const ctx = sandboxCtxOf(req);
    const q = req.query as RunListQuery;
    const r = await runs.list(ctx.sandbox, ctx.orgId, q);
    if (!r.ok) return sendProblem(reply, r.error);
    if ('count' in r.value) return { count: r.value.count };
    const next = r.value.next;
    const href = () => {
      const u = new URL(req.url, 'http://x');
      u.searchParams.set('continuationToken', next!);
      return `${u.pathname}${u.search}`;
    };
    return { items: r.value.items, ...(next ? { _links: { next: { href: href() } } } : {}) };
  });
  app.get(`${FS}/runs/:id`, { schema: getRunSchema }, async (req, reply) => {
    const ctx = sandboxCtxOf(req);
    const id = (req.params as { id: string }).id;
    const v = await runs.get(ctx.sandbox, ctx.orgId, id);
    return v ? { items: [v] } : sendProblem(reply, notFound(`No run ${id}`));
  });
  app.post('/data/infrastructure/observability/insights/metrics', { schema: datasetMetricsSchema }, async (req, reply) => {
    const ctx = sandboxCtxOf(req);
    const r = await datasetMetrics(deps.store, ctx.sandbox.id, req.body as MetricsRequest, RUN_WINDOW_MS);
    return r.ok ? r.value : sendProblem(reply, r.error);
  });
}
