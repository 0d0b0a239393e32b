import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BAD_CONTENT_TYPE } from '../../http/app.js';
import { collectBatchSchema, collectOneSchema } from './route-schemas.js';
import { CollectionService, newXactionBase, type LookupMemo, type MessageOutcome } from './collection-service.js';

const INLET_PROBLEM = 'http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet';

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};
const truthy = (v: unknown) => v === 'true' || v === true;

function backPressure(reply: FastifyReply): FastifyReply {
  return reply
    .code(429)
    .header('retry-after', '1')
    .send({ type: INLET_PROBLEM, status: 429, title: 'Too Many Requests', report: { message: 'The ingest log is saturated; retry after the indicated delay' } });
}

function unavailable(reply: FastifyReply, req: FastifyRequest, e: unknown): FastifyReply {
  req.log.error({ err: e }, 'ingest log append failed');
  return reply
    .code(503)
    .header('retry-after', '2')
    .send({ type: INLET_PROBLEM, status: 503, title: 'Service Unavailable', report: { message: 'The message could not be committed; retry with back-off' } });
}

/** DCS collection endpoints: `/collection/{inletId}` (one message) and `/collection/batch/{inletId}` (207 per message). */
export function registerCollectionRoutes(app: FastifyInstance, svc: CollectionService, opts: { bodyLimit: number }): void {
  // each message's nesting is checked by the service, so one deep message in a batch fails alone
  const common = { config: { auth: 'none' as const, jsonDepth: 'per-message' as const }, bodyLimit: opts.bodyLimit };

  app.post(
    '/collection/:inletId',
    { ...common, schema: collectOneSchema },
    async (req, reply) => {
      const { inletId } = req.params as { inletId: string };
      const q = req.query as Record<string, string | undefined>;
      if (typeof req.body !== 'object' || req.body === null) return reply.code(400).send(BAD_CONTENT_TYPE);
      const auth = await svc.authorize(inletId, header(req, 'authorization'));
      if (!auth.ok) return reply.code(auth.status).send(auth.body);
      if (svc.saturated()) return backPressure(reply);
      const inlet = auth.inlet;
      const receivedAt = svc.now();
      const xactionId = newXactionBase(receivedAt);
      const legacy = q.synchronousValidation !== undefined;
      const sync = truthy(q.syncValidation) || truthy(q.synchronousValidation);
      const flowId = header(req, 'x-adobe-flow-id') ?? q['x-adobe-flow-id'];
      const ctx = { xactionId, requestId: String(req.id), receivedAt, syncValidation: sync };
      const out: MessageOutcome =
        inlet.dataType === 'raw' || (flowId && !('header' in (req.body as object)))
          ? await svc.checkRaw(inlet, req.body, flowId, ctx)
          : await svc.checkXdm(inlet, req.body, ctx);
      if (!out.ok) {
        if (out.violations) {
          return reply.code(400).send({
            type: INLET_PROBLEM,
            status: 400,
            title: 'Invalid XDM Message Format',
            report: {
              message: out.message,
              cause: {
                _streamingValidation: [
                  {
                    schemaLocation: '#',
                    pointerToViolation: '#',
                    causingExceptions: out.violations,
                    message: `${out.violations.length} schema violations found`,
                  },
                ],
              },
            },
          });
        }
        return reply.code(out.statusCode).send({ type: INLET_PROBLEM, status: out.statusCode, title: out.statusCode === 413 ? 'Payload Too Large' : 'Bad Request', report: { message: out.message } });
      }
      try {
        await svc.append([out.message]);
      } catch (e) {
        return unavailable(reply, req, e);
      }
      const body: Record<string, unknown> = { inletId, xactionId, receivedTimeMs: receivedAt };
      body[legacy ? 'synchronousValidation' : 'syncValidation'] = sync ? { status: 'pass' } : { skipped: true };
      return body;
    },
  );

  app.post(
    '/collection/batch/:inletId',
    { ...common, schema: collectBatchSchema },
    async (req, reply) => {
      const { inletId } = req.params as { inletId: string };
      const q = req.query as Record<string, string | undefined>;
      const body = req.body as { messages?: unknown } | undefined;
      if (typeof body !== 'object' || body === null) return reply.code(400).send(BAD_CONTENT_TYPE);
      if (!Array.isArray(body.messages))
        return reply.code(400).send({ type: INLET_PROBLEM, status: 400, title: 'Bad Request', report: { message: 'Body must be {"messages": [...]}' } });
      const auth = await svc.authorize(inletId, header(req, 'authorization'));
      if (!auth.ok) return reply.code(auth.status).send(auth.body);
      if (svc.saturated()) return backPressure(reply);
      const inlet = auth.inlet;
      const receivedAt = svc.now();
      const batchId = newXactionBase(receivedAt);
      const flowId = header(req, 'x-adobe-flow-id') ?? q['x-adobe-flow-id'];
      const outcomes: MessageOutcome[] = [];
      const lookups: LookupMemo = new Map(); // the batch's messages share their dataset and schema lookups
      for (let i = 0; i < body.messages.length; i++) {
        const m = body.messages[i];
        const ctx = { xactionId: `${batchId}:${i}`, requestId: String(req.id), receivedAt, syncValidation: false, lookups };
        const isRaw = inlet.dataType === 'raw' || (flowId !== undefined && !(typeof m === 'object' && m !== null && 'header' in m));
        outcomes.push(isRaw ? await svc.checkRaw(inlet, m, flowId, ctx) : await svc.checkXdm(inlet, m, ctx));
      }
      const accepted = outcomes.flatMap((o) => (o.ok ? [o.message] : []));
      if (accepted.length > 0) {
        try {
          await svc.append(accepted);
        } catch (e) {
          return unavailable(reply, req, e);
        }
      }
      return reply.code(207).send({
        inletId,
        batchId,
        receivedTimeMs: receivedAt,
        responses: outcomes.map((o) => (o.ok ? { xactionId: o.message.xactionId } : { statusCode: o.statusCode, message: o.message })),
      });
    },
  );
}
