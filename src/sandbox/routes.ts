import type { FastifyInstance } from 'fastify';
import type { SandboxService } from './sandbox-service.js';
import { sandboxView } from './sandbox-service.js';
import { ctxOf } from '../http/request-context.js';
import { sendProblem } from '../http/reply.js';
import { createSandboxSchema, deleteSandboxSchema, getSandboxSchema, listSandboxesSchema, sandboxTypesSchema, updateSandboxSchema } from './route-schemas.js';

const BASE = '/data/foundation/sandbox-management';

/** Sandbox Management API: org-level (no x-sandbox-name needed). */
export function registerSandboxRoutes(app: FastifyInstance, sandboxes: SandboxService): void {
  const org = { auth: 'org' as const };
  app.get(`${BASE}/sandboxes`, { config: org, schema: listSandboxesSchema }, async (req) => {
    const list = (await sandboxes.list(ctxOf(req).orgId)).map(sandboxView);
    return { sandboxes: list, _page: { limit: list.length, count: list.length }, _links: {} };
  });
  app.get(`${BASE}/sandboxes/:name`, { config: org, schema: getSandboxSchema }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const s = await sandboxes.resolve(ctxOf(req).orgId, name);
    if (!s) return reply.code(404).send({ status: 404, title: 'Not Found', detail: `Sandbox "${name}" not found` });
    return sandboxView(s);
  });
  app.post(`${BASE}/sandboxes`, { config: org, schema: createSandboxSchema }, async (req, reply) => {
    const c = ctxOf(req);
    const r = await sandboxes.create(c.orgId, (req.body ?? {}) as Record<string, unknown>, c.actor);
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.code(201).send(sandboxView(r.value));
  });
  app.patch(`${BASE}/sandboxes/:name`, { config: org, schema: updateSandboxSchema }, async (req, reply) => {
    const c = ctxOf(req);
    const r = await sandboxes.update(c.orgId, (req.params as { name: string }).name, (req.body ?? {}) as { title?: unknown }, c.actor);
    if (!r.ok) return sendProblem(reply, r.error);
    return sandboxView(r.value);
  });
  app.delete(`${BASE}/sandboxes/:name`, { config: org, schema: deleteSandboxSchema }, async (req, reply) => {
    const c = ctxOf(req);
    const r = await sandboxes.delete(c.orgId, (req.params as { name: string }).name, c.actor);
    if (!r.ok) return sendProblem(reply, r.error);
    return sandboxView(r.value);
  });
  app.get(`${BASE}/sandboxTypes`, { config: org, schema: sandboxTypesSchema }, async () => ({ sandboxTypes: ['production', 'development'] }));
}
