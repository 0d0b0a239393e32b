import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sandboxCtxOf, type SandboxContext } from '../http/request-context.js';
import { sendProblem, sendResult } from '../http/reply.js';
import { badRequest, type Problem } from '../shared/problem.js';
import type { Result } from '../shared/result.js';
import type { SandboxRef } from './definition-service.js';
import type { SegmentSystemDatasets } from './segment-types.js';
import { convertExpression } from './pql/conversion.js';
import type { RemoteService } from '../shared/rpc.js';
import type { SegmentationApi } from './segmentation-api.js';
import { segmentRouteSchemas as S } from './route-schemas.js';

const BASE = '/data/core/ups';
type Q = Record<string, string | undefined>;
/** The segmentation services, on the processor's or the segmentation worker's thread: typed calls. */
export type SegmentRemote = RemoteService<SegmentationApi>;

const sbOf = (req: FastifyRequest): SandboxRef => {
  const c = sandboxCtxOf(req);
  return { orgId: c.orgId, sandbox: { id: c.sandbox.id, name: c.sandbox.name, type: c.sandbox.type, isDefault: c.sandbox.isDefault } };
};
function int(v: string | undefined, name: string): number | undefined | Problem {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) return badRequest(`${name} must be a non-negative integer`);
  return Number(v);
}
const isProblem = (v: unknown): v is Problem => typeof v === 'object' && v !== null && 'status' in v && 'body' in v;

/**
 * Segmentation routes (§6.1), thin: every call goes to the segmentation services that live with the profile in
 * the processor (`segments.*` over RPC). Definition writes first make sure the sandbox's system datasets exist.
 */
