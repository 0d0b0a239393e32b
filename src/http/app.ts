import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { randomUUID } from 'node:crypto';
import type { CredentialService } from '../auth/credentials.js';
import type { SandboxService } from '../sandbox/sandbox-service.js';
import { installGateway } from './gateway.js';
import { installBodyDeadlines } from './body-deadline.js';

export interface AppOptions {
  logLevel: string;
  apiBodyLimit: number;
  credentials: CredentialService;
  sandboxes: SandboxService;
  /** Slow-client limits (ms); see KithConfig. Node's defaults when unset. */
  timeouts?: { headersMs: number; bodyMs: number; uploadMs: number; idleMs: number; keepAliveMs: number };
  /** PEM certificate and key: listen with HTTPS. */
  https?: { cert: string | Buffer; key: string | Buffer };
}

/** The content-type error body the AEP gateway sends. */
export const BAD_CONTENT_TYPE = {
  type: '/placeholder/type/uri',
  status: 400,
  title: 'BadRequestError',
  detail: 'A valid content-type must be specified',
};

const JSON_TYPES = /^application\/(?:[\w.+-]+\+)?json\b|^application\/x-jackson-smile/i;

/**
 * Builds the Fastify app with what every route shares: request ids, the gateway, content-type and
 * body-size checks, AEP problem bodies for every error, and OpenAPI generation. Routes are added by
 * the caller (see server.ts) before `ready()`.
 */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const t = opts.timeouts;
  // Node checks header/request deadlines every connectionsCheckingInterval (default 30 s): check often enough to honour them
  const server = t ? { headersTimeout: t.headersMs, requestTimeout: t.uploadMs, connectionsCheckingInterval: Math.min(1000, t.headersMs, t.bodyMs) } : {};
  const app = Fastify({
    ...(t ? { keepAliveTimeout: t.keepAliveMs, requestTimeout: t.uploadMs } : {}),
    ...(opts.https ? { https: { ...server, cert: opts.https.cert, key: opts.https.key } } : { http: server }),
    logger: { level: opts.logLevel },
    bodyLimit: opts.apiBodyLimit,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && /^[\w.:-]{1,128}$/.test(h) ? h : randomUUID();
    },
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 2048 },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  // JSON variants (json-patch+json, vnd.adobe.*+json) parse as JSON; octet-stream and text stay raw.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    const s = body as string;
    if (s.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(s));
    } catch (e) {
      const err = new Error(`Malformed JSON: ${(e as Error).message}`) as FastifyError;
      err.statusCode = 400;
      (err as { code: string }).code = 'KITH_BAD_JSON';
      done(err, undefined);
    }
  });
  app.addContentTypeParser(['application/octet-stream', 'text/csv', 'application/x-ndjson', 'application/jsonl'], { parseAs: 'buffer' }, (_r, b, d) => d(null, b));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, b, d) =>
    d(null, Object.fromEntries(new URLSearchParams(b as string))),
  );
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_r, b, d) => d(null, b));

  app.setErrorHandler((error: FastifyError, req, reply) => {
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      return reply.code(400).send(BAD_CONTENT_TYPE);
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({
        type: 'http://ns.adobe.com/aep/errors/payload-too-large',
        status: 413,
        title: 'Payload Too Large',
        detail: `The request body exceeds the limit of ${req.routeOptions.bodyLimit ?? opts.apiBodyLimit} bytes`,
      });
    }
    if (error.code === 'KITH_BAD_JSON' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.code(400).send({
        type: 'http://ns.adobe.com/aep/errors/bad-json',
        status: 400,
        title: 'Bad Request',
        detail: error.message,
      });
    }
    if (error.validation) {
      return reply.code(400).send({
        type: 'http://ns.adobe.com/aep/errors/invalid-request',
        status: 400,
        title: 'Bad Request',
        detail: error.message,
      });
    }
    if (status >= 500) {
      req.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send({
        type: 'http://ns.adobe.com/aep/errors/internal',
        status: 500,
        title: 'Internal Server Error',
        detail: `An unexpected error occurred (request ${req.id})`,
      });
    }
    return reply.code(status).send({ type: `http://ns.adobe.com/aep/errors/${status}`, status, title: error.name, detail: error.message });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      type: 'http://ns.adobe.com/aep/errors/route-not-found',
      status: 404,
      title: 'Not Found',
      detail: `No route for ${req.method} ${req.url.split('?')[0]}`,
    }),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Kith API', description: 'AEP-compatible real-time CDP', version: '0.1.0' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          org: { type: 'apiKey', in: 'header', name: 'x-gw-ims-org-id' },
          sandbox: { type: 'apiKey', in: 'header', name: 'x-sandbox-name' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false } });
  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());

  if (t) installBodyDeadlines(app, { bodyMs: t.bodyMs, uploadMs: t.uploadMs, idleMs: t.idleMs });
  installGateway(app, opts.credentials, opts.sandboxes);
  return app;
}

/**
 * Rejects POST/PUT/PATCH requests that carry a body without a usable content type, with the
 * gateway's body. Register on a route with `preValidation`.
 */
export function requireJsonContentType(req: { headers: Record<string, unknown> }): boolean {
  const ct = req.headers['content-type'];
  return typeof ct === 'string' && JSON_TYPES.test(ct);
}
