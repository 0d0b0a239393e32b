import Fastify, { type FastifyInstance, type FastifyError, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { randomUUID } from 'node:crypto';
import type { CredentialService } from '../auth/credentials.js';
import type { SandboxService } from '../sandbox/sandbox-service.js';
import { installGateway, type RejectionListener } from './gateway.js';
import { exceedsDepth, MAX_JSON_DEPTH } from '../shared/json-depth.js';
import { ResponseChecker, ResponseSchemaMismatch, responseChecksEnabled } from './response-check.js';
import { mapError } from './error-mapper.js';
import { RequestValidators } from './request-validation.js';
import { sharedSchemas } from './schemas.js';
import { openApiSchema } from './operations-schemas.js';
import { installBodyDeadlines } from './body-deadline.js';

export interface AppOptions {
  logLevel: string;
  apiBodyLimit: number;
  credentials: CredentialService;
  sandboxes: SandboxService;
  /** Told of every request the gateway refuses (the gateway rejections log). */
  onRejected?: RejectionListener;
  /** Slow-client limits (ms); see KithConfig. Node's defaults when unset. */
  timeouts?: { headersMs: number; bodyMs: number; uploadMs: number; idleMs: number; keepAliveMs: number };
  /** PEM certificate and key: listen with HTTPS. */
  https?: { cert: string | Buffer; key: string | Buffer };
}

export { BAD_CONTENT_TYPE } from './error-mapper.js';

const JSON_TYPES = /^application\/(?:[\w.+-]+\+)?json\b|^application\/x-jackson-smile/i;

/**
 * Builds the Fastify app with what every route shares: request ids, the gateway, content-type and
 * body-size checks, AEP problem bodies for every error, and OpenAPI generation. Routes are added by
 * the caller (see runtime/api.ts) before `ready()`.
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
    // a malformed percent-encoding in the path (`%E0%A4%A`) gets a problem body like every other 400
    frameworkErrors: (error, _req, reply) => {
      const m = mapError(error as FastifyError);
      void (reply as FastifyReply).code(m.status).send(m.body);
    },
  });
  for (const s of sharedSchemas) app.addSchema(s);
  // JSON bodies are validated as sent (no coercion); path, query and headers are coerced (request-validation.ts)
  let validators: RequestValidators | undefined;
  app.setValidatorCompiler(({ schema, httpPart }) => {
    validators ??= new RequestValidators(Object.values(app.getSchemas()) as Array<Record<string, unknown>>);
    return validators.compile(schema as Record<string, unknown>, httpPart);
  });

  // production: plain JSON.stringify (a response schema never drops or coerces a field); tests check each response
  if (responseChecksEnabled()) {
    let checker: ResponseChecker | undefined;
    app.setSerializerCompiler(({ schema, method, url, httpStatus }) => {
      checker ??= new ResponseChecker(Object.values(app.getSchemas()) as Array<Record<string, unknown>>);
      const check = checker.compile(schema as Record<string, unknown>);
      const route = `${method} ${url}`;
      return (data) => {
        const errors = check(data);
        if (errors !== undefined) throw new ResponseSchemaMismatch(route, String(httpStatus), errors);
        return JSON.stringify(data);
      };
    });
  } else {
    app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  }

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  // JSON variants (json-patch+json, vnd.adobe.*+json) parse as JSON; octet-stream and text stay raw.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (req, body, done) => {
    const s = body as string;
    if (s.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(s);
    } catch (e) {
      return done(badJson(`Malformed JSON: ${(e as Error).message}`), undefined);
    }
    // routes that stream many messages check each message instead, so one deep message fails alone
    if (req.routeOptions.config?.jsonDepth !== 'per-message' && exceedsDepth(value, MAX_JSON_DEPTH))
      return done(badJson(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    done(null, value);
  });
  app.addContentTypeParser(['application/octet-stream', 'text/csv', 'application/x-ndjson', 'application/jsonl'], { parseAs: 'buffer' }, (_r, b, d) => d(null, b));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, b, d) =>
    d(null, Object.fromEntries(new URLSearchParams(b as string))),
  );
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_r, b, d) => d(null, b));

  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({
        type: 'http://ns.adobe.com/aep/errors/payload-too-large',
        status: 413,
        title: 'Payload Too Large',
        detail: `The request body exceeds the limit of ${req.routeOptions.bodyLimit ?? opts.apiBodyLimit} bytes`,
      });
    }
    if (error instanceof ResponseSchemaMismatch) {
      // test-time only (KITH_CHECK_RESPONSES=1): loud, so the test that hit it fails and says why
      process.stderr.write(`\n[kith] ${error.message}\n`);
      req.log.error({ route: error.route, status: error.status, errors: error.errors }, 'response does not match its schema');
      return reply.code(500).send({ type: 'http://ns.adobe.com/aep/errors/internal', status: 500, title: 'Response Schema Mismatch', detail: error.message });
    }
    const m = mapError(error);
    if (m.status >= 500) req.log.error({ err: error }, 'unhandled error');
    else if (m.inputFault) req.log.warn({ err: error }, 'input-caused error mapped to 400');
    if (m.status >= 500) m.body.detail = `An unexpected error occurred (request ${req.id})`;
    if (m.status < 500 && req.routeOptions.config?.errorFormat === 'oauth')
      return reply.code(m.status).send({ error: 'invalid_request', error_description: String(m.body.detail ?? m.body.title) });
    return reply.code(m.status).send(m.body);
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
    // shared schemas appear under components.schemas by their $id (Problem, GatewayError)
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
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
  app.get('/openapi.json', { config: { auth: 'none' }, schema: openApiSchema }, async () => app.swagger());

  if (t) installBodyDeadlines(app, { bodyMs: t.bodyMs, uploadMs: t.uploadMs, idleMs: t.idleMs });
  installGateway(app, opts.credentials, opts.sandboxes, opts.onRejected);
  return app;
}

function badJson(detail: string): FastifyError {
  const err = new Error(detail) as FastifyError;
  err.statusCode = 400;
  (err as { code: string }).code = 'KITH_BAD_JSON';
  return err;
}

/**
 * Rejects POST/PUT/PATCH requests that carry a body without a usable content type, with the
 * gateway's body. Register on a route with `preValidation`.
 */
export function requireJsonContentType(req: { headers: Record<string, unknown> }): boolean {
  const ct = req.headers['content-type'];
  return typeof ct === 'string' && JSON_TYPES.test(ct);
}
