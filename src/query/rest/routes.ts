import { existsSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sandboxCtxOf } from '../../http/request-context.js';
import { sendProblem } from '../../http/reply.js';
import type { ResourceStore } from '../../store/resource-store.js';
import type { Clock } from '../../shared/clock.js';
import { badRequest, conflict, notFound, type Problem } from '../../shared/problem.js';
import type { Result } from '../../shared/result.js';
import { QueryService, type EngineLike } from './query-service.js';
import { TemplateService } from './template-service.js';
import { QueryScheduleService } from './query-schedule-service.js';
import { BASE, queryView, runView, scheduleView, templateView, type QueryOwner, type StoredQuery } from './query-types.js';
import { boolParam, pageItems, parseListParams } from './list-params.js';
import { csvStream, readPage, resultsPath } from './results-file.js';
import { queryRouteSchemas as S } from './route-schemas.js';

export interface QueryRestDeps {
  /** The engine on the processor thread (`Remote<PipelineServiceMap>['query']`) or inline. */
  engine: EngineLike;
  resources: ResourceStore;
  clock: Clock;
  /** Where PostgreSQL clients connect (the wire endpoint), for connection_parameters. */
  queryEndpoint: () => { host: string; port: number; tls: boolean };
  dataDir: string;
  /** The dataset of a table name (CTAS / INSERT INTO targets), for the query's `referenced_datasets` link. */
  datasetIdOf?: (sandboxId: string, table: string) => Promise<string | undefined>;
  /** How often the scheduler looks for due scheduled queries (ms; default 15000; 0: never, tests call runDue). */
  scheduleTickMs?: number;
  onError?: (e: unknown) => void;
}

/** What the routes run on, for the composition root and tests. */
export interface QueryRest {
  queries: QueryService;
  templates: TemplateService;
  schedules: QueryScheduleService;
  /** One scheduler tick: starts the scheduled runs that are due. */
  runDue(): Promise<StoredQuery[]>;
}

const RESULTS_DEFAULT_LIMIT = 100;
const RESULTS_MAX_LIMIT = 10_000;
type Q = Record<string, unknown>;

const ownerOf = (req: FastifyRequest): QueryOwner => {
  const c = sandboxCtxOf(req);
  return { orgId: c.orgId, sandboxId: c.sandbox.id, sandboxName: c.sandbox.name, userId: c.actor, ...(c.credentialId !== undefined ? { clientId: c.credentialId } : {}) };
};
const sbId = (req: FastifyRequest): string => sandboxCtxOf(req).sandbox.id;
const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const accepted = (reply: FastifyReply, message: string, extra: Record<string, unknown> = {}) => reply.code(202).send({ message, statusCode: 202, ...extra });

function nonNegInt(v: unknown, name: string, dflt: number, max = Number.MAX_SAFE_INTEGER): Result<number, Problem> {
  if (v === undefined || v === '') return { ok: true, value: dflt };
  const s = String(v);
  if (!/^\d+$/.test(s) || Number(s) > max) return { ok: false, error: badRequest(`${name} must be an integer from 0 to ${max}`) };
  return { ok: true, value: Number(s) };
}

/**
 * The Query Service REST API (`/data/foundation/query/*`): connection parameters, queries (run in the background
 * on the engine, results as JSON pages or CSV), query templates and scheduled queries with their runs. At start
 * (`onReady`) queries a stopped server left running are marked FAILED and the scheduler starts; at close running
 * queries are interrupted.
 */
