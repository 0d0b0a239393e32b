import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SchemaRegistry, ResourceType } from './schema-registry.js';
import { parseAccept, render, summary, type LookupVariant } from './views.js';
import { mergeProperties } from './resolver.js';
import { sandboxCtxOf } from '../http/request-context.js';
import { sendProblem } from '../http/reply.js';
import { notFound, problem } from '../shared/problem.js';
import { decodeAgain } from '../shared/uri.js';
import * as S from './route-schemas.js';

const BASE = '/data/foundation/schemaregistry';
const TYPE_ALIASES: Record<string, ResourceType> = { schemas: 'schemas', fieldgroups: 'mixins', mixins: 'mixins', datatypes: 'datatypes', classes: 'classes' };

const notAcceptable = () =>
  problem(406, 'Not Acceptable', 'Use an Accept header such as application/vnd.adobe.xed+json; version=1 (or xed-id, xed-full, xed-notext, xed-full-notext, xed-full-desc)');

function typeOf(req: FastifyRequest, reply: FastifyReply): ResourceType | undefined {
  const t = TYPE_ALIASES[(req.params as { type: string }).type.toLowerCase()];
  if (!t) void sendProblem(reply, notFound(`Unknown resource type ${(req.params as { type: string }).type}`));
  return t;
}

