import type { FastifyInstance } from 'fastify';
import type { FlowKind, FlowService } from './flow-service.js';
import { sandboxCtxOf } from '../http/request-context.js';
import { sendProblem } from '../http/reply.js';
import { notFound } from '../shared/problem.js';
import { createInletSchema, createMappingSetSchema, deleteInletSchema, flowSchemas, getInletSchema, getMappingSetSchema, listInletsSchema, listMappingSetsSchema } from './route-schemas.js';

const FS = '/data/foundation/flowservice';
const KINDS: FlowKind[] = ['connections', 'sourceConnections', 'targetConnections', 'flows'];
const SECRET = /secret|password|token|apikey/i;

/** Secrets in auth.params / params are never returned (as AEP masks them). */
function masked<T>(e: T): T {
  const mask = (o: unknown): unknown => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return o;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, SECRET.test(k) && typeof v === 'string' ? '***' : mask(v)]));
  };
  const x = { ...(e as Record<string, unknown>) };
  if (x.auth) x.auth = mask(x.auth);
  if (x.params) x.params = mask(x.params);
  return x as T;
}

const pathValue = (e: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (typeof o === 'object' && o !== null && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined), e);

/**
 * AEP list filters: `property=auth.params.inletId==abc`, `property=name!=x`, or `property=state` (exists);
 * repeat `property` to AND them.
 */
function propertyFilters(q: string | string[] | undefined): Array<(e: Record<string, unknown>) => boolean> {
  return (Array.isArray(q) ? q : q === undefined ? [] : [q]).map((p) => {
    const m = /^([^=!]+)(==|!=)(.*)$/.exec(p);
    if (!m) return (e) => pathValue(e, p) !== undefined;
    const [, path, op, value] = m as unknown as [string, string, string, string];
    return (e) => {
      const v = pathValue(e, path);
      const eq = v !== undefined && String(v) === value;
      return op === '==' ? eq : !eq;
    };
  });
}

/** Flow Service, mapping sets and the legacy inlet API. */
export function registerFlowRoutes(app: FastifyInstance, flow: FlowService): void {
  for (const kind of KINDS) {
    const schemas = flowSchemas(kind);
    app.post(`${FS}/${kind}`, { schema: schemas.create }, async (req, reply) => {
      const r = await flow.create(sandboxCtxOf(req), kind, req.body);
      if (!r.ok) return sendProblem(reply, r.error);
      return reply.code(201).send({ id: r.value.id, etag: r.value.etag });
    });
    app.get(`${FS}/${kind}`, { schema: schemas.list }, async (req) => {
      let items = await flow.list(sandboxCtxOf(req).sandbox.id, kind);
      for (const f of propertyFilters((req.query as { property?: string | string[] }).property)) items = items.filter(f);
      return { items: items.map(masked) };
    });
    app.get(`${FS}/${kind}/:id`, { schema: schemas.get }, async (req, reply) => {
      const e = await flow.get(sandboxCtxOf(req).sandbox.id, kind, (req.params as { id: string }).id);
      return e ? { items: [masked(e)] } : sendProblem(reply, notFound(`No ${kind} ${(req.params as { id: string }).id}`));
    });
    app.patch(`${FS}/${kind}/:id`, { schema: schemas.patch }, async (req, reply) => {
      const ifMatch = req.headers['if-match'];
      const r = await flow.patch(sandboxCtxOf(req), kind, (req.params as { id: string }).id, req.body, typeof ifMatch === 'string' ? ifMatch : undefined);
      if (!r.ok) return sendProblem(reply, r.error);
      return { id: r.value.id, etag: r.value.etag };
    });
    app.delete(`${FS}/${kind}/:id`, { schema: schemas.remove }, async (req, reply) => {
      const ok = await flow.remove(sandboxCtxOf(req), kind, (req.params as { id: string }).id);
      return ok ? reply.code(204).send() : sendProblem(reply, notFound('Not found'));
    });
  }

  for (const base of ['/data/foundation/mappingSets', '/data/foundation/conversion/mappingSets']) {
    app.post(base, { schema: createMappingSetSchema }, async (req, reply) => {
      const r = await flow.createMappingSet(sandboxCtxOf(req), req.body);
      if (!r.ok) return sendProblem(reply, r.error);
      const { id, version, createdDate, modifiedDate, createdBy, modifiedBy } = r.value;
      return reply.code(201).send({ id, version, createdDate, modifiedDate, createdBy, modifiedBy });
    });
    app.get(base, { schema: listMappingSetsSchema }, async (req) => ({ data: await flow.listMappingSets(sandboxCtxOf(req).sandbox.id) }));
    app.get(`${base}/:id`, { schema: getMappingSetSchema }, async (req, reply) => {
      const m = await flow.getMappingSet(sandboxCtxOf(req).sandbox.id, (req.params as { id: string }).id);
      return m ?? sendProblem(reply, notFound('Mapping set not found'));
    });
  }

  const INLET = '/data/core/edge/inlet';
  app.post(INLET, { schema: createInletSchema }, async (req, reply) => {
    const r = await flow.createLegacyInlet(sandboxCtxOf(req), req.body);
    return r.ok ? reply.code(201).send(r.value) : sendProblem(reply, r.error);
  });
  app.get(INLET, { schema: listInletsSchema }, async (req) => ({ data: await flow.listLegacyInlets(sandboxCtxOf(req).sandbox.id) }));
  app.get(`${INLET}/:id`, { schema: getInletSchema }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const i = await flow.getLegacyInlet(sandboxCtxOf(req).sandbox.id, id);
    return i ?? sendProblem(reply, notFound(`Inlet ${id} not found`));
  });
  app.delete(`${INLET}/:id`, { schema: deleteInletSchema }, async (req, reply) => {
    const ok = await flow.deleteLegacyInlet(sandboxCtxOf(req).sandbox.id, (req.params as { id: string }).id);
    return ok ? reply.code(204).send() : sendProblem(reply, notFound('Inlet not found'));
  });
}
