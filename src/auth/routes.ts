import type { FastifyInstance } from 'fastify';
import type { CredentialService, Credential } from './credentials.js';
import { ctxOf } from '../http/request-context.js';
import { createCredentialSchema, listCredentialsSchema, revokeCredentialSchema, revokeTokenSchema, tokenSchema } from './route-schemas.js';

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