export function registerSegmentationRoutes(app: FastifyInstance, deps: { segments: SegmentRemote; provision: (ctx: SandboxContext) => Promise<Result<SegmentSystemDatasets, Problem>> }): void {
  const { segments } = deps;
  const res = (reply: FastifyReply, r: unknown, status = 200) => sendResult(reply, r as Result<unknown, Problem>, status);
  const provision = async (req: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const p = await deps.provision(sandboxCtxOf(req));
    if (!p.ok) {
      sendProblem(reply, p.error);
      return false;
    }
    await segments.systemChanged(sandboxCtxOf(req).sandbox.id);
    return true;
  };
  /** 204 on success (AEP's schedule PATCH/DELETE and audience DELETE), the problem otherwise. */
  const noContent = (reply: FastifyReply, r: unknown) => {
    const x = r as Result<unknown, Problem>;
    return x.ok ? reply.code(204).send() : sendProblem(reply, x.error);
  };
  /** The ids of a bulk-get body (`{ "ids": [ { "id": "…" } ] }`); undefined once a 400 was sent. */
  const bulkIds = (req: FastifyRequest, reply: FastifyReply): string[] | undefined => {
    const ids = (req.body as { ids?: Array<{ id?: unknown }> } | undefined)?.ids;
    if (Array.isArray(ids) && ids.every((x) => typeof x?.id === 'string')) return ids.map((x) => x.id as string);
    sendProblem(reply, badRequest('Body must be { "ids": [ { "id": "…" } ] }'));
    return undefined;
  };
  const page = (q: Q) => {
    const start = int(q.start, 'start'), limit = int(q.limit, 'limit');
    for (const v of [start, limit]) if (isProblem(v)) return v;
    return { start: start as number | undefined, limit: limit as number | undefined };
  };

  // ---- definitions ----
  app.get(`${BASE}/segment/definitions`, { schema: S.listDefinitions }, async (req, reply) => {
    const q = req.query as Q;
    const p = page(q);
    if (isProblem(p)) return sendProblem(reply, p);
    const cont = q['evaluationInfo.continuous.enabled'];
    return reply.send(await segments.listDefinitions(sbOf(req), { ...p, sort: q.sort, name: q.name, continuous: cont === undefined ? undefined : cont === 'true' }));
  });
  app.post(`${BASE}/segment/definitions`, { schema: S.createDefinition }, async (req, reply) => {
    if (!(await provision(req, reply))) return reply;
    return res(reply, await segments.createDefinition(sbOf(req), req.body));
  });
  app.post(`${BASE}/segment/definitions/bulk-get`, { schema: S.bulkGetDefinitions }, async (req, reply) => {
    const ids = bulkIds(req, reply);
    if (!ids) return reply;
    return reply.code(207).send({ results: await segments.bulkGetDefinitions(sbOf(req), ids) });
  });
  app.get(`${BASE}/segment/definitions/:id`, { schema: S.getDefinition }, async (req, reply) =>
    res(reply, await segments.getDefinition(sbOf(req), (req.params as { id: string }).id)),
  );
  app.patch(`${BASE}/segment/definitions/:id`, { schema: S.patchDefinition }, async (req, reply) =>
    res(reply, await segments.patchDefinition(sbOf(req), (req.params as { id: string }).id, req.body)),
  );
  app.delete(`${BASE}/segment/definitions/:id`, { schema: S.deleteDefinition }, async (req, reply) =>
    res(reply, await segments.deleteDefinition(sbOf(req), (req.params as { id: string }).id)),
  );

  app.post(`${BASE}/segment/conversion`, { schema: S.conversion }, async (req, reply) => {
    const body = req.body as { expression?: unknown; description?: unknown; targetFormat?: unknown } | undefined;
    if (typeof body !== 'object' || body === null) return sendProblem(reply, badRequest('Body must be a segment definition ({ "expression": { "type": "PQL", "format": "pql/text", "value": "…" } })'));
    const r = convertExpression(body.expression, body.targetFormat);
    if (!r.ok) return sendProblem(reply, r.error);
    const c = sandboxCtxOf(req);
    return reply.send({
      imsOrgId: c.orgId,
      sandbox: { sandboxId: c.sandbox.id, sandboxName: c.sandbox.name, type: c.sandbox.type, default: c.sandbox.isDefault },
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
      expression: r.value,
    });
  });

  // ---- segment jobs ----
  app.get(`${BASE}/segment/jobs`, { schema: S.listJobs }, async (req, reply) => {
    const q = req.query as Q;
    const p = page(q);
    if (isProblem(p)) return sendProblem(reply, p);
    const seg = /segments~segmentId==(.+)/.exec(q.property ?? '')?.[1];
    return reply.send(await segments.listJobs(sbOf(req), { ...p, status: q.status, segmentId: seg }));
  });
  app.post(`${BASE}/segment/jobs`, { schema: S.createJob }, async (req, reply) =>
    res(reply, await segments.createJob(sbOf(req), req.body)),
  );
  app.post(`${BASE}/segment/jobs/bulk-get`, { schema: S.bulkGetJobs }, async (req, reply) => {
    const ids = bulkIds(req, reply);
    if (!ids) return reply;
    const results: Record<string, unknown> = {};
    for (const id of ids) {
      const r = (await segments.getJob(sbOf(req), id)) as Result<unknown, Problem>;
      results[id] = r.ok ? r.value : { status: r.error.status, ...(r.error.body as object) };
    }
    return reply.code(207).send({ results });
  });
  app.get(`${BASE}/segment/jobs/:id`, { schema: S.getJob }, async (req, reply) =>
    res(reply, await segments.getJob(sbOf(req), (req.params as { id: string }).id)),
  );
  app.delete(`${BASE}/segment/jobs/:id`, { schema: S.cancelJob }, async (req, reply) =>
    res(reply, await segments.cancelJob(sbOf(req), (req.params as { id: string }).id)),
  );

  // ---- schedules (batch jobs by cron) ----
  app.get(`${BASE}/config/schedules`, { schema: S.listSchedules }, async (req, reply) => {
    const p = page(req.query as Q);
    if (isProblem(p)) return sendProblem(reply, p);
    return reply.send(await segments.listSchedules(sbOf(req), p));
  });
  app.post(`${BASE}/config/schedules`, { schema: S.createSchedule }, async (req, reply) =>
    res(reply, await segments.createSchedule(sbOf(req), req.body)),
  );
  app.get(`${BASE}/config/schedules/:id`, { schema: S.getSchedule }, async (req, reply) =>
    res(reply, await segments.getSchedule(sbOf(req), (req.params as { id: string }).id)),
  );
  app.patch(`${BASE}/config/schedules/:id`, { schema: S.patchSchedule }, async (req, reply) =>
    noContent(reply, await segments.patchSchedule(sbOf(req), (req.params as { id: string }).id, req.body)),
  );
  app.delete(`${BASE}/config/schedules/:id`, { schema: S.deleteSchedule }, async (req, reply) =>
    noContent(reply, await segments.deleteSchedule(sbOf(req), (req.params as { id: string }).id)),
  );

  // ---- preview and estimate ----
  app.post(`${BASE}/preview`, { schema: S.createPreview }, async (req, reply) =>
    res(reply, await segments.createPreview(sbOf(req), req.body)),
  );
  app.get(`${BASE}/preview/:id`, { schema: S.getPreview }, async (req, reply) => {
    const q = req.query as Q;
    const limit = int(q.limit, 'limit'), offset = int(q.offset, 'offset');
    if (isProblem(limit)) return sendProblem(reply, limit);
    if (isProblem(offset)) return sendProblem(reply, offset);
    return res(reply, await segments.getPreview(sbOf(req), (req.params as { id: string }).id, { limit, offset }));
  });
  app.delete(`${BASE}/preview/:id`, { schema: S.deletePreview }, async (req, reply) =>
    res(reply, await segments.deletePreview(sbOf(req), (req.params as { id: string }).id)),
  );
  app.get(`${BASE}/estimate/:id`, { schema: S.getEstimate }, async (req, reply) =>
    res(reply, await segments.getEstimate(sbOf(req), (req.params as { id: string }).id)),
  );

  // ---- audiences ----
  app.get(`${BASE}/audiences`, { schema: S.listAudiences }, async (req, reply) => {
    const q = req.query as Q;
    const p = page(q);
    if (isProblem(p)) return sendProblem(reply, p);
    return reply.send(await segments.listAudiences(sbOf(req), { ...p, name: q.name, description: q.description, property: q.property, sort: q.sort }));
  });
  app.post(`${BASE}/audiences`, { schema: S.createAudience }, async (req, reply) => {
    const b = req.body as { type?: unknown } | undefined;
    if (b?.type !== 'ExternalSegment' && !(await provision(req, reply))) return reply;
    return res(reply, await segments.createAudience(sbOf(req), req.body));
  });
  app.post(`${BASE}/audiences/bulk-get`, { schema: S.bulkGetAudiences }, async (req, reply) => {
    const ids = bulkIds(req, reply);
    if (!ids) return reply;
    return reply.code(207).send({ results: await segments.bulkGetAudiences(sbOf(req), ids) });
  });
  app.get(`${BASE}/audiences/:id`, { schema: S.getAudience }, async (req, reply) =>
    res(reply, await segments.getAudience(sbOf(req), (req.params as { id: string }).id)),
  );
  app.put(`${BASE}/audiences/:id`, { schema: S.putAudience }, async (req, reply) =>
    res(reply, await segments.putAudience(sbOf(req), (req.params as { id: string }).id, req.body)),
  );
  app.patch(`${BASE}/audiences/:id`, { schema: S.patchAudience }, async (req, reply) =>
    res(reply, await segments.patchAudience(sbOf(req), (req.params as { id: string }).id, req.body)),
  );
  app.delete(`${BASE}/audiences/:id`, { schema: S.deleteAudience }, async (req, reply) =>
    noContent(reply, await segments.deleteAudience(sbOf(req), (req.params as { id: string }).id)),
  );

  // ---- segment search (x-ups-search-version: 1.0 is accepted, not required) ----
  app.get(`${BASE}/search/namespaces`, { schema: S.searchNamespaces }, async (req, reply) => {
    const q = req.query as Q;
    return res(reply, await segments.searchNamespaces(sbOf(req), { schemaName: q['schema.name'], s: q.s }));
  });
  app.get(`${BASE}/search/entities`, { schema: S.searchEntities }, async (req, reply) => {
    const q = req.query as Q;
    const limit = int(q.limit, 'limit'), pg = int(q.page, 'page');
    if (isProblem(limit)) return sendProblem(reply, limit);
    if (isProblem(pg)) return sendProblem(reply, pg);
    return res(reply, await segments.searchEntities(sbOf(req), { schemaName: q['schema.name'], namespace: q.namespace, s: q.s, entityId: q.entityId, limit, page: pg }));
  });
  app.get(`${BASE}/search/taxonomy`, { schema: S.searchTaxonomy }, async (req, reply) => {
    const q = req.query as Q;
    return res(reply, await segments.searchTaxonomy(sbOf(req), { schemaName: q['schema.name'], namespace: q.namespace, entityId: q.entityId }));
  });

  // ---- member export ----
  app.get(`${BASE}/export/jobs`, { schema: S.listExports }, async (req, reply) => {
    const q = req.query as Q;
    const limit = int(q.limit, 'limit'), offset = int(q.offset, 'offset');
    if (isProblem(limit)) return sendProblem(reply, limit);
    if (isProblem(offset)) return sendProblem(reply, offset);
    return reply.send(await segments.listExports(sbOf(req), { limit, offset }));
  });
  app.post(`${BASE}/export/jobs`, { schema: S.createExport }, async (req, reply) =>
    res(reply, await segments.createExport(sbOf(req), req.body)),
  );
  app.get(`${BASE}/export/jobs/:id`, { schema: S.getExport }, async (req, reply) =>
    res(reply, await segments.getExport(sbOf(req), (req.params as { id: string }).id)),
  );
  app.get(`${BASE}/export/jobs/:id/download`, { schema: S.downloadExport }, async (req, reply) => {
    const r = await segments.exportFile(sbOf(req), (req.params as { id: string }).id);
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.type('application/x-ndjson').send(createReadStream(r.value));
  });
  app.delete(`${BASE}/export/jobs/:id`, { schema: S.deleteExport }, async (req, reply) =>
    res(reply, await segments.deleteExport(sbOf(req), (req.params as { id: string }).id)),
  );
}