export function registerQueryRoutes(app: FastifyInstance, deps: QueryRestDeps): QueryRest {
  const queries = new QueryService(deps);
  const templates = new TemplateService(deps.resources, deps.clock);
  const schedules = new QueryScheduleService(deps.resources, deps.clock, queries);
  const onError = deps.onError ?? ((e: unknown) => app.log.error({ err: e }, 'query service error'));
  const runDue = () => schedules.runDue(onError);
  let timer: NodeJS.Timeout | undefined;
  let ticking = false;

  app.addHook('onReady', async () => {
    const failed = await queries.recover();
    if (failed) app.log.warn({ queries: failed }, 'queries left running by the last stop marked FAILED');
    const every = deps.scheduleTickMs ?? 15_000;
    if (every > 0) {
      timer = setInterval(() => {
        if (ticking) return;
        ticking = true;
        runDue()
          .catch(onError)
          .finally(() => (ticking = false));
      }, every);
      timer.unref();
    }
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await queries.close();
  });

  const send = <T>(reply: FastifyReply, r: Result<T, Problem>, view: (t: T) => unknown, status = 200) => (r.ok ? reply.code(status).send(view(r.value)) : sendProblem(reply, r.error));

  // ---- connection parameters ----
  app.get(`${BASE}/connection_parameters`, { schema: S.connectionParameters }, async (req, reply) => {
    const c = sandboxCtxOf(req);
    const { host, port, tls } = deps.queryEndpoint();
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
    const dbName = `${c.sandbox.name}:all`;
    const sslmode = tls ? 'require' : 'disable';
    // single quotes inside the psql conninfo are escaped with a backslash, the shell quoting with '\''
    const conninfo = `sslmode=${sslmode} host=${host} port=${port} dbname=${dbName} user=${c.orgId} password=${token}`;
    return reply.send({ version: 1, host, port, username: c.orgId, token, dbName, sslmode, psql: `psql '${conninfo.replace(/'/g, `'\\''`)}'` });
  });

  // ---- queries ----
  app.get(`${BASE}/queries`, { schema: S.listQueries }, async (req, reply) => {
    const q = req.query as Q;
    const p = parseListParams(q, ['created', 'updated', 'state', 'id']);
    if (!p.ok) return sendProblem(reply, p.error);
    const excl = boolParam(q.excludeSoftDeleted, 'excludeSoftDeleted', true);
    if (!excl.ok) return sendProblem(reply, excl.error);
    const hidden = boolParam(q.excludeHidden, 'excludeHidden', true);
    if (!hidden.ok) return sendProblem(reply, hidden.error);
    const all = await queries.list(sbId(req), { includeDeleted: !excl.value });
    const page = pageItems(all, p.value, queryView, (x, f) => x[f], (x) => x.id, `${BASE}/queries`);
    return reply.send({ queries: page.items, _page: page._page, _links: page._links, version: 1 });
  });
  app.post(`${BASE}/queries`, { schema: S.createQuery }, async (req, reply) => send(reply, await queries.submit(ownerOf(req), req.body), queryView, 202));
  app.get(`${BASE}/queries/:id`, { schema: S.getQuery }, async (req, reply) => send(reply, await queries.get(sbId(req), idOf(req)), queryView));
  app.patch(`${BASE}/queries/:id`, { schema: S.patchQuery }, async (req, reply) => {
    const op = (req.body as { op?: unknown } | undefined)?.op;
    if (op === 'cancel') {
      const r = await queries.cancel(sbId(req), idOf(req));
      return r.ok ? accepted(reply, 'Query cancel request received') : sendProblem(reply, r.error);
    }
    if (op === 'soft_delete') {
      const r = await queries.softDelete(sbId(req), idOf(req));
      return r.ok ? accepted(reply, 'Query soft delete request received') : sendProblem(reply, r.error);
    }
    return sendProblem(reply, badRequest('op must be "cancel" or "soft_delete"'));
  });
  app.get(`${BASE}/queries/:id/results`, { schema: S.queryResults }, async (req, reply) => {
    const q = req.query as Q;
    const format = String(q.format ?? 'json').toLowerCase();
    if (format !== 'json' && format !== 'csv') return sendProblem(reply, badRequest('format must be json or csv'));
    const limit = nonNegInt(q.limit, 'limit', RESULTS_DEFAULT_LIMIT, RESULTS_MAX_LIMIT);
    if (!limit.ok) return sendProblem(reply, limit.error);
    if (limit.value === 0) return sendProblem(reply, badRequest(`limit must be an integer from 1 to ${RESULTS_MAX_LIMIT}`));
    const start = nonNegInt(q.start, 'start', 0);
    if (!start.ok) return sendProblem(reply, start.error);
    const g = await queries.get(sbId(req), idOf(req));
    if (!g.ok) return sendProblem(reply, g.error);
    const query = g.value;
    if (query.state !== 'SUCCESS') return sendProblem(reply, conflict(`Query ${query.id} is ${query.state}: results are readable once it is SUCCESS`));
    const path = resultsPath(deps.dataDir, query.id);
    if (!query.hasResults || !existsSync(path))
      return sendProblem(reply, notFound(`Query ${query.id} returned no rows to read${query.isCTAS || query.isInsertInto ? ': its rows went to a dataset (read it with SQL)' : ''}`));
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${query.id}.csv"`).send(csvStream(path));
    const page = await readPage(path, start.value, limit.value);
    if (!page) return sendProblem(reply, notFound(`The results of query ${query.id} are gone`));
    const next = start.value + page.rows.length < query.rowCount ? start.value + page.rows.length : undefined;
    return reply.send({
      columns: page.columns,
      rows: page.rows,
      _page: { start: start.value, limit: limit.value, count: page.rows.length, totalCount: query.rowCount },
      _links: next !== undefined ? { next: { href: `${BASE}/queries/${query.id}/results?format=json&start=${next}&limit=${limit.value}` } } : {},
    });
  });

  // ---- query templates ----
  app.get(`${BASE}/query-templates`, { schema: S.listTemplates }, async (req, reply) => {
    const p = parseListParams(req.query as Q, ['name', 'userId']);
    if (!p.ok) return sendProblem(reply, p.error);
    const page = pageItems(await templates.list(sbId(req)), p.value, templateView, (x, f) => x[f], (x) => x.id, `${BASE}/query-templates`);
    return reply.send({ templates: page.items, _page: page._page, _links: page._links, version: 1 });
  });
  app.post(`${BASE}/query-templates`, { schema: S.createTemplate }, async (req, reply) => send(reply, await templates.create(sbId(req), ownerOf(req).userId, req.body), templateView, 202));
  app.get(`${BASE}/query-templates/:id`, { schema: S.getTemplate }, async (req, reply) => send(reply, await templates.get(sbId(req), idOf(req)), templateView));
  app.put(`${BASE}/query-templates/:id`, { schema: S.putTemplate }, async (req, reply) => send(reply, await templates.replace(sbId(req), ownerOf(req).userId, idOf(req), req.body), templateView, 202));
  app.delete(`${BASE}/query-templates/:id`, { schema: S.deleteTemplate }, async (req, reply) => {
    const r = await templates.delete(sbId(req), idOf(req));
    return r.ok ? accepted(reply, 'Deleted') : sendProblem(reply, r.error);
  });

  // ---- scheduled queries and their runs ----
  app.get(`${BASE}/schedules`, { schema: S.listSchedules }, async (req, reply) => {
    const p = parseListParams(req.query as Q, ['created', 'templateId', 'userId', 'state'], '+created');
    if (!p.ok) return sendProblem(reply, p.error);
    const page = pageItems(await schedules.list(sbId(req)), p.value, scheduleView, (x, f) => x[f], (x) => x.id, `${BASE}/schedules`);
    return reply.send({ schedules: page.items, _page: page._page, _links: page._links, version: 2 });
  });
  app.post(`${BASE}/schedules`, { schema: S.createSchedule }, async (req, reply) => send(reply, await schedules.create(ownerOf(req), req.body), scheduleView, 202));
  app.get(`${BASE}/schedules/:id`, { schema: S.getSchedule }, async (req, reply) => send(reply, await schedules.get(sbId(req), idOf(req)), scheduleView));
  app.patch(`${BASE}/schedules/:id`, { schema: S.patchSchedule }, async (req, reply) => {
    const r = await schedules.patch(sbId(req), ownerOf(req).userId, idOf(req), req.body);
    return r.ok ? accepted(reply, 'Request to patch accepted') : sendProblem(reply, r.error);
  });
  app.delete(`${BASE}/schedules/:id`, { schema: S.deleteSchedule }, async (req, reply) => {
    const r = await schedules.delete(sbId(req), idOf(req));
    return r.ok ? accepted(reply, 'Schedule deleted successfully') : sendProblem(reply, r.error);
  });
  app.get(`${BASE}/schedules/:id/runs`, { schema: S.listRuns }, async (req, reply) => {
    const p = parseListParams(req.query as Q, ['created', 'state', 'externalTrigger'], '+created');
    if (!p.ok) return sendProblem(reply, p.error);
    const r = await schedules.runs(sbId(req), idOf(req));
    if (!r.ok) return sendProblem(reply, r.error);
    const page = pageItems(r.value, p.value, runView, (x, f) => x[f], (x) => x.id, `${BASE}/schedules/${idOf(req)}/runs`);
    return reply.send({ runsSchedules: page.items, _page: page._page, _links: page._links, version: 1 });
  });
  app.post(`${BASE}/schedules/:id/runs`, { schema: S.triggerRun }, async (req, reply) => {
    const r = await schedules.trigger(sbId(req), idOf(req));
    return r.ok ? accepted(reply, 'Request to trigger run of a scheduled query accepted.', { runId: r.value.id }) : sendProblem(reply, r.error);
  });
  app.get(`${BASE}/schedules/:id/runs/:runId`, { schema: S.getRun }, async (req, reply) =>
    send(reply, await schedules.run(sbId(req), idOf(req), (req.params as { runId: string }).runId), runView),
  );
  app.patch(`${BASE}/schedules/:id/runs/:runId`, { schema: S.patchRun }, async (req, reply) => {
    if ((req.body as { op?: unknown } | undefined)?.op !== 'cancel') return sendProblem(reply, badRequest('op must be "cancel"'));
    const run = await schedules.run(sbId(req), idOf(req), (req.params as { runId: string }).runId);
    if (!run.ok) return sendProblem(reply, run.error);
    const r = await queries.cancel(sbId(req), run.value.id);
    return r.ok ? accepted(reply, 'Request to cancel run of a scheduled query accepted') : sendProblem(reply, r.error);
  });

  return { queries, templates, schedules, runDue };
}
