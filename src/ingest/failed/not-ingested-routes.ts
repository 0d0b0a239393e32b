import type { FastifyInstance } from 'fastify';
import { sandboxCtxOf } from '../../http/request-context.js';
import { sendProblem } from '../../http/reply.js';
import { badRequest, notFound } from '../../shared/problem.js';
import { anyValue, arrayOf, bool, closedObj, int, nullable, obj, params, query, responses, str } from '../../http/schemas.js';
import type { NotIngestedStore, StoredNotIngested } from '../../lake/not-ingested-store.js';
import type { ReplayFilter, ReplayOutcome } from '../../profile/not-ingested-replay.js';
import { jsonOrText } from '../../shared/objects.js';

const tags = ['Failed Records'];
const BASE = '/data/foundation/kith/not-ingested-to-profile';

/** Replays through the pipeline that owns the profile (its thread): `NotIngestedReplay.replay`. */
export type ReplayCall = (sandboxId: string, filter: ReplayFilter) => Promise<ReplayOutcome>;

function view(r: StoredNotIngested) {
  const record = r.truncated ? r.record : jsonOrText(r.record);
  return {
    id: r.id,
    datasetId: r.datasetId,
    batchId: r.batchId,
    offset: r.offset,
    recordId: r.recordId,
    xactionId: r.xactionId,
    isEvent: r.isEvent,
    code: r.code,
    reason: r.reason,
    receivedAt: r.receivedAt,
    createdAt: r.createdAt,
    replayedAt: r.replayedAt,
    truncated: r.truncated,
    record,
  };
}

const recordView = obj(
  {
    id: str,
    datasetId: str,
    batchId: str,
    offset: int,
    recordId: nullable(str),
    xactionId: str,
    isEvent: bool,
    code: str,
    reason: str,
    receivedAt: int,
    createdAt: int,
    replayedAt: nullable(int),
    truncated: bool,
    record: anyValue,
  },
  ['id', 'datasetId', 'batchId', 'offset', 'code', 'reason', 'createdAt', 'record'],
);
const reasonCount = obj({ code: str, reason: str, count: int }, ['code', 'count']);
const filters = { datasetId: str, batchId: str, reason: { type: 'string', minLength: 1, maxLength: 64 } };

/**
 * Records "not ingested to profile" (in the lake of a profile-enabled dataset, not placed in the profile), beside
 * failed records: listing with the same filters and paging, one by id, and replay through the profile step once the
 * cause is fixed (e.g. the namespace now exists).
 */
export function registerNotIngestedRoutes(app: FastifyInstance, store: NotIngestedStore, replay: ReplayCall): void {
  app.get(
    BASE,
    {
      schema: {
        tags,
        summary: 'List records not ingested to profile (filter by datasetId, batchId, reason, since; page with start)',
        querystring: query({
          ...filters,
          since: { type: 'integer', minimum: 0, description: 'Recorded at or after (epoch ms)' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          start: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'The `_page.next` of the previous page' },
          includeReplayed: { type: 'boolean', default: false },
        }),
        response: responses({
          200: obj({ records: arrayOf(recordView), _page: obj({ count: int, limit: int, next: nullable(str) }, ['count', 'limit', 'next']) }, ['records', '_page']),
        }),
      },
    },
    async (req) => {
      const c = sandboxCtxOf(req);
      const q = req.query as { datasetId?: string; batchId?: string; reason?: string; since?: number; limit: number; start?: string; includeReplayed: boolean };
      const recs = await store.list({ sandboxId: c.sandbox.id, datasetId: q.datasetId, batchId: q.batchId, code: q.reason, since: q.since, limit: q.limit, after: q.start, includeReplayed: q.includeReplayed });
      return { records: recs.map(view), _page: { count: recs.length, limit: q.limit, next: recs.length === q.limit ? recs[recs.length - 1]!.id : null } };
    },
  );

  app.get(
    `${BASE}/:id`,
    { schema: { tags, summary: 'One record not ingested to profile', params: params('id'), response: responses({ 200: recordView }) } },
    async (req, reply) => {
      const c = sandboxCtxOf(req);
      const { id } = req.params as { id: string };
      const r = await store.get(c.sandbox.id, id);
      return r ? view(r) : sendProblem(reply, notFound(`No record ${id} not ingested to profile in this sandbox`));
    },
  );

  app.post(
    `${BASE}/replay`,
    {
      schema: {
        tags,
        summary: 'Replay records not ingested to profile (by ids, datasetId, batchId or reason) through the identity and profile steps',
        body: closedObj({ ids: arrayOf({ type: 'string', minLength: 1, maxLength: 32 }, { minItems: 1, maxItems: 10_000 }), ...filters }),
        response: responses({ 200: obj({ replayed: int, ingested: int, notIngested: int, skipped: int }, ['replayed', 'ingested', 'notIngested', 'skipped']) }),
      },
    },
    async (req, reply) => {
      const c = sandboxCtxOf(req);
      const b = (req.body ?? {}) as ReplayFilter;
      if (b.ids === undefined && b.datasetId === undefined && b.batchId === undefined && b.reason === undefined)
        return sendProblem(reply, badRequest('Give ids, datasetId, batchId or reason'));
      return replay(c.sandbox.id, b);
    },
  );
}

/** The ingest status's view: records not ingested to profile per dataset of the org's sandboxes, and the newest. */
export async function notIngestedStatus(store: NotIngestedStore, sandboxes: ReadonlyArray<{ id: string; name: string }>, recent = 10) {
  const name = new Map(sandboxes.map((s) => [s.id, s.name]));
  const ids = sandboxes.map((s) => s.id);
  const datasets = await store.countsByDataset(ids);
  return {
    total: datasets.reduce((a, d) => a + d.count, 0),
    datasets: datasets.map((d) => ({ sandbox: name.get(d.sandboxId) ?? d.sandboxId, datasetId: d.datasetId, count: d.count, replayed: d.replayed, lastAt: d.lastAt, reasons: d.reasons })),
    recent: (await store.recent(ids, recent)).map((r) => ({ sandbox: name.get(r.sandboxId) ?? r.sandboxId, id: r.id, datasetId: r.datasetId, batchId: r.batchId, recordId: r.recordId, code: r.code, reason: r.reason, createdAt: r.createdAt })),
  };
}

/** Response schema of `notIngestedStatus` (the ingest status route declares it). */
export const notIngestedStatusSchema = obj(
  {
    total: int,
    datasets: arrayOf(obj({ sandbox: str, datasetId: str, count: int, replayed: int, lastAt: int, reasons: arrayOf(reasonCount) })),
    recent: arrayOf(obj({ sandbox: str, id: str, datasetId: str, batchId: str, recordId: nullable(str), code: str, reason: str, createdAt: int })),
  },
  ['total', 'datasets', 'recent'],
);
