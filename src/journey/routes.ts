import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ctxOf, sandboxCtxOf, type SandboxContext } from '../http/request-context.js';
import { sendProblem, sendResult } from '../http/reply.js';
import { badRequest, problem, type Problem } from '../shared/problem.js';
import { err, ok, type Result } from '../shared/result.js';
import type { Clock } from '../shared/clock.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { JourneyRuntimeApi } from './journey-ports.js';
import { JourneyService } from './definition/journey-service.js';
import { journeyRouteSchemas as S } from './route-schemas.js';

/** Kith's addition: AJO has no public journey-authoring API, so the routes live under a prefix of their own. */
export const JOURNEYS = '/ajo/journeys';
/** A person's journeys (beside /ajo/journeys so it never reads as a journey id). */
export const JOURNEY_PROFILES = '/ajo/journey-profiles';

export interface JourneyRouteDeps {
  resources: ResourceStore;
  clock: Clock;
  /** The engine (on the processor thread; see journeyEngineNotRunning for a Kith without one). */
  runtime: JourneyRuntimeApi;
  /** Creates the sandbox's journey system datasets (step events, journeys, profile updates) on its first journey. */
  provision?: (ctx: SandboxContext) => Promise<Result<unknown, Problem>>;
}

type P = { journeyId: string; versionId: string };
const sandboxOf = (req: FastifyRequest): string => sandboxCtxOf(req).sandbox.id;

/**
 * Journeys and their versions (the definition service, on the API thread's ResourceStore) and what the engine
 * answers about them (test runs, reports, a person's journeys). Wrong input is a 400 listing every problem, an
 * unknown id a 404, a version in the wrong state a 409.
 */
