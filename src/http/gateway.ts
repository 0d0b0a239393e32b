import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CredentialService } from '../auth/credentials.js';
import type { SandboxService } from '../sandbox/sandbox-service.js';
import type { Problem } from '../shared/problem.js';
import type { AuthMode, RequestContext } from './request-context.js';
import { sendProblem } from './reply.js';
import type { GatewayRejection, RejectionReason } from '../auth/rejections/rejection-store.js';

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
): Promise<{ ok: true; ctx: RequestContext } | { ok: false; problem: Problem; rejection: Rejected }> {
  const named = header(req, 'x-gw-ims-org-id');
  const fail = (problem: Problem, reason: RejectionReason, orgId: string | undefined, detail: string) => ({ ok: false as const, problem, rejection: { reason, orgId: orgId ?? named ?? '', detail } });
  const auth = header(req, 'authorization');
  if (!auth) return fail(gatewayErrors.missingToken, 'missingToken', undefined, 'no Authorization header');
  const m = /^Bearer\s+(\S+)$/i.exec(auth);
  const token = m ? await creds.verifyToken(m[1]!) : undefined;
  if (!token) {
    if (!m) return fail(gatewayErrors.invalidToken, 'invalidToken', undefined, 'the Authorization header is not "Bearer <token>"');
    const why = await creds.tokenProblem(m[1]!);
    const reason: RejectionReason = why.problem === 'expired' ? 'expiredToken' : why.problem === 'unknown' ? 'invalidToken' : 'revokedToken';
    const detail = { unknown: 'unknown access token', expired: 'the access token expired', revoked: 'the access token was revoked', credentialRevoked: `the credential ${why.credentialId ?? ''} that issued the access token was revoked` }[why.problem];
    return fail(gatewayErrors.invalidToken, reason, why.orgId, detail);
  }
  const apiKey = header(req, 'x-api-key');
  if (!apiKey) return fail(gatewayErrors.missingApiKey, 'missingApiKey', token.orgId, 'no x-api-key header');
  const cred = await creds.credentialByApiKey(apiKey);
  if (!cred) {
    const any = await creds.anyCredentialByApiKey(apiKey);
    return any
      ? fail(gatewayErrors.invalidApiKey, 'revokedApiKey', any.orgId, `the API key of credential ${any.id} (${any.name}) was revoked`)
      : fail(gatewayErrors.invalidApiKey, 'invalidApiKey', token.orgId, 'unknown API key (client id)');
  }
  const orgId = named;
  if (!orgId) return fail(gatewayErrors.missingOrg, 'missingOrg', token.orgId, 'no x-gw-ims-org-id header');
  if (orgId !== token.orgId || orgId !== cred.orgId)
    return fail(gatewayErrors.wrongOrg, 'wrongOrg', cred.orgId, `x-gw-ims-org-id names ${orgId}; the access token belongs to ${token.orgId}, the API key to ${cred.orgId}`);
  const org = await creds.getOrg(orgId);
  if (!org) return fail(gatewayErrors.wrongOrg, 'wrongOrg', cred.orgId, `the org ${orgId} does not exist`);
  const ctx: RequestContext = {
    orgId,
    tenantId: org.tenantId,
    credentialId: cred.id,
    actor: `${cred.apiKeyPrefix}@AdobeID`,
    requestId: String(req.id),
  };
  if (mode === 'sandbox') {
    const name = header(req, 'x-sandbox-name');
    if (!name) return fail(gatewayErrors.missingSandbox, 'missingSandbox', orgId, 'no x-sandbox-name header');
    const sandbox = await sandboxes.resolve(orgId, name.toLowerCase());
    if (!sandbox) return fail(unknownSandbox(name, orgId), 'unknownSandbox', orgId, `no sandbox "${name}" in the org`);
    ctx.sandbox = sandbox;
  }
  return { ok: true, ctx };
}

/** Why the gateway refused a request, and whose org it concerns (the token's or key's when known, else the one named). */
export interface Rejected {
  reason: RejectionReason;
  orgId: string;
  detail: string;
}

/** Where the gateway reports a refused request (the rejections log, src/auth/rejections). */
export type RejectionListener = (r: GatewayRejection) => void;

/** The first characters of a client id (x-api-key) as recorded: enough to recognise it, never the whole key. */
export const clientIdShown = (apiKey: string | undefined): string => (apiKey === undefined ? '' : apiKey.slice(0, 12));

/** Installs the gateway: every route is `sandbox`-protected unless its config says otherwise. */
export function installGateway(app: FastifyInstance, creds: CredentialService, sandboxes: SandboxService, onRejected?: RejectionListener): void {
  app.addHook('onRequest', async (req, reply) => {
    const url = req.routeOptions.url;
    if (url === undefined) return; // 404s
    const mode: AuthMode = req.routeOptions.config?.auth ?? (url.startsWith('/docs') ? 'none' : 'sandbox');
    if (mode === 'none') return;
    const r = await authenticate(req, mode, creds, sandboxes);
    if (!r.ok) {
      const code = (r.problem.body as { error_code?: unknown }).error_code;
      onRejected?.({ ...r.rejection, clientId: clientIdShown(header(req, 'x-api-key')), errorCode: typeof code === 'string' ? code : String(r.problem.status), sandboxName: header(req, 'x-sandbox-name') ?? '' });
      return sendProblem(reply, r.problem);
    }
    req.kith = r.ctx;
  });
}
