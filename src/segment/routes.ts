import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sandboxCtxOf, type SandboxContext } from '../http/request-context.js';
import { sendProblem, sendResult } from '../http/reply.js';
import { badRequest, type Problem } from '../shared/problem.js';
import type { Result } from '../shared/result.js';
import type { SandboxRef } from './definition-service.js';
import type { SegmentSystemDatasets } from './segment-types.js';
import { convertExpression } from './pql/conversion.js';
import { params, query, responses } from '../http/schemas.js';

const BASE = '/data/core/ups';
const TAGS = ['Segmentation'];
type Q = Record<string, string | undefined>;
export type SegmentCall = (method: string, ...args: unknown[]) => Promise<unknown>;

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
export function registerSegmentationRoutes(app: FastifyInstance, deps: { call: SegmentCall; provision: (ctx: SandboxContext) => Promise<Result<SegmentSystemDatasets, Problem>> }): void {
  const call = <T>(method: string, ...args: unknown[]) => deps.call(`segments.${method}`, ...args) as Promise<T>;
  const res = (reply: FastifyReply, r: unknown, status = 200) => sendResult(reply, r as Result<unknown, Problem>, status);
  const provision = async (req: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const p = await deps.provision(sandboxCtxOf(req));
    if (!p.ok) {
      sendProblem(reply, p.error);
      return false;
    }
    await call('systemChanged', sandboxCtxOf(req).sandbox.id);
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
  app.get(`${BASE}/segment/definitions`, { schema: { tags: TAGS, summary: 'List segment definitions' } }, async (req, reply) => {
    const q = req.query as Q;
    const p = page(q);
    if (isProblem(p)) return sendProblem(reply, p);
    const cont = q['evaluationInfo.continuous.enabled'];
    return reply.send(await call('listDefinitions', sbOf(req), { ...p, sort: q.sort, name: q.name, continuous: cont === undefined ? undefined : cont === 'true' }));
  });
  app.post(`${BASE}/segment/definitions`, { schema: { tags: TAGS, summary: 'Create a segment definition (PQL)' } }, async (req, reply) => {
    if (!(await provision(req, reply))) return reply;
    return res(reply, await call('createDefinition', sbOf(req), req.body));
  });
  app.post(`${BASE}/segment/definitions/bulk-get`, { schema: { tags: TAGS, summary: 'Get several segment definitions' } }, async (req, reply) => {
    const ids = bulkIds(req, reply);
    if (!ids) return reply;
    return reply.code(207).send({ results: await call('bulkGetDefinitions', sbOf(req), ids) });
  });
  app.get(`${BASE}/segment/definitions/:id`, { schema: { tags: TAGS, summary: 'Get a segment definition' } }, async (req, reply) =>
    res(reply, await call('getDefinition', sbOf(req), (req.params as { id: string }).id)),
  );
  app.patch(`${BASE}/segment/definitions/:id`, { schema: { tags: TAGS, summary: 'Update a segment definition' } }, async (req, reply) =>
    res(reply, await call('patchDefinition', sbOf(req), (req.params as { id: string }).id, req.body)),
  );
  app.delete(`${BASE}/segment/definitions/:id`, { schema: { tags: TAGS, summary: 'Delete a segment definition' } }, async (req, reply) =>
    res(reply, await call('deleteDefinition', sbOf(req), (req.params as { id: string }).id)),
  );

  app.post(`${BASE}/segment/conversion`, { schema: { tags: TAGS, summary: 'Convert a segment definition\'s expression between pql/text and pql/json' } }, async (req, reply) => {
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
  app.get(`${BASE}/segment/jobs`, { schema: { tags: TAGS, summary: 'List segment jobs' } }, async (req, reply) => {
    const q = req.query as Q;
    const p = page(q);
    if (isProblem(p)) return sendProblem(reply, p);
    const seg = /segments~segmentId==(.+)/.exec(q.property ?? '')?.[1];
    return reply.send(await call('listJobs', sbOf(req), { ...p, status: q.status, segmentId: seg }));
  });
  app.post(`${BASE}/segment/jobs`, { schema: { tags: TAGS, summary: 'Evaluate segment definitions in batch' } }, async (req, reply) =>
    res(reply, await call('createJob', sbOf(req), req.body)),
  );
  app.post(`${BASE}/segment/jobs/bulk-get`, { schema: { tags: TAGS, summary: 'Get several segment jobs' } }, async (req, reply) => {
    const ids = bulkIds(req, reply);
    if (!ids) return reply;
    const results: Record<string, unknown> = {};
    for (const id of ids) {
      const r = (await call('getJob', sbOf(req), id)) as Result<unknown, Problem>;
      results[id] = r.ok ? r.value : { status: r.error.status, ...(r.error.body as object) };
    }
    return reply.code(207).send({ results });
  });
  app.get(`${BASE}/segment/jobs/:id`, { schema: { tags: TAGS, summary: 'Get a segment job' } }, async (req, reply) =>
    res(reply, await call('getJob', sbOf(req), (req.params as { id: string }).id)),
  );
  app.delete(`${BASE}/segment/jobs/:id`, { schema: { tags: TAGS, summary: 'Cancel a segment job' } }, async (req, reply) =>
    res(reply, await call('cancelJob', sbOf(req), (req.params as { id: string }).id)),
  );

  // ---- schedules (batch jobs by cron) ----
  app.get(`${BASE}/config/schedules`, { schema: { tags: TAGS, summary: 'List schedules' } }, async (req, reply) => {
    const p = page(req.query as Q);
    if (isProblem(p)) return sendProblem(reply, p);
    return reply.send(await call('listSchedules', sbOf(req), p));
  });
  app.post(`${BASE}/config/schedules`, { schema: { tags: TAGS, summary: 'Create a schedule (batch segmentation by a Quartz cron expression, UTC, at most daily)' } }, async (req, reply) =>
    res(reply, await call('createSchedule', sbOf(req), req.body)),
  );
  app.get(`${BASE}/config/schedules/:id`, { schema: { tags: TAGS, summary: 'Get a schedule' } }, async (req, reply) =>
    res(reply, await call('getSchedule', sbOf(req), (req.params as { id: string }).id)),
  );
  app.patch(`${BASE}/config/schedules/:id`, { schema: { tags: TAGS, summary: 'Change a schedule\'s state or cron (JSON Patch of /state, /schedule)' } }, async (req, reply) =>
    noContent(reply, await call('patchSchedule', sbOf(req), (req.params as { id: string }).id, req.body)),
  );
  app.delete(`${BASE}/config/schedules/:id`, { schema: { tags: TAGS, summary: 'Delete a schedule' } }, async (req, reply) =>
    noContent(reply, await call('deleteSchedule', sbOf(req), (req.params as { id: string }).id)),
  );

  // ---- preview and estimate ----
  app.post(`${BASE}/preview`, { schema: { tags: TAGS, summary: 'Preview the profiles qualifying for a PQL expression' } }, async (req, reply) =>
    res(reply, await call('createPreview', sbOf(req), req.body)),
  );
  app.get(`${BASE}/preview/:id`, { schema: { tags: TAGS, summary: 'Get preview results' } }, async (req, reply) => {
    const q = req.query as Q;
    const limit = int(q.limit, 'limit'), offset = int(q.offset, 'offset');
    for (const v of [limit, offset]) if (isProblem(v)) return sendProblem(reply, v);
    return res(reply, await call('getPreview', sbOf(req), (req.params as { id: string }).id, { limit, offset }));
  });
  app.delete(`${BASE}/preview/:id`, { schema: { tags: TAGS, summary: 'Delete a preview' } }, async (req, reply) =>
    res(reply, await call('deletePreview', sbOf(req), (req.params as { id: string }).id)),
  );
  app.get(`${BASE}/estimate/:id`, { schema: { tags: TAGS, summary: 'Get the size estimate of a preview' } }, async (req, reply) =>
    res(reply, await call('getEstimate', sbOf(req), (req.params as { id: string }).id)),
  );

  // ---- audiences ----
  app.get(`${BASE}/audiences`, { schema: { tags: TAGS, summary: 'List audiences (Kith\'s with their sizes, and external ones)' } }, async (req, reply) => {
    const q = req.query as Q;
    const p = page(q);
    if (isProblem(p)) return sendProblem(reply, p);
    return reply.send(await call('listAudiences', sbOf(req), { ...p, name: q.name, description: q.description, property: q.property, sort: q.sort }));
  });
  app.post(`${BASE}/audiences`, { schema: { tags: TAGS, summary: 'Create an audience (SegmentDefinition: evaluated by Kith; ExternalSegment: made elsewhere)' } }, async (req, reply) => {
    const b = req.body as { type?: unknown } | undefined;
    if (b?.type !== 'ExternalSegment' && !(await provision(req, reply))) return reply;
    return res(reply, await call('createAudience', sbOf(req), req.body));
  });
  app.post(`${BASE}/audiences/bulk-get`, { schema: { tags: TAGS, summary: 'Get several audiences' } }, async (req, reply) => {
    const ids = bulkIds(req, reply);
    if (!ids) return reply;
    return reply.code(207).send({ results: await call('bulkGetAudiences', sbOf(req), ids) });
  });
  app.get(`${BASE}/audiences/:id`, { schema: { tags: TAGS, summary: 'Get an audience with its size' } }, async (req, reply) =>
    res(reply, await call('getAudience', sbOf(req), (req.params as { id: string }).id)),
  );
  app.put(`${BASE}/audiences/:id`, { schema: { tags: TAGS, summary: 'Replace an audience' } }, async (req, reply) =>
    res(reply, await call('putAudience', sbOf(req), (req.params as { id: string }).id, req.body)),
  );
  app.patch(`${BASE}/audiences/:id`, { schema: { tags: TAGS, summary: 'Change fields of an audience (JSON Patch add/replace of top-level fields)' } }, async (req, reply) =>
    res(reply, await call('patchAudience', sbOf(req), (req.params as { id: string }).id, req.body)),
  );
  app.delete(`${BASE}/audiences/:id`, { schema: { tags: TAGS, summary: 'Delete an audience' } }, async (req, reply) =>
    noContent(reply, await call('deleteAudience', sbOf(req), (req.params as { id: string }).id)),
  );

  // ---- segment search (x-ups-search-version: 1.0 is accepted, not required) ----
  app.get(`${BASE}/search/namespaces`, { schema: { tags: TAGS, summary: 'Audience counts per namespace, optionally matching a search expression' } }, async (req, reply) => {
    const q = req.query as Q;
    return res(reply, await call('searchNamespaces', sbOf(req), { schemaName: q['schema.name'], s: q.s }));
  });
  app.get(`${BASE}/search/entities`, { schema: { tags: TAGS, summary: 'Search the audiences of a namespace (Lucene-style s=)' } }, async (req, reply) => {
    const q = req.query as Q;
    const limit = int(q.limit, 'limit'), pg = int(q.page, 'page');
    for (const v of [limit, pg]) if (isProblem(v)) return sendProblem(reply, v);
    return res(reply, await call('searchEntities', sbOf(req), { schemaName: q['schema.name'], namespace: q.namespace, s: q.s, entityId: q.entityId, limit, page: pg }));
  });
  app.get(`${BASE}/search/taxonomy`, { schema: { tags: TAGS, summary: 'The folder path of a search object' } }, async (req, reply) => {
    const q = req.query as Q;
    return res(reply, await call('searchTaxonomy', sbOf(req), { schemaName: q['schema.name'], namespace: q.namespace, entityId: q.entityId }));
  });

  // ---- member export ----
  app.get(`${BASE}/export/jobs`, { schema: { tags: TAGS, summary: 'List export jobs' } }, async (req, reply) => {
    const q = req.query as Q;
    const limit = int(q.limit, 'limit'), offset = int(q.offset, 'offset');
    for (const v of [limit, offset]) if (isProblem(v)) return sendProblem(reply, v);
    return reply.send(await call('listExports', sbOf(req), { limit, offset }));
  });
  app.post(`${BASE}/export/jobs`, { schema: { tags: TAGS, summary: 'Export the members of audiences to a dataset or a JSON-lines file' } }, async (req, reply) =>
    res(reply, await call('createExport', sbOf(req), req.body)),
  );
  app.get(`${BASE}/export/jobs/:id`, { schema: { tags: TAGS, summary: 'Get an export job' } }, async (req, reply) =>
    res(reply, await call('getExport', sbOf(req), (req.params as { id: string }).id)),
  );
  app.get(
    `${BASE}/export/jobs/:id/download`,
    {
      schema: {
        tags: TAGS,
        summary: 'Download exported profiles (JSON lines): the job\'s _links.download.href',
        params: params('id'),
        querystring: query({}),
        produces: ['application/x-ndjson'],
        response: responses({ 200: { type: 'string', description: 'One exported profile per line (JSON lines)' } }),
      },
    },
    async (req, reply) => {
      const r = (await call('exportFile', sbOf(req), (req.params as { id: string }).id)) as Result<string, Problem>;
      if (!r.ok) return sendProblem(reply, r.error);
      return reply.type('application/x-ndjson').send(createReadStream(r.value));
    },
  );
  app.delete(`${BASE}/export/jobs/:id`, { schema: { tags: TAGS, summary: 'Delete an export job' } }, async (req, reply) =>
    res(reply, await call('deleteExport', sbOf(req), (req.params as { id: string }).id)),
  );
}