export function registerJourneyRoutes(app: FastifyInstance, deps: JourneyRouteDeps): JourneyService {
  const { runtime } = deps;
  const journeys = new JourneyService(deps.resources, deps.clock, runtime);
  const send = <T>(reply: FastifyReply, r: Result<T, Problem>, status = 200) => sendResult(reply, r, status);
  /** The version, when it is one of the journey's. */
  const versionOf = (req: FastifyRequest) => {
    const p = req.params as P;
    return journeys.getVersion(sandboxOf(req), p.journeyId, p.versionId);
  };

  const provisioned = async (req: FastifyRequest): Promise<Result<unknown, Problem>> => (deps.provision ? deps.provision(sandboxCtxOf(req)) : ok(undefined));
  // the system datasets come with the sandbox's first journey (a refused definition creates none); publish checks again
  app.post(JOURNEYS, { schema: S.create }, async (req, reply) => {
    const created = await journeys.create(sandboxOf(req), req.body, ctxOf(req).actor);
    if (created.ok) {
      const p = await provisioned(req);
      if (!p.ok) return sendProblem(reply, p.error);
    }
    return send(reply, created, 201);
  });
  app.get(JOURNEYS, { schema: S.list }, async (req, reply) => {
    const q = req.query as { start?: number; limit?: number; name?: string; sort?: string };
    return send(reply, await journeys.list(sandboxOf(req), q));
  });
  app.get(`${JOURNEYS}/:journeyId`, { schema: S.get }, async (req, reply) => send(reply, await journeys.get(sandboxOf(req), (req.params as P).journeyId)));
  app.delete(`${JOURNEYS}/:journeyId`, { schema: S.delete }, async (req, reply) => send(reply, await journeys.deleteJourney(sandboxOf(req), (req.params as P).journeyId)));

  app.get(`${JOURNEYS}/:journeyId/versions`, { schema: S.listVersions }, async (req, reply) => {
    const r = await journeys.versions(sandboxOf(req), (req.params as P).journeyId);
    return send(reply, r.ok ? ok({ children: r.value }) : r);
  });
  app.post(`${JOURNEYS}/:journeyId/versions`, { schema: S.newVersion }, async (req, reply) =>
    send(reply, await journeys.newVersion(sandboxOf(req), (req.params as P).journeyId, req.body ?? undefined), 201),
  );
  app.get(`${JOURNEYS}/:journeyId/versions/:versionId`, { schema: S.getVersion }, async (req, reply) => send(reply, await versionOf(req)));
  app.put(`${JOURNEYS}/:journeyId/versions/:versionId`, { schema: S.putVersion }, async (req, reply) => {
    const p = req.params as P;
    return send(reply, await journeys.updateDraft(sandboxOf(req), p.journeyId, p.versionId, req.body));
  });
  app.delete(`${JOURNEYS}/:journeyId/versions/:versionId`, { schema: S.deleteVersion }, async (req, reply) => {
    const p = req.params as P;
    return send(reply, await journeys.deleteVersion(sandboxOf(req), p.journeyId, p.versionId));
  });
  app.post(`${JOURNEYS}/:journeyId/versions/:versionId/publish`, { schema: S.publish }, async (req, reply) => {
    const p = req.params as P;
    const prov = await provisioned(req);
    if (!prov.ok) return sendProblem(reply, prov.error);
    return send(reply, await journeys.publish(sandboxOf(req), p.journeyId, p.versionId));
  });
  app.post(`${JOURNEYS}/:journeyId/versions/:versionId/stop`, { schema: S.stop }, async (req, reply) => {
    const p = req.params as P;
    return send(reply, await journeys.stop(sandboxOf(req), p.journeyId, p.versionId));
  });

  app.post(`${JOURNEYS}/:journeyId/versions/:versionId/test`, { schema: S.test }, async (req, reply) => {
    const v = await versionOf(req);
    if (!v.ok) return sendProblem(reply, v.error);
    const body = req.body as { identity: { namespace: string; id: string }; event?: Record<string, unknown> };
    return send(reply, await runtime.test(sandboxOf(req), v.value.id, { identity: body.identity, ...(body.event ? { event: body.event } : {}) }));
  });
  app.get(`${JOURNEYS}/:journeyId/versions/:versionId/report`, { schema: S.report }, async (req, reply) => {
    const q = req.query as { from?: string; to?: string };
    const range = rangeOf(q);
    if (!range.ok) return sendProblem(reply, range.error);
    const v = await versionOf(req);
    if (!v.ok) return sendProblem(reply, v.error);
    return send(reply, await runtime.report(sandboxOf(req), v.value.id, range.value));
  });
  app.get(JOURNEY_PROFILES, { schema: S.personJourneys }, async (req, reply) => {
    const q = req.query as { namespace: string; id: string };
    return send(reply, await runtime.personJourneys(sandboxOf(req), { namespace: q.namespace, id: q.id }));
  });
  return journeys;
}

/** `from`/`to` as ISO-8601 date-times or epoch milliseconds. */
export function rangeOf(q: { from?: string; to?: string }): Result<{ from?: number; to?: number }, Problem> {
  const out: { from?: number; to?: number } = {};
  for (const k of ['from', 'to'] as const) {
    const v = q[k];
    if (v === undefined || v === '') continue;
    const t = /^\d{1,15}$/.test(v) ? Number(v) : /^\d{4}-\d\d-\d\d/.test(v) ? Date.parse(v) : Number.NaN;
    if (!Number.isFinite(t)) return err(badRequest(`${k} must be an ISO-8601 date-time or epoch milliseconds`));
    out[k] = t;
  }
  if (out.from !== undefined && out.to !== undefined && out.from > out.to) return err(badRequest('from must not be after to'));
  return ok(out);
}

/**
 * The runtime of a Kith whose journey engine is not running (or not wired yet): definitions are kept (the engine
 * reads them when it starts), what only the engine can answer is a 503.
 */
export const journeyEngineNotRunning: JourneyRuntimeApi = {
  definitionsChanged: async () => undefined,
  stopVersion: async () => ({ ended: 0 }),
  test: async () => err(notRunning()),
  report: async () => err(notRunning()),
  personJourneys: async () => err(notRunning()),
};
const notRunning = (): Problem => problem(503, 'Service Unavailable', 'journey engine not running');
