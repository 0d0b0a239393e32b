import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ctxOf, sandboxCtxOf, type SandboxContext } from '../http/request-context.js';
import { sendProblem, sendResult } from '../http/reply.js';
import { ok, type Result } from '../shared/result.js';
import type { Problem } from '../shared/problem.js';
import type { Clock } from '../shared/clock.js';
import type { ResourceStore } from '../store/resource-store.js';
import { ModelService } from './model-service.js';
import type { ModelRuntimeApi } from './model-runner.js';
import type { ModelSpec } from './model-types.js';
import { modelRouteSchemas as S } from './route-schemas.js';

/** Kith's own platform API (AEP's Customer AI has no public authoring API with these semantics). */
export const MODELS = '/data/foundation/kith/models';

export interface ModelRouteDeps {
  resources: ResourceStore;
  clock: Clock;
  /** The runner on the processor thread (told when a run is queued). */
  runtime: ModelRuntimeApi;
  /** Creates the sandbox's "Model Scores" dataset with its first model. */
  provision: (ctx: SandboxContext) => Promise<Result<unknown, Problem>>;
}

type P = { modelId: string; runId: string };
const sandboxOf = (req: FastifyRequest): string => sandboxCtxOf(req).sandbox.id;

/** Models (definitions on the ResourceStore) and their runs; training happens on the processor thread. */
export function registerModelRoutes(app: FastifyInstance, deps: ModelRouteDeps): ModelService {
  const models = new ModelService(deps.resources, deps.clock);
  const send = <T>(reply: FastifyReply, r: Result<T, Problem>, status = 200) => sendResult(reply, r, status);

  app.post(MODELS, { schema: S.create }, async (req, reply) => {
    const p = await deps.provision(sandboxCtxOf(req));
    if (!p.ok) return sendProblem(reply, p.error);
    return send(reply, await models.create(sandboxOf(req), req.body as ModelSpec, ctxOf(req).actor), 201);
  });
  app.get(MODELS, { schema: S.list }, async (req, reply) => send(reply, ok(await models.list(sandboxOf(req), req.query as { start?: number; limit?: number }))));
  app.get(`${MODELS}/:modelId`, { schema: S.get }, async (req, reply) => send(reply, await models.get(sandboxOf(req), (req.params as P).modelId)));
  app.put(`${MODELS}/:modelId`, { schema: S.put }, async (req, reply) => send(reply, await models.replace(sandboxOf(req), (req.params as P).modelId, req.body as ModelSpec)));
  app.delete(`${MODELS}/:modelId`, { schema: S.delete }, async (req, reply) => {
    const r = await models.delete(sandboxOf(req), (req.params as P).modelId);
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.code(204).send();
  });
  app.post(`${MODELS}/:modelId/runs`, { schema: S.train }, async (req, reply) => {
    const sb = sandboxOf(req);
    const p = await deps.provision(sandboxCtxOf(req));
    if (!p.ok) return sendProblem(reply, p.error);
    const r = await models.queueRun(sb, (req.params as P).modelId, 'api');
    if (r.ok) await deps.runtime.wake(sb);
    return send(reply, r, 202);
  });
  app.get(`${MODELS}/:modelId/runs`, { schema: S.runs }, async (req, reply) => {
    const p = req.params as P;
    const m = await models.get(sandboxOf(req), p.modelId);
    if (!m.ok) return sendProblem(reply, m.error);
    return send(reply, ok({ children: await models.runs(sandboxOf(req), p.modelId) }));
  });
  app.get(`${MODELS}/:modelId/runs/:runId`, { schema: S.getRun }, async (req, reply) => {
    const p = req.params as P;
    return send(reply, await models.run(sandboxOf(req), p.modelId, p.runId));
  });
  return models;
}
