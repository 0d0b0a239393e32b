import type { FastifyReply } from 'fastify';
import type { Problem } from '../shared/problem.js';
import type { Result } from '../shared/result.js';

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  if (p.headers) for (const [k, v] of Object.entries(p.headers)) reply.header(k, v);
  return reply.code(p.status).type('application/json').send(p.body);
}

/** Sends `value` with `status` on success, the problem on error. */
export function sendResult<T>(reply: FastifyReply, r: Result<T, Problem>, status = 200): FastifyReply {
  if (!r.ok) return sendProblem(reply, r.error);
  return reply.code(status).send(r.value);
}
