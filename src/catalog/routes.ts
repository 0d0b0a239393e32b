import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CatalogService } from './catalog-service.js';
import { batchView, datasetView } from './catalog-types.js';
import { sandboxCtxOf } from '../http/request-context.js';
import { sendProblem } from '../http/reply.js';
import { notFound } from '../shared/problem.js';
import { applyListQuery, parseListQuery } from './list-query.js';
import * as S from './route-schemas.js';

const BASE = '/data/foundation/catalog';

function pick(view: Record<string, unknown>, properties: string[]): Record<string, unknown> {
  if (properties.length === 0) return view;
  const want = properties.flatMap((p) => p.split(',')).map((s) => s.trim()).filter(Boolean);
  return Object.fromEntries(want.filter((k) => k in view).map((k) => [k, view[k]]));
}

/** All values of a query parameter (repeated parameters arrive as arrays). */
function qs(req: FastifyRequest, name: string): string[] {
  const v = (req.query as Record<string, unknown>)[name];
  return Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
}

/** Top-level fields usable as `field=value[,value]` filters on GET /dataSets and GET /batches. */
const DATASET_FILTERS = ['name', 'description', 'imsOrg', 'version', 'createdClient', 'createdUser', 'updatedUser', 'lastBatchId', 'lastBatchStatus'] as const;
const BATCH_FILTERS = ['imsOrg', 'createdClient', 'createdUser', 'updatedUser', 'externalId', 'version'] as const;

/** Catalog Service: datasets and batches. Paths are case-insensitive (`/datasets` works) and `/batch/{id}` aliases `/batches/{id}`. */
export function registerCatalogRoutes(app: FastifyInstance, catalog: CatalogService): void {
  app.post(`${BASE}/dataSets`, { schema: S.createDatasetSchema }, async (req, reply) => {
    const r = await catalog.createDataset(sandboxCtxOf(req), req.body);
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.code(201).send([`@/dataSets/${r.value.id}`]);
  });

  app.get(
    `${BASE}/dataSets`,
    { schema: S.listDatasetsSchema },
    async (req, reply) => {
      const c = sandboxCtxOf(req);
      const lq = parseListQuery(req.query as Record<string, unknown>, DATASET_FILTERS);
      if (!lq.ok) return sendProblem(reply, lq.error);
      const all = (await catalog.listDatasets(c.sandbox.id)).sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
      const page = applyListQuery(all, (d) => ({ id: d.id, ...datasetView(d) }), lq.value);
      return Object.fromEntries(page.map((d) => [d.id, pick(datasetView(d), qs(req, 'properties'))]));
    },
  );

  app.get(`${BASE}/dataSets/:id`, { schema: S.getDatasetSchema }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const d = await catalog.getDataset(sandboxCtxOf(req).sandbox.id, id);
    if (!d) return sendProblem(reply, notFound(`Dataset ${id} not found`));
    return { [d.id]: pick(datasetView(d), qs(req, 'properties')) };
  });

  for (const path of [`${BASE}/dataSets/:id`, `${BASE}/v2/dataSets/:id`]) {
    app.patch(path, { schema: S.patchDatasetSchema }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const r = await catalog.patchDataset(sandboxCtxOf(req), id, req.body);
      if (!r.ok) return sendProblem(reply, r.error);
      return [`@/dataSets/${r.value.id}`];
    });
  }

  app.put(`${BASE}/dataSets/:id`, { schema: S.replaceDatasetSchema }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const r = await catalog.replaceDataset(sandboxCtxOf(req), id, req.body);
    if (!r.ok) return sendProblem(reply, r.error);
    return [`@/dataSets/${r.value.id}`];
  });

  app.delete(`${BASE}/dataSets/:id`, { schema: S.deleteDatasetSchema }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const r = await catalog.deleteDataset(sandboxCtxOf(req), id);
    if (!r.ok) return sendProblem(reply, r.error);
    return [`@/dataSets/${r.value.id}`];
  });

  app.get(
    `${BASE}/batches`,
    { schema: S.listBatchesSchema },
    async (req, reply) => {
      const c = sandboxCtxOf(req);
      const dataSets = qs(req, 'dataSet').flatMap((s) => s.split(','));
      const lq = parseListQuery(req.query as Record<string, unknown>, BATCH_FILTERS);
      if (!lq.ok) return sendProblem(reply, lq.error);
      const statuses = qs(req, 'status').flatMap((s) => s.split(','));
      const all = (await catalog.listBatches(c.sandbox.id, { datasetId: dataSets.length === 1 ? dataSets[0] : undefined, limit: Number.MAX_SAFE_INTEGER })).filter(
        (b) => (dataSets.length === 0 || dataSets.includes(b.datasetId)) && (statuses.length === 0 || statuses.includes(b.status)),
      );
      const page = applyListQuery(all, batchView, lq.value);
      return Object.fromEntries(page.map((b) => [b.id, pick(batchView(b), qs(req, 'properties'))]));
    },
  );

  for (const path of [`${BASE}/batches/:id`, `${BASE}/batch/:id`]) {
    app.get(path, { schema: S.getBatchSchema }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = await catalog.getBatch(sandboxCtxOf(req).sandbox.id, id);
      if (!b) return sendProblem(reply, notFound(`Batch ${id} not found`));
      return { [b.id]: pick(batchView(b), qs(req, 'properties')) };
    });
  }
}
