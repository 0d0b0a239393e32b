import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sandboxCtxOf } from '../http/request-context.js';
import { sendProblem, sendResult } from '../http/reply.js';
import { badRequest } from '../shared/problem.js';
import type { ProfileRemote } from './profile-remote.js';
import type { SandboxRef } from './merge-policy-service.js';
import type { ProfileKey } from './profile-service.js';
import { PROFILE_SCHEMA } from './merge-policy-service.js';
import { parsePropertyFilters } from './event-filter.js';
import { canonicalSchemaName } from './schema-names.js';
import { profileRouteSchemas as S } from './route-schemas.js';

export const EVENT_SCHEMA = '_xdm.context.experienceevent';
type Q = Record<string, string | undefined>;

const sbOf = (req: FastifyRequest): SandboxRef => {
  const c = sandboxCtxOf(req);
  return { orgId: c.orgId, sandbox: c.sandbox };
};
const csv = (s: string | undefined): string[] | undefined => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
const keyOf = (id: string, ns: string | undefined): ProfileKey => (ns ? { namespace: ns, id } : { xid: id });
function intParam(v: string | undefined, name: string): number | undefined | Error {
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) return new Error(`${name} must be an integer (epoch milliseconds for times)`);
  return Number(v);
}
function orderOf(v: string | undefined): 'asc' | 'desc' | Error {
  if (v === undefined || v === '' || v === 'timestamp' || v === '+timestamp') return 'asc';
  if (v === '-timestamp') return 'desc';
  return new Error('orderby must be timestamp, +timestamp or -timestamp');
}

/**
 * Real-Time Customer Profile routes: entities (§5.2–5.4), merge policies (§5.5), system jobs, computed attributes.
 * The profile entity id is the XID of the graph's highest-priority identity (namespace priority, §4.5).
 */
