import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CredentialService } from '../auth/credentials.js';
import type { SandboxService } from '../sandbox/sandbox-service.js';
import type { Problem } from '../shared/problem.js';
import type { AuthMode, RequestContext } from './request-context.js';
import { sendProblem } from './reply.js';

/** AEP gateway error bodies (`{error_code, message}`), exactly as the platform sends them. */
export const gatewayErrors = {
  missingToken: { status: 403, body: { error_code: '403010', message: 'Oauth token is missing.' } },
  invalidToken: { status: 401, body: { error_code: '401013', message: 'Oauth token is not valid' } },
  missingApiKey: { status: 403, body: { error_code: '403000', message: 'Api Key is required' } },
  invalidApiKey: { status: 403, body: { error_code: '403003', message: 'Api Key is invalid' } },
  missingOrg: { status: 400, body: { error_code: '400003', message: 'Missing header' } },
  wrongOrg: { status: 403, body: { error_code: '403025', message: 'Profile is not valid' } },
  missingSandbox: {
    status: 400,
    body: {
      type: 'http://ns.adobe.com/aep/errors/sandbox-header-missing',
      status: 400,
      title: 'Missing header',
      detail: 'The x-sandbox-name header is required',
      error_code: '400003',
    },
  },
} satisfies Record<string, Problem>;

export function unknownSandbox(name: string, orgId: string): Problem {
  return {
    status: 403,
    body: {
      type: 'http://ns.adobe.com/aep/errors/sandbox-not-found',
      status: 403,
      title: 'Sandbox not found',
      detail: `Sandbox "${name}" does not exist or is not accessible for org ${orgId}`,
      error_code: '403027',
    },
  };
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
};

/** Checks the AEP headers in AEP's order and builds the request context. */
export async function authenticate(
  req: FastifyRequest,
  mode: Exclude<AuthMode, 'none'>,
  creds: CredentialService,
  sandboxes: SandboxService,
): Promise<{ ok: true; ctx: RequestContext } | { ok: false; problem: Problem }> {
  const auth = header(req, 'authorization');
  if (!auth) return { ok: false, problem: gatewayErrors.missingToken };
  const m = /^Bearer\s+(\S+)$/i.exec(auth);
  const token = m ? await creds.verifyToken(m[1]!) : undefined;
  if (!token) return { ok: false, problem: gatewayErrors.invalidToken };
  const apiKey = header(req, 'x-api-key');
  if (!apiKey) return { ok: false, problem: gatewayErrors.missingApiKey };
  const cred = await creds.credentialByApiKey(apiKey);
  if (!cred) return { ok: false, problem: gatewayErrors.invalidApiKey };
  const orgId = header(req, 'x-gw-ims-org-id');
  if (!orgId) return { ok: false, problem: gatewayErrors.missingOrg };
  if (orgId !== token.orgId || orgId !== cred.orgId) return { ok: false, problem: gatewayErrors.wrongOrg };
  const org = await creds.getOrg(orgId);
  if (!org) return { ok: false, problem: gatewayErrors.wrongOrg };
  const ctx: RequestContext = {
    orgId,
    tenantId: org.tenantId,
    credentialId: cred.id,
    actor: `${cred.apiKeyPrefix}@AdobeID`,
    requestId: String(req.id),
  };
  if (mode === 'sandbox') {
    const name = header(req, 'x-sandbox-name');
    if (!name) return { ok: false, problem: gatewayErrors.missingSandbox };
    const sandbox = await sandboxes.resolve(orgId, name.toLowerCase());
    if (!sandbox) return { ok: false, problem: unknownSandbox(name, orgId) };
    ctx.sandbox = sandbox;
  }
  return { ok: true, ctx };
}

/** Installs the gateway: every route is `sandbox`-protected unless its config says otherwise. */
export function installGateway(app: FastifyInstance, creds: CredentialService, sandboxes: SandboxService): void {
  app.addHook('onRequest', async (req, reply) => {
    const url = req.routeOptions.url;
    if (url === undefined) return; // 404s
    const mode: AuthMode = req.routeOptions.config?.auth ?? (url.startsWith('/docs') ? 'none' : 'sandbox');
    if (mode === 'none') return;
    const r = await authenticate(req, mode, creds, sandboxes);
    if (!r.ok) return sendProblem(reply, r.problem);
    req.kith = r.ctx;
  });
}
