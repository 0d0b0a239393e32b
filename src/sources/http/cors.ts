import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** CORS for browser collection endpoints: the exact Origin is echoed with credentials allowed, never `*`. */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  if (!origin) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  };
}

/** Adds CORS headers to every response of a scope and answers its preflights. */
export function installCors(scope: FastifyInstance, paths: string[]): void {
  scope.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply) => {
    for (const [k, v] of Object.entries(corsHeaders(req.headers.origin))) reply.header(k, v);
  });
  for (const path of paths)
    scope.options(path, { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
      const h = corsHeaders(req.headers.origin);
      return reply
        .code(204)
        .headers({
          ...h,
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? 'content-type, authorization'),
          'access-control-max-age': '86400',
        })
        .send();
    });
}