/** Schema Registry API (`/data/foundation/schemaregistry`). */
export function registerSchemaRoutes(app: FastifyInstance, reg: SchemaRegistry): void {
  app.get(`${BASE}/stats`, { schema: S.statsSchema }, async (req) => reg.stats(sandboxCtxOf(req)));

  app.get(`${BASE}/global/behaviors`, { schema: S.listBehaviorsSchema }, async (req) => {
    const list = await reg.list(sandboxCtxOf(req).sandbox.id, 'global', 'behaviors');
    return { results: list.map(summary), _page: { orderby: 'title', next: null, count: list.length }, _links: {} };
  });
  app.get(`${BASE}/global/behaviors/:id`, { schema: S.getBehaviorSchema }, async (req, reply) => {
    const r = await reg.get(sandboxCtxOf(req).sandbox.id, 'global', 'behaviors', (req.params as { id: string }).id);
    return r ? r : sendProblem(reply, notFound('Behavior not found'));
  });

  app.get(`${BASE}/:container/:type`, { schema: S.listResourcesSchema }, async (req, reply) => {
    const c = sandboxCtxOf(req);
    const { container } = req.params as { container: string };
    if (container !== 'global' && container !== 'tenant') return sendProblem(reply, notFound(`Unknown container ${container}`));
    const type = typeOf(req, reply);
    if (!type) return reply;
    const accept = parseAccept(req.headers.accept);
    if (!accept.ok) return sendProblem(reply, notAcceptable());
    const q = req.query as { start?: string; limit?: string; orderby?: string; property?: string };
    const desc = (q.orderby ?? 'title').startsWith('-');
    const field = (q.orderby ?? 'title').replace(/^[-+]/, '');
    const all = (await reg.list(c.sandbox.id, container, type)).sort(
      (a, b) => (String(a[field] ?? '') < String(b[field] ?? '') ? -1 : String(a[field] ?? '') > String(b[field] ?? '') ? 1 : 0) * (desc ? -1 : 1),
    );
    let filtered = all;
    if (q.property) {
      const [k, v] = q.property.split('==');
      if (k && v !== undefined) filtered = all.filter((r) => String(r[k]) === v);
    }
    const start = Number(q.start ?? 0) || 0;
    const limit = Math.min(Math.max(Number(q.limit ?? 300) || 300, 1), 300);
    const page = filtered.slice(start, start + limit);
    const nextStart = start + limit < filtered.length ? start + limit : null;
    const url = `${BASE}/${container}/${(req.params as { type: string }).type}`;
    return {
      results: accept.variant === 'xed-id' ? page.map(summary) : page,
      _page: { orderby: q.orderby ?? 'title', next: nextStart === null ? null : String(nextStart), count: page.length },
      _links: {
        next: nextStart === null ? null : { href: `${url}?start=${nextStart}&limit=${limit}&orderby=${q.orderby ?? 'title'}` },
        [`global_${(req.params as { type: string }).type}`]: { href: `${BASE}/global/${(req.params as { type: string }).type}` },
      },
    };
  });

  app.get(`${BASE}/:container/:type/:id`, { schema: S.getResourceSchema }, async (req, reply) => {
    const c = sandboxCtxOf(req);
    const { container, id } = req.params as { container: string; id: string };
    if (container !== 'global' && container !== 'tenant') return sendProblem(reply, notFound(`Unknown container ${container}`));
    const type = typeOf(req, reply);
    if (!type) return reply;
    const accept = parseAccept(req.headers.accept);
    if (!accept.ok || accept.variant === 'xed-id') return sendProblem(reply, notAcceptable());
    const r = await reg.get(c.sandbox.id, container, type, id);
    if (!r) return sendProblem(reply, notFound(`No ${container} ${type} ${id}`));
    const full = await reg.flattenOf(c.sandbox.id, r);
    const descs = await reg.descriptorsOf(c.sandbox.id, r.$id);
    return render(r, accept.variant as LookupVariant, () => full, () => descs);
  });

  app.post(`${BASE}/:container/:type`, { schema: S.createResourceSchema }, async (req, reply) => {
    const { container } = req.params as { container: string };
    if (container !== 'tenant') return sendProblem(reply, problem(405, 'Method Not Allowed', 'Resources can only be created in the tenant container'));
    const type = typeOf(req, reply);
    if (!type) return reply;
    const r = await reg.create(sandboxCtxOf(req), type, req.body);
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.code(201).send(r.value);
  });

  app.put(`${BASE}/:container/:type/:id`, { schema: S.replaceResourceSchema }, async (req, reply) => {
    const { container, id } = req.params as { container: string; id: string };
    if (container !== 'tenant') return sendProblem(reply, problem(405, 'Method Not Allowed', 'Global resources are read-only'));
    const type = typeOf(req, reply);
    if (!type) return reply;
    const r = await reg.replace(sandboxCtxOf(req), type, id, req.body);
    return r.ok ? r.value : sendProblem(reply, r.error);
  });

  app.patch(`${BASE}/:container/:type/:id`, { schema: S.patchResourceSchema }, async (req, reply) => {
    const { container, id } = req.params as { container: string; id: string };
    if (container !== 'tenant') return sendProblem(reply, problem(405, 'Method Not Allowed', 'Global resources are read-only'));
    const type = typeOf(req, reply);
    if (!type) return reply;
    const r = await reg.patch(sandboxCtxOf(req), type, id, req.body);
    return r.ok ? r.value : sendProblem(reply, r.error);
  });

  app.delete(`${BASE}/:container/:type/:id`, { schema: S.deleteResourceSchema }, async (req, reply) => {
    const { container, id } = req.params as { container: string; id: string };
    if (container !== 'tenant') return sendProblem(reply, problem(405, 'Method Not Allowed', 'Global resources are read-only'));
    const type = typeOf(req, reply);
    if (!type) return reply;
    const r = await reg.remove(sandboxCtxOf(req), type, id);
    return r.ok ? reply.code(204).send() : sendProblem(reply, r.error);
  });

  // descriptors
  app.get(`${BASE}/tenant/descriptors`, { schema: S.listDescriptorsSchema }, async (req) => {
    const list = await reg.listDescriptors(sandboxCtxOf(req).sandbox.id);
    const accept = String(req.headers.accept ?? '');
    if (/xdm\+json|xdm-v2\+json/.test(accept)) return list;
    const byType: Record<string, string[]> = {};
    for (const d of list) (byType[d['@type']] ??= []).push(/xdm-id/.test(accept) ? d['@id'] : `/tenant/descriptors/${d['@id']}`);
    return byType;
  });
  app.post(`${BASE}/tenant/descriptors`, { schema: S.createDescriptorSchema }, async (req, reply) => {
    const r = await reg.putDescriptor(sandboxCtxOf(req), req.body);
    return r.ok ? reply.code(201).send(r.value) : sendProblem(reply, r.error);
  });
  app.get(`${BASE}/tenant/descriptors/:id`, { schema: S.getDescriptorSchema }, async (req, reply) => {
    const d = await reg.getDescriptor(sandboxCtxOf(req).sandbox.id, (req.params as { id: string }).id);
    return d ?? sendProblem(reply, notFound('Descriptor not found'));
  });
  app.put(`${BASE}/tenant/descriptors/:id`, { schema: S.replaceDescriptorSchema }, async (req, reply) => {
    const r = await reg.putDescriptor(sandboxCtxOf(req), req.body, (req.params as { id: string }).id);
    return r.ok ? reply.code(201).send({ '@id': r.value['@id'] }) : sendProblem(reply, r.error);
  });
  app.delete(`${BASE}/tenant/descriptors/:id`, { schema: S.deleteDescriptorSchema }, async (req, reply) => {
    const ok = await reg.deleteDescriptor(sandboxCtxOf(req), (req.params as { id: string }).id);
    return ok ? reply.code(204).send() : sendProblem(reply, notFound('Descriptor not found'));
  });

  // unions
  app.get(`${BASE}/tenant/unions`, { schema: S.listUnionsSchema }, async (req) => {
    const u = await reg.unions(sandboxCtxOf(req).sandbox.id);
    return { results: u.map((x) => summary(x.union)), _page: { orderby: 'title', next: null, count: u.length }, _links: {} };
  });
  app.get(`${BASE}/tenant/unions/:id`, { schema: S.getUnionSchema }, async (req, reply) => {
    const c = sandboxCtxOf(req);
    const id = decodeAgain((req.params as { id: string }).id);
    const u = (await reg.unions(c.sandbox.id)).find((x) => x.union.$id === id || x.union['meta:altId'] === id);
    if (!u) return sendProblem(reply, notFound(`Union ${id} not found`));
    const accept = parseAccept(req.headers.accept);
    if (!accept.ok) return sendProblem(reply, notAcceptable());
    const parts = await Promise.all(u.members.map((m) => reg.flattenOf(c.sandbox.id, m)));
    const full = { properties: parts.reduce((acc, p) => mergeProperties(acc, p.properties), {}), required: [], uses: [], errors: [] };
    return render(u.union, (accept.variant === 'xed-id' ? 'xed' : accept.variant) as LookupVariant, () => full, () => []);
  });
}
