import type { FastifyInstance } from 'fastify';
import type { CredentialService, Credential } from './credentials.js';
import { ctxOf } from '../http/request-context.js';
import { gatewayErrors } from '../http/gateway.js';
import { sendProblem } from '../http/reply.js';
import { createCredentialSchema, whoamiSchema, listCredentialsSchema, revokeCredentialSchema, revokeTokenSchema, tokenSchema } from './route-schemas.js';

const credentialView = (c: Credential) => ({
  id: c.id,
  name: c.name,
  orgId: c.orgId,
  apiKeyPrefix: c.apiKeyPrefix,
  revoked: c.revoked,
  createdAt: c.createdAt,
});

/** IMS-style token endpoint and the credentials admin API. */
export function registerAuthRoutes(app: FastifyInstance, creds: CredentialService): void {
  app.post(
    '/ims/token/v3',
    { config: { auth: 'none', errorFormat: 'oauth' }, schema: tokenSchema },
    async (req, reply) => {
      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, string>;
      const q = req.query as Record<string, string>;
      const grant = body.grant_type ?? q.grant_type;
      const clientId = body.client_id ?? q.client_id;
      const secret = body.client_secret ?? q.client_secret;
      if (grant !== 'client_credentials')
        return reply.code(400).send({ error: 'unsupported_grant_type', error_description: 'Only grant_type=client_credentials is supported' });
      if (!clientId || !secret)
        return reply.code(400).send({ error: 'invalid_request', error_description: 'client_id and client_secret are required' });
      const t = await creds.exchangeClientCredentials(clientId, secret);
      if (!t) return reply.code(401).send({ error: 'invalid_client', error_description: 'invalid client_id or client_secret' });
      return { access_token: t.accessToken, token_type: 'bearer', expires_in: t.expiresIn };
    },
  );

  // the org of a token and API key, before the client knows what to send as x-gw-ims-org-id
  app.get('/data/foundation/kith/whoami', { config: { auth: 'none' }, schema: whoamiSchema }, async (req, reply) => {
    const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? '').trim());
    if (!req.headers.authorization) return sendProblem(reply, gatewayErrors.missingToken);
    const token = m ? await creds.verifyToken(m[1]!) : undefined;
    if (!token) return sendProblem(reply, gatewayErrors.invalidToken);
    const apiKey = String(req.headers['x-api-key'] ?? '').trim();
    if (!apiKey) return sendProblem(reply, gatewayErrors.missingApiKey);
    const cred = await creds.credentialByApiKey(apiKey);
    if (!cred) return sendProblem(reply, gatewayErrors.invalidApiKey);
    const org = await creds.getOrg(token.orgId);
    if (cred.orgId !== token.orgId || !org) return sendProblem(reply, gatewayErrors.wrongOrg);
    return { orgId: org.orgId, tenantId: org.tenantId, credentialId: cred.id, credentialName: cred.name, apiKeyPrefix: cred.apiKeyPrefix, expiresAt: new Date(token.expiresAt).toISOString() };
  });

  const org = { auth: 'org' as const };
  app.get('/data/foundation/kith/credentials', { config: org, schema: listCredentialsSchema }, async (req) => ({
    credentials: (await creds.listCredentials(ctxOf(req).orgId)).map(credentialView),
  }));
  app.post('/data/foundation/kith/credentials', { config: org, schema: createCredentialSchema }, async (req, reply) => {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    const issued = await creds.createCredential(ctxOf(req).orgId, typeof name === 'string' ? name : 'api');
    return reply.code(201).send({ ...credentialView(issued.credential), apiKey: issued.apiKey, clientSecret: issued.clientSecret });
  });
  app.delete('/data/foundation/kith/credentials/:id', { config: org, schema: revokeCredentialSchema }, async (req, reply) => {
    const ok = await creds.revokeCredential(ctxOf(req).orgId, (req.params as { id: string }).id);
    if (!ok) return reply.code(404).send({ status: 404, title: 'Not Found', detail: 'No such credential' });
    return reply.code(204).send();
  });
  app.post('/data/foundation/kith/tokens/revoke', { config: org, schema: revokeTokenSchema }, async (req, reply) => {
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string') return reply.code(400).send({ status: 400, title: 'Bad Request', detail: 'token is required' });
    const ok = await creds.revokeToken(token);
    return reply.code(ok ? 204 : 404).send();
  });
}