export function registerProfileRoutes(app: FastifyInstance, deps: { profile: ProfileRemote }): void {
  const { profiles, mergePolicies, computedAttributes, jobs, profileStore } = deps.profile;

  // ---- entities ----
  app.get('/data/core/ups/access/entities', { schema: S.getEntities }, async (req, reply) => {
    const raw = req.query as Record<string, string | string[] | undefined>;
    // a repeated parameter arrives as an array: `property` may repeat (up to three filters), others keep their last value
    const q: Q = {};
    for (const [k, v] of Object.entries(raw)) q[k] = Array.isArray(v) ? v[v.length - 1] : v;
    const sb = sbOf(req);
    const schema = canonicalSchemaName(q['schema.name']);
    const fields = csv(q.fields);
    if (schema === PROFILE_SCHEMA) {
      if (!q.entityId) return sendProblem(reply, badRequest('entityId is required'));
      const r = await profiles.getProfile(sb, keyOf(q.entityId, q.entityIdNS), { mergePolicyId: q.mergePolicyId, fields, withCA: q.withCA === 'true', withProvenance: q.withProvenance === 'true' });
      if (!r.ok) return sendProblem(reply, r.error);
      return reply.send({ [r.value.entityId]: r.value });
    }
    if (schema === EVENT_SCHEMA) {
      if (canonicalSchemaName(q['relatedSchema.name']) !== PROFILE_SCHEMA) return sendProblem(reply, badRequest(`relatedSchema.name must be ${PROFILE_SCHEMA}`));
      const id = q.relatedEntityId ?? q.entityId;
      const ns = q.relatedEntityIdNS ?? q.entityIdNS;
      if (!id) return sendProblem(reply, badRequest('relatedEntityId is required'));
      const startTime = intParam(q.startTime, 'startTime'), endTime = intParam(q.endTime, 'endTime'), limit = intParam(q.limit, 'limit');
      const order = orderOf(q.orderby ?? q.orderBy);
      for (const v of [startTime, endTime, limit, order]) if (v instanceof Error) return sendProblem(reply, badRequest(v.message));
      if (typeof limit === 'number' && limit < 1) return sendProblem(reply, badRequest('limit must be >= 1'));
      const props = raw.property === undefined ? [] : Array.isArray(raw.property) ? raw.property : [raw.property];
      const property = parsePropertyFilters(props);
      if (!property.ok) return sendProblem(reply, property.error);
      const r = await profiles.getEvents(sb, keyOf(id, ns), { startTime: startTime as number | undefined, endTime: endTime as number | undefined, limit: limit as number | undefined, order: order as 'asc' | 'desc', start: q.start, fields, ...(property.value.length ? { property: property.value } : {}) }, q.mergePolicyId);
      if (!r.ok) return sendProblem(reply, r.error);
      const orderby = order === 'desc' ? '-timestamp' : 'timestamp';
      let href = '';
      if (r.value.next) {
        const p = new URLSearchParams();
        p.set('start', r.value.next);
        p.set('orderby', orderby);
        for (const [k, v] of Object.entries(q)) if (v !== undefined && k !== 'start' && k !== 'orderby' && k !== 'orderBy' && k !== 'property') p.set(k, v);
        for (const f of props) p.append('property', f);
        href = `/entities?${p.toString().replace(/%2C/g, ',')}`;
      }
      return reply.send({
        _page: { orderby, start: r.value.children[0]?.entityId ?? '', count: r.value.children.length, next: r.value.next },
        children: r.value.children,
        _links: { next: { href } },
      });
    }
    return sendProblem(reply, badRequest(`schema.name must be ${PROFILE_SCHEMA} or ${EVENT_SCHEMA}`));
  });

  app.post('/data/core/ups/access/entities', { schema: S.postEntities }, async (req, reply) => {
    const sb = sbOf(req);
    const b = req.body as Record<string, unknown> | undefined;
    if (!b || typeof b !== 'object' || Array.isArray(b)) return sendProblem(reply, badRequest('Body must be a JSON object'));
    const schema = canonicalSchemaName((b.schema as { name?: unknown } | undefined)?.name);
    const ids = b.identities;
    if (!Array.isArray(ids) || ids.length === 0) return sendProblem(reply, badRequest('identities must be a non-empty array'));
    if (ids.length > 100) return sendProblem(reply, badRequest('At most 100 identities per request'));
    const fields = Array.isArray(b.fields) ? (b.fields as unknown[]).filter((f): f is string => typeof f === 'string') : undefined;
    const mergePolicyId = typeof b.mergePolicyId === 'string' ? b.mergePolicyId : undefined;
    const out: Record<string, unknown> = {};
    let partial = false;
    if (schema === PROFILE_SCHEMA) {
      for (const it of ids as Array<Record<string, unknown>>) {
        const id = it?.entityId;
        if (typeof id !== 'string' || id === '') return sendProblem(reply, badRequest('identities[].entityId is required'));
        const ns = (it.entityIdNS as { code?: unknown } | undefined)?.code;
        const r = await profiles.getProfile(sb, keyOf(id, typeof ns === 'string' ? ns : undefined), { mergePolicyId, fields, withCA: b.withCA === true });
        if (r.ok) out[r.value.entityId] = r.value;
        else if (r.error.status === 404) out[id] = { entityId: id, sources: [''], entity: {}, lastModifiedAt: '1970-01-01T00:00:00Z' };
        else ((partial = true), (out[id] = { entityId: id, error: r.error.body }));
      }
      return reply.code(partial ? 207 : 200).send(out);
    }
    if (schema === EVENT_SCHEMA) {
      if (canonicalSchemaName((b.relatedSchema as { name?: unknown } | undefined)?.name) !== PROFILE_SCHEMA) return sendProblem(reply, badRequest(`relatedSchema.name must be ${PROFILE_SCHEMA}`));
      const tf = (b.timeFilter ?? {}) as { startTime?: unknown; endTime?: unknown };
      for (const t of [tf.startTime, tf.endTime, b.limit]) if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t))) return sendProblem(reply, badRequest('timeFilter.startTime, timeFilter.endTime and limit must be integers'));
      const order = orderOf(typeof b.orderby === 'string' ? b.orderby : undefined);
      if (order instanceof Error) return sendProblem(reply, badRequest(order.message));
      for (const [i, it] of (ids as Array<Record<string, unknown>>).entries()) {
        const id = it?.relatedEntityId;
        if (typeof id !== 'string' || id === '') return sendProblem(reply, badRequest('identities[].relatedEntityId is required'));
        const ns = (it.relatedEntityIdNS as { code?: unknown } | undefined)?.code;
        const r = await profiles.getEvents(sb, keyOf(id, typeof ns === 'string' ? ns : undefined), {
          startTime: tf.startTime as number | undefined, endTime: tf.endTime as number | undefined, limit: b.limit as number | undefined,
          order, start: typeof it.start === 'string' ? it.start : undefined, fields,
        }, mergePolicyId);
        if (!r.ok) {
          partial = true;
          out[id] = { error: r.error.body };
          continue;
        }
        const orderby = order === 'desc' ? '-timestamp' : 'timestamp';
        const nextIds = (ids as unknown[]).map((x, j) => (j === i ? { ...(x as object), start: r.value.next } : x));
        out[id] = {
          _page: { orderby, start: r.value.children[0]?.entityId ?? '', count: r.value.children.length, next: r.value.next },
          children: r.value.children,
          _links: { next: r.value.next ? { href: '/entities', payload: { ...b, identities: [nextIds[i]] } } : { href: '' } },
        };
      }
      return reply.code(partial ? 207 : 200).send(out);
    }
    return sendProblem(reply, badRequest(`schema.name must be ${PROFILE_SCHEMA} or ${EVENT_SCHEMA}`));
  });

  app.delete('/data/core/ups/access/entities', { schema: S.deleteEntity }, async (req, reply) => {
    const q = req.query as Q;
    if (canonicalSchemaName(q['schema.name']) !== PROFILE_SCHEMA) return sendProblem(reply, badRequest(`schema.name must be ${PROFILE_SCHEMA}`));
    if (!q.entityId) return sendProblem(reply, badRequest('entityId is required'));
    const r = await profiles.deleteProfile(sbOf(req), keyOf(q.entityId, q.entityIdNS));
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.code(202).send();
  });

  // ---- merge policies ----
  const MP = '/data/core/ups/config/mergePolicies';
  app.get(MP, { schema: S.listMergePolicies }, async (req, reply) => {
    const q = req.query as Q;
    const limit = q.limit === undefined ? 20 : Number(q.limit);
    const start = q.start === undefined ? 0 : Number(q.start);
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(start) || start < 0) return sendProblem(reply, badRequest('limit and start must be non-negative integers'));
    let all = await mergePolicies.list(sbOf(req));
    if (q['schema.name']) all = all.filter((p) => p.schema.name === canonicalSchemaName(q['schema.name']));
    if (q.default !== undefined) all = all.filter((p) => String(p.default) === q.default);
    if (q.isActiveOnEdge !== undefined) all = all.filter((p) => String(p.isActiveOnEdge) === q.isActiveOnEdge);
    if (q['identityGraph.type']) all = all.filter((p) => p.identityGraph.type === q['identityGraph.type']);
    if (q['attributeMerge.type']) all = all.filter((p) => p.attributeMerge.type === q['attributeMerge.type']);
    if (q.version) all = all.filter((p) => String(p.version) === q.version);
    const ob = q.orderBy ?? q.orderby;
    if (ob) {
      const desc = ob.startsWith('-');
      const f = ob.replace(/^[-+]/, '') as 'name' | 'updateEpoch' | 'id';
      all.sort((a, b) => (String(a[f]) < String(b[f]) ? -1 : String(a[f]) > String(b[f]) ? 1 : 0) * (desc ? -1 : 1));
    }
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return reply.send({
      _page: { totalCount: all.length, pageSize: page.length },
      children: page,
      _links: more ? { next: { href: `@/mergePolicies?start=${start + limit}&orderBy=${ob ?? ''}&limit=${limit}` } } : {},
    });
  });
  app.post(MP, { schema: S.createMergePolicy }, async (req, reply) =>
    sendResult(reply, await mergePolicies.create(sbOf(req), req.body)));
  app.post(`${MP}/bulk-get`, { schema: S.bulkGetMergePolicies }, async (req, reply) => {
    const ids = (req.body as { ids?: unknown } | undefined)?.ids;
    if (!Array.isArray(ids) || ids.some((x) => typeof (x as { id?: unknown })?.id !== 'string')) return sendProblem(reply, badRequest('ids must be an array of {id}'));
    const results: Record<string, unknown> = {};
    for (const { id } of ids as Array<{ id: string }>) {
      const r = await mergePolicies.get(sbOf(req), id);
      results[id] = r.ok ? r.value : { status: r.error.status, error: r.error.body };
    }
    return reply.code(207).send({ results });
  });
  app.get(`${MP}/:id`, { schema: S.getMergePolicy }, async (req, reply) =>
    sendResult(reply, await mergePolicies.get(sbOf(req), (req.params as { id: string }).id)));
  app.put(`${MP}/:id`, { schema: S.putMergePolicy }, async (req, reply) =>
    sendResult(reply, await mergePolicies.replace(sbOf(req), (req.params as { id: string }).id, req.body)));
  app.patch(`${MP}/:id`, { schema: S.patchMergePolicy }, async (req, reply) =>
    sendResult(reply, await mergePolicies.patch(sbOf(req), (req.params as { id: string }).id, req.body)));
  app.delete(`${MP}/:id`, { schema: S.deleteMergePolicy }, async (req, reply) => {
    const r = await mergePolicies.delete(sbOf(req), (req.params as { id: string }).id);
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.code(200).send();
  });

  // ---- system jobs ----
  const JOBS = '/data/core/ups/system/jobs';
  app.post(JOBS, { schema: S.createJob }, async (req, reply) => {
    const c = sandboxCtxOf(req);
    return sendResult(reply, await jobs.create(c.sandbox.id, c.orgId, c.requestId, req.body));
  });
  app.get(JOBS, { schema: S.listJobs }, async (req, reply) => {
    const all = await jobs.list(sandboxCtxOf(req).sandbox.id);
    return reply.send({ _page: { count: all.length, next: '' }, children: all });
  });
  app.get(`${JOBS}/:id`, { schema: S.getJob }, async (req, reply) =>
    sendResult(reply, await jobs.get(sandboxCtxOf(req).sandbox.id, (req.params as { id: string }).id)));
  app.delete(`${JOBS}/:id`, { schema: S.deleteJob }, async (req, reply) => {
    const r = await jobs.delete(sandboxCtxOf(req).sandbox.id, (req.params as { id: string }).id);
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.code(204).send();
  });

  // ---- computed attributes ----
  const CA = '/data/core/ca/attributes';
  app.get(CA, { schema: S.listCa }, async (req, reply) => {
    const all = await computedAttributes.list(sandboxCtxOf(req).sandbox.id);
    return reply.send({ _page: { totalCount: all.length, pageSize: all.length }, computedAttributes: all, _links: {} });
  });
  app.post(CA, { schema: S.createCa }, async (req, reply) => {
    const sandboxId = sandboxCtxOf(req).sandbox.id;
    const r = await computedAttributes.create(sandboxId, req.body);
    if (r.ok) await profiles.backfillComputedAttribute(sandboxId, r.value.id);
    return sendResult(reply, r);
  });
  app.get(`${CA}/:id`, { schema: S.getCa }, async (req, reply) =>
    sendResult(reply, await computedAttributes.get(sandboxCtxOf(req).sandbox.id, (req.params as { id: string }).id)));
  app.patch(`${CA}/:id`, { schema: S.patchCa }, async (req, reply) =>
    sendResult(reply, await computedAttributes.patch(sandboxCtxOf(req).sandbox.id, (req.params as { id: string }).id, req.body)));
  app.delete(`${CA}/:id`, { schema: S.deleteCa }, async (req, reply) => {
    const sandboxId = sandboxCtxOf(req).sandbox.id;
    const id = (req.params as { id: string }).id;
    const r = await computedAttributes.delete(sandboxId, id);
    if (!r.ok) return sendProblem(reply, r.error);
    // 204 only once the stored values are gone too (a failure reaches the error handler: a 500 problem body)
    await profileStore.deleteCa(sandboxId, id);
    return reply.code(204).send();
  });
}
