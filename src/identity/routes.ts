import type { FastifyInstance, FastifyReply } from 'fastify';
import { sandboxCtxOf } from '../http/request-context.js';
import { sendProblem } from '../http/reply.js';
import type { Result } from '../shared/result.js';
import type { Problem } from '../shared/problem.js';
import type { Remote } from '../shared/rpc.js';
import type { IdentityService } from './identity-service.js';
import type { NamespaceService } from './namespaces.js';
import { identityRouteSchemas as S } from './route-schemas.js';

/** How routes reach the identity service (which lives with the processor: one writer): typed calls to its thread. */
export type IdentityRemote = Remote<{ identity: IdentityService; namespaces: NamespaceService }>;

const NS = '/data/core/idnamespace';
const ID = '/data/core/identity';
const invalid = (detail: string): Problem => ({ status: 400, body: { title: 'InvalidInput', status: 400, detail } });
const send = <T>(reply: FastifyReply, r: Result<T, Problem>, status = 200) => (r.ok ? reply.code(status).send(r.value) : sendProblem(reply, r.error));

export function registerIdentityRoutes(app: FastifyInstance, remote: IdentityRemote): void {
  const { identity, namespaces } = remote;
  // ---- namespaces --------------------------------------------------------------------------------
  app.get(`${NS}/identities`, { schema: S.listNamespaces }, async (req) => namespaces.list(sandboxCtxOf(req).sandbox.id));
  app.post(`${NS}/identities`, { schema: S.createNamespace }, async (req, reply) => send(reply, await namespaces.create(sandboxCtxOf(req).sandbox.id, req.body)));
  app.get(`${NS}/identities/:id`, { schema: S.getNamespace }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const ns = /^\d+$/.test(id) ? await namespaces.byId(sandboxCtxOf(req).sandbox.id, Number(id)) : undefined;
    return ns ?? sendProblem(reply, { status: 404, body: { type: 'http://ns.adobe.com/adobecloud/problem/namespacevalidation', status: 404, title: 'NAMESPACE_NOT_FOUND', report: { code: 'NAMESPACE_NOT_FOUND' } } });
  });
  app.put(`${NS}/identities/:id`, { schema: S.updateNamespace }, async (req, reply) =>
    send(reply, await namespaces.update(sandboxCtxOf(req).sandbox.id, Number((req.params as { id: string }).id), req.body)),
  );

  // ---- lookups -------------------------------------------------------------------------------------
  const xidOf = async (sandboxId: string, ns: string | undefined, nsid: string | undefined, id: string) =>
    identity.xid(sandboxId, ns ?? String(nsid), id);

  app.get(`${ID}/identity`, { schema: S.xid }, async (req, reply) => {
    const q = req.query as { namespace?: string; nsid?: string; id?: string };
    if (!q.namespace && !q.nsid) return sendProblem(reply, invalid('Missing required query parameter - namespace'));
    if (!q.id) return sendProblem(reply, invalid('Missing required query parameter - id'));
    const xid = await xidOf(sandboxCtxOf(req).sandbox.id, q.namespace, q.nsid, q.id);
    if (!xid) return sendProblem(reply, invalid(`Unknown namespace ${q.namespace ?? q.nsid}`));
    return { xid };
  });

  app.post(`${ID}/v2/graph`, { schema: S.graph }, async (req, reply) => {
    const sb = sandboxCtxOf(req).sandbox.id;
    const b = (req.body ?? {}) as { composite_xids?: Array<{ ns?: string; nsid?: number; id?: string }>; xids?: string[]; projection_type?: string; require_edge_meta_data?: boolean };
    const projection = b.projection_type ?? 'set';
    if (projection !== 'set' && projection !== 'graph') return reply.code(400).send({ reason: 'INVALID_PROJECTION', message: 'Graph Request Invalid - projection types available are [graph|set].' });
    const inputs: Array<{ key: { ns?: string; nsid?: number; id?: string } | string; xid: string | undefined }> = [];
    for (const c of b.composite_xids ?? []) inputs.push({ key: c, xid: c.id ? await xidOf(sb, c.ns, c.nsid === undefined ? undefined : String(c.nsid), c.id) : undefined });
    for (const x of b.xids ?? []) inputs.push({ key: x, xid: x });
    if (inputs.length === 0) return sendProblem(reply, invalid('Give composite_xids or xids'));
    if (inputs.length > 1000) return sendProblem(reply, invalid('At most 1000 identities per call'));
    const graphs: unknown[] = [];
    const unprocessed: unknown[] = [];
    for (const i of inputs) {
      if (!i.xid || !(await identity.knows(sb, i.xid))) {
        unprocessed.push(i.key);
        continue;
      }
      const head = typeof i.key === 'string' ? { xid: i.key } : { composite_xid: { ns: i.key.ns ?? i.key.nsid, id: i.key.id } };
      if (projection === 'set') {
        const members = await identity.members(sb, i.xid);
        graphs.push({ ...head, members: members.map((m) => ({ ns: m.namespace, id: m.id })) });
      } else {
        const g = await identity.graph(sb, i.xid);
        const byXid = new Map(g.members.map((m) => [m.xid, m]));
        const cx = (x: string) => ({ nsid: byXid.get(x)?.nsid, id: byXid.get(x)?.id });
        graphs.push({
          ...head,
          vertices: g.members.map((m) => ({ composite_xid: { nsid: m.nsid, id: m.id }, last_updated_ts: m.lastSeen })),
          edges: g.edges.map((e) => ({
            composite_xid_pair: [cx(e.a), cx(e.b)],
            first_established_ts: e.firstSeen,
            last_established_ts: e.lastSeen,
            ...(b.require_edge_meta_data ? { dataset_ids: e.datasets, batch_ids: e.batches } : { dataset_ids: e.datasets, batch_ids: e.batches }),
          })),
        });
      }
    }
    return { version: '2.0', graphs, unprocessed_composite_xids: unprocessed, algo_type: 'STITCH_ALL' };
  });

  const cluster = async (sb: string, xid: string) => {
    const members = await identity.members(sb, xid);
    return members;
  };
  app.get(`${ID}/cluster/members`, { schema: S.clusterMembers }, async (req, reply) => {
    const sb = sandboxCtxOf(req).sandbox.id;
    const q = req.query as { xid?: string; nsid?: string; namespace?: string; id?: string };
    const xid = q.xid ?? (q.id && (q.nsid || q.namespace) ? await xidOf(sb, q.namespace, q.nsid, q.id) : undefined);
    if (!xid) return sendProblem(reply, invalid('Missing required query parameter - xid, or namespace/nsid and id'));
    const members = (await identity.knows(sb, xid)) ? await cluster(sb, xid) : [];
    const clusters = members.length ? [q.xid ? { xid, members: members.map((m) => m.xid) } : { compositeXid: { nsid: members.find((m) => m.xid === xid)?.nsid, id: q.id }, members: members.map((m) => ({ nsid: m.nsid, id: m.id })) }] : [];
    return { version: '1.1.0', clusters, unprocessedRecords: members.length ? [] : [q.xid ?? { id: q.id }], algo_type: 'STITCH_ALL' };
  });
  app.post(`${ID}/clusters/members`, { schema: S.clustersMembers }, async (req, reply) => {
    const sb = sandboxCtxOf(req).sandbox.id;
    const b = (req.body ?? {}) as { xids?: string[]; compositeXids?: Array<{ nsid: number; id: string }>; compositeXidsWithNamespace?: Array<{ namespace: string; id: string }> };
    const items: Array<{ key: unknown; xid?: string; composite: boolean }> = [
      ...(b.xids ?? []).map((x) => ({ key: x, xid: x, composite: false })),
      ...(await Promise.all((b.compositeXids ?? []).map(async (c) => ({ key: c, xid: await xidOf(sb, undefined, String(c.nsid), c.id), composite: true })))),
      ...(await Promise.all((b.compositeXidsWithNamespace ?? []).map(async (c) => ({ key: c, xid: await xidOf(sb, c.namespace, undefined, c.id), composite: true })))),
    ];
    if (items.length === 0) return sendProblem(reply, invalid('Give xids, compositeXids or compositeXidsWithNamespace'));
    const clusters: unknown[] = [];
    const unprocessed: unknown[] = [];
    for (const i of items) {
      if (!i.xid || !(await identity.knows(sb, i.xid))) {
        unprocessed.push(i.key);
        continue;
      }
      const m = await cluster(sb, i.xid);
      clusters.push(i.composite ? { compositeXid: i.key, members: m.map((x) => ({ nsid: x.nsid, namespace: x.namespace, id: x.id })) } : { xid: i.xid, members: m.map((x) => x.xid) });
    }
    return { version: '1.1.0', clusters, unprocessedRecords: unprocessed, algo_type: 'STITCH_ALL' };
  });

  // ---- our own: settings, simulate, explain, unlink, history -------------------------------------
  app.get(`${ID}/settings`, { schema: S.getSettings }, async (req) => identity.rules(sandboxCtxOf(req).sandbox.id));
  app.put(`${ID}/settings`, { schema: S.putSettings }, async (req, reply) => {
    const r = await identity.setRules(sandboxCtxOf(req).sandbox.id, req.body);
    return r.ok ? r.value : sendProblem(reply, invalid(r.error));
  });
  app.post(`${ID}/simulate`, { schema: S.simulate }, async (req, reply) => {
    const r = await identity.simulate(sandboxCtxOf(req).sandbox.id, req.body ?? {});
    return r.ok ? r.value : sendProblem(reply, invalid(r.error));
  });
  app.get(`${ID}/explain`, { schema: S.explain }, async (req, reply) => {
    const sb = sandboxCtxOf(req).sandbox.id;
    const q = req.query as Record<string, string | undefined>;
    if (!q['a.ns'] || !q['a.id'] || !q['b.ns'] || !q['b.id']) return sendProblem(reply, invalid('a.ns, a.id, b.ns and b.id are required'));
    const a = await xidOf(sb, q['a.ns'], undefined, q['a.id']);
    const b = await xidOf(sb, q['b.ns'], undefined, q['b.id']);
    if (!a || !b) return sendProblem(reply, invalid('unknown namespace'));
    const r = await identity.explain(sb, a, b);
    const describe = async (x: string) => {
      const n = await identity.node(sb, x);
      return n ? { namespace: n.ns, id: n.id, xid: x } : { xid: x };
    };
    return {
      sameGraph: r.sameGraph,
      path: await Promise.all(
        r.path.map(async (e) => ({ from: await describe(e.from), to: await describe(e.to), firstSeen: e.firstSeen, lastSeen: e.lastSeen, datasets: e.datasets, batches: e.batches, lastRecord: e.lastRecord })),
      ),
    };
  });
  app.post(`${ID}/unlink`, { schema: S.unlink }, async (req, reply) => {
    const sb = sandboxCtxOf(req).sandbox.id;
    const b = (req.body ?? {}) as { a?: { namespace?: string; id?: string }; b?: { namespace?: string; id?: string }; batchId?: string; datasetId?: string };
    const a = b.a?.namespace && b.a.id ? await xidOf(sb, b.a.namespace, undefined, b.a.id) : undefined;
    const c = b.b?.namespace && b.b.id ? await xidOf(sb, b.b.namespace, undefined, b.b.id) : undefined;
    const r = await identity.unlink(sb, { a, b: c, batchId: b.batchId, datasetId: b.datasetId });
    return r.ok ? r.value : sendProblem(reply, invalid(r.error));
  });
  app.get(`${ID}/suggest`, { schema: S.suggest }, async (req) => {
    const q = req.query as { value: string; namespace?: string; limit?: number };
    return { suggestions: await identity.suggest(sandboxCtxOf(req).sandbox.id, q.value, { namespace: q.namespace, limit: q.limit === undefined ? undefined : Number(q.limit) }) };
  });
  app.get(`${ID}/history`, { schema: S.history }, async (req, reply) => {
    const sb = sandboxCtxOf(req).sandbox.id;
    const q = req.query as { namespace?: string; id?: string; limit?: string };
    if (!q.namespace || !q.id) return sendProblem(reply, invalid('namespace and id are required'));
    const xid = await xidOf(sb, q.namespace, undefined, q.id);
    if (!xid) return sendProblem(reply, invalid('unknown namespace'));
    return { xid, history: await identity.history(sb, xid, Number(q.limit ?? 200)) };
  });
}
