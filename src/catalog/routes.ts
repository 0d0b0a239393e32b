import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CatalogService } from './catalog-service.js';
import { batchView, datasetView } from './catalog-types.js';
import { sandboxCtxOf } from '../http/request-context.js';
import { sendProblem } from '../http/reply.js';
import { notFound } from '../shared/problem.js';

const BASE = '/data/foundation/catalog';
const tags = ['Catalog'];

function pick(view: Record<string, unknown>, properties: string | undefined): Record<string, unknown> {
  if (!properties) return view;
  const want = properties.split(',').map((s) => s.trim()).filter(Boolean);
  return Object.fromEntries(want.filter((k) => k in view).map((k) => [k, view[k]]));
}

const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;

/** Catalog Service: datasets and batches. Paths are case-insensitive (`/datasets` works) and `/batch/{id}` aliases `/batches/{id}`. */
export function registerCatalogRoutes(app: FastifyInstance, catalog: CatalogService): void {
  app.post(`${BASE}/dataSets`, { schema: { tags, summary: 'Create a dataset' } }, async (req, reply) => {
    const r = await catalog.createDataset(sandboxCtxOf(req), req.body);
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.code(201).send([`@/dataSets/${r.value.id}`]);
  });

  app.get(`${BASE}/dataSets`, { schema: { tags, summary: 'List datasets (keyed by id; properties=, limit=, start=, name=)' } }, async (req) => {
    const c = sandboxCtxOf(req);
    const { properties, limit, start, name, orderBy } = q(req);
    let list = await catalog.listDatasets(c.sandbox.id);
    if (name) list = list.filter((d) => d.name === name);
    if (orderBy) {
      const desc = orderBy.startsWith('desc:') || orderBy.startsWith('-');
      const field = orderBy.replace(/^(asc:|desc:|[-+])/, '') as 'name' | 'created' | 'updated';
      list.sort((a, b) => (String(a[field]) < String(b[field]) ? -1 : 1) * (desc ? -1 : 1));
    }
    const from = Number(start ?? 0) || 0;
    const n = Math.min(Math.max(Number(limit ?? 50) || 50, 1), 100);
    return Object.fromEntries(list.slice(from, from + n).map((d) => [d.id, pick(datasetView(d), properties)]));
  });

  app.get(`${BASE}/dataSets/:id`, { schema: { tags, summary: 'Get a dataset' } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const d = await catalog.getDataset(sandboxCtxOf(req).sandbox.id, id);
    if (!d) return sendProblem(reply, notFound(`Dataset ${id} not found`));
    return { [d.id]: pick(datasetView(d), q(req).properties) };
  });

  for (const path of [`${BASE}/dataSets/:id`, `${BASE}/v2/dataSets/:id`]) {
    app.patch(path, { schema: { tags, summary: 'JSON-Patch a dataset (tags unifiedProfile / unifiedIdentity, name, description)' } }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const r = await catalog.patchDataset(sandboxCtxOf(req), id, req.body);
      if (!r.ok) return sendProblem(reply, r.error);
      return [`@/dataSets/${r.value.id}`];
    });
  }

  app.put(`${BASE}/dataSets/:id`, { schema: { tags, summary: 'Replace a dataset' } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const r = await catalog.replaceDataset(sandboxCtxOf(req), id, req.body);
    if (!r.ok) return sendProblem(reply, r.error);
    return [`@/dataSets/${r.value.id}`];
  });

  app.delete(`${BASE}/dataSets/:id`, { schema: { tags, summary: 'Delete a dataset' } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const r = await catalog.deleteDataset(sandboxCtxOf(req), id);
    if (!r.ok) return sendProblem(reply, r.error);
    return [`@/dataSets/${r.value.id}`];
  });

  app.get(`${BASE}/batches`, { schema: { tags, summary: 'List batches (keyed by id; dataSet=, status=, limit=, start=)' } }, async (req) => {
    const c = sandboxCtxOf(req);
    const { dataSet, status, limit, start } = q(req);
    const list = await catalog.listBatches(c.sandbox.id, { datasetId: dataSet, status, limit: Math.min(Number(limit ?? 100) || 100, 1000), start });
    return Object.fromEntries(list.map((b) => [b.id, batchView(b)]));
  });

  for (const path of [`${BASE}/batches/:id`, `${BASE}/batch/:id`]) {
    app.get(path, { schema: { tags, summary: 'Get a batch (status, recordCount, failedRecordCount, errors)' } }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = await catalog.getBatch(sandboxCtxOf(req).sandbox.id, id);
      if (!b) return sendProblem(reply, notFound(`Batch ${id} not found`));
      return { [b.id]: batchView(b) };
    });
  }
}
