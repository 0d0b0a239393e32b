import type { FastifyInstance } from 'fastify';
import { ctxOf } from '../../http/request-context.js';
import { arrayOf, desc, int, obj, query, responses, str, strEnum, type JsonSchema } from '../../http/schemas.js';
import { REJECTION_REASONS, type RejectionQuery, type RejectionRow } from './rejection-store.js';

const tags = ['Operations'];

export const rejectionView: JsonSchema = obj(
  {
    clientId: desc(str, 'The first characters of the x-api-key sent (empty: none)'),
    reason: desc(strEnum(REJECTION_REASONS), 'Why the gateway refused the requests'),
    errorCode: desc(str, "AEP's gateway error code answered (`403003`, `401013`, …)"),
    sandboxName: desc(str, 'The x-sandbox-name sent (empty: none)'),
    detail: str,
    count: int,
    firstAt: desc(int, 'Epoch milliseconds'),
    lastAt: desc(int, 'Epoch milliseconds'),
  },
  ['clientId', 'reason', 'errorCode', 'sandboxName', 'detail', 'count', 'firstAt', 'lastAt'],
);

export const viewOf = (r: RejectionRow) => ({ clientId: r.clientId, reason: r.reason, errorCode: r.errorCode, sandboxName: r.sandboxName, detail: r.detail, count: r.count, firstAt: r.firstAt, lastAt: r.lastAt });

/** `GET /data/foundation/kith/gateway/rejections`: the caller's org's refused requests, newest first. */
export function registerRejectionRoutes(app: FastifyInstance, rejections: { list(q: RejectionQuery): Promise<RejectionRow[]> }): void {
  app.get(
    '/data/foundation/kith/gateway/rejections',
    {
      config: { auth: 'org' },
      schema: {
        tags,
        summary: "Requests of the org the gateway refused (invalid or revoked keys and tokens, wrong org or sandbox headers), by client id and reason",
        querystring: query({
          since: { type: 'integer', minimum: 0, description: 'Last refused at or after (epoch ms)' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        }),
        response: responses({ 200: obj({ rejections: arrayOf(rejectionView) }, ['rejections']) }),
      },
    },
    async (req) => {
      const q = req.query as { since?: number; limit: number };
      const rows = await rejections.list({ orgId: ctxOf(req).orgId, limit: q.limit, ...(q.since !== undefined ? { since: q.since } : {}) });
      return { rejections: rows.map(viewOf) };
    },
  );
}
