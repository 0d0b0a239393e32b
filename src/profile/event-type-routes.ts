import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sandboxCtxOf } from '../http/request-context.js';
import { sendProblem, sendResult } from '../http/reply.js';
import { arrayOf, bool, int, noContentResponse, obj, params, query, responses, str } from '../http/schemas.js';
import { problem } from '../shared/problem.js';
import type { EventTypeService } from './event-type-service.js';

const TAGS = ['Real-Time Customer Profile'];
const PATH = '/data/core/ups/config/eventTypes';

const eventType = obj(
  { id: str, imsOrgId: str, title: str, description: str, global: bool, createEpoch: int, updateEpoch: int },
  ['id', 'imsOrgId', 'title', 'description', 'global'],
  { description: 'A custom Profile event type' },
);
const createBody = obj(
  {
    id: { type: 'string', minLength: 1, maxLength: 255, description: 'The eventType value events carry, e.g. loyaltyBalanceUpdate' },
    imsOrgId: str,
    title: str,
    description: str,
    global: bool,
  },
  ['id'],
);
const listResponse = obj({ _page: obj({ totalCount: int, pageSize: int }), children: arrayOf(eventType), _links: obj({ next: obj({ href: str }) }) }, ['_page', 'children', '_links']);

/**
 * Postman's raw-body requests (Adobe's ISV collection sets no Content-Type) arrive as text/plain: a body that is
 * JSON text is read as JSON before validation.
 */
async function jsonTextBody(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (typeof req.body !== 'string') return;
  try {
    req.body = JSON.parse(req.body);
  } catch (e) {
    await sendProblem(reply, problem(400, 'Bad Request', `Malformed JSON: ${(e as Error).message}`, { type: 'http://ns.adobe.com/aep/errors/bad-json' }));
  }
}

/** `/data/core/ups/config/eventTypes`: create, list, get and delete custom event types in the request's sandbox. */
export function registerEventTypeRoutes(app: FastifyInstance, deps: { eventTypes: EventTypeService }): void {
  const { eventTypes } = deps;
  app.post(
    PATH,
    {
      preValidation: jsonTextBody,
      schema: { tags: TAGS, summary: 'Create a custom event type', body: createBody, response: responses({ 200: eventType }) },
    },
    async (req, reply) => {
      const c = sandboxCtxOf(req);
      // 200 like the other UPS config create (merge policies)
      return sendResult(reply, await eventTypes.create(c.sandbox.id, c.orgId, req.body));
    },
  );
  app.get(
    PATH,
    {
      schema: {
        tags: TAGS,
        summary: 'List custom event types',
        querystring: query({ start: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 1000 } }),
        response: responses({ 200: listResponse }),
      },
    },
    async (req) => {
      const q = req.query as { start?: number; limit?: number };
      const start = q.start ?? 0, limit = q.limit ?? 100;
      const page = await eventTypes.list(sandboxCtxOf(req).sandbox.id, { start, limit });
      const more = start + page.items.length < page.totalCount;
      return {
        _page: { totalCount: page.totalCount, pageSize: page.items.length },
        children: page.items,
        _links: more ? { next: { href: `@/eventTypes?start=${start + limit}&limit=${limit}` } } : {},
      };
    },
  );
  app.get(
    `${PATH}/:id`,
    { schema: { tags: TAGS, summary: 'Get a custom event type', params: params('id'), response: responses({ 200: eventType }) } },
    async (req, reply) => sendResult(reply, await eventTypes.get(sandboxCtxOf(req).sandbox.id, (req.params as { id: string }).id)),
  );
  app.delete(
    `${PATH}/:id`,
    { schema: { tags: TAGS, summary: 'Delete a custom event type', params: params('id'), response: responses({ 204: noContentResponse }) } },
    async (req, reply) => {
      const r = await eventTypes.delete(sandboxCtxOf(req).sandbox.id, (req.params as { id: string }).id);
      if (!r.ok) return sendProblem(reply, r.error);
      return reply.code(204).send();
    },
  );
}
