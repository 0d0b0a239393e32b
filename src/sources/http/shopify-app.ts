import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildAuthorizeUrl, exchangeCode, verifyOAuthCallbackHmac } from '../shopify/oauth.js';
import { registerWebhooks } from '../shopify/webhook-registration.js';
import { reconcile } from '../shopify/reconcile.js';
import { SUPPORTED_TOPICS } from '../shopify/map-webhook.js';
import { sandboxCtxOf } from '../../http/request-context.js';
import { sendProblem } from '../../http/reply.js';
import { badRequest, notFound } from '../../shared/problem.js';
import { shopifyRouteSchemas } from './route-schemas.js';
import { SHOPIFY_STREAMING_SPEC, ingestMapped, shopifyWebhookAddress, type ShopifyDeps, type ShopifyParams } from './shopify-webhooks.js';

const STATE_TTL_MS = 10 * 60_000;
const DEFAULT_SCOPES = ['read_orders', 'read_customers', 'read_checkouts'];
const DEFAULT_API_VERSION = '2026-07';

/**
 * The Shopify app side of the source: the OAuth install flow (authorize redirect, HMAC-checked callback, code
 * exchange, webhook registration pointing at our endpoint) and the reconciliation job that pulls orders and
 * customers updated since its last run through the same mapping, ordering guard and ingest path as webhooks.
 */
export function registerShopifyAppRoutes(app: FastifyInstance, d: ShopifyDeps): void {
  const connection = async (id: string) => {
    const found = await d.flow.resolveConnection(id);
    if (!found || (found.connection.connectionSpec as { id?: string } | undefined)?.id !== SHOPIFY_STREAMING_SPEC) return undefined;
    return { ...found, params: ((found.connection.auth as { params?: ShopifyParams } | undefined)?.params ?? {}) as ShopifyParams };
  };

  app.get('/sources/shopify/:connectionId/install', { config: { auth: 'none' }, schema: shopifyRouteSchemas.install }, async (req, reply) => {
    const { connectionId } = req.params as { connectionId: string };
    const c = await connection(connectionId);
    if (!c) return reply.code(404).send({ status: 404, title: 'Not Found', detail: 'No Shopify source connection with this id' });
    const shop = (req.query as { shop?: string }).shop ?? c.params.shopDomain;
    if (!shop || !c.params.clientId) return sendProblem(reply, badRequest('shop and the connection clientId are required'));
    const state = randomBytes(16).toString('hex');
    await d.resources.put('shopify-oauth-state', 'global', state, { connectionId, shop, expiresAt: d.clock.now() + STATE_TTL_MS });
    const url = buildAuthorizeUrl({ shop, clientId: c.params.clientId, scopes: c.params.scopes ?? DEFAULT_SCOPES, redirectUri: `${d.baseUrl()}/sources/shopify/${connectionId}/oauth/callback`, state, baseUrl: c.params.adminBaseUrl });
    if (!url.ok) return sendProblem(reply, url.error);
    return reply.redirect(url.value, 302);
  });

  app.get('/sources/shopify/:connectionId/oauth/callback', { config: { auth: 'none' }, schema: shopifyRouteSchemas.callback }, async (req, reply) => {
    const { connectionId } = req.params as { connectionId: string };
    const q = req.query as Record<string, string>;
    const c = await connection(connectionId);
    if (!c || !c.params.clientId || !c.params.clientSecret) return reply.code(404).send({ status: 404, title: 'Not Found', detail: 'No Shopify source connection with this id' });
    if (!verifyOAuthCallbackHmac(q, c.params.clientSecret)) return reply.code(401).send({ status: 401, title: 'Unauthorized', detail: 'The callback HMAC does not match' });
    const st = q.state ? (await d.resources.get<{ connectionId: string; shop: string; expiresAt: number }>('shopify-oauth-state', 'global', q.state))?.doc : undefined;
    if (!st || st.connectionId !== connectionId || st.shop !== q.shop || st.expiresAt < d.clock.now()) return reply.code(401).send({ status: 401, title: 'Unauthorized', detail: 'Unknown or expired state' });
    await d.resources.delete('shopify-oauth-state', 'global', q.state!);
    const token = await exchangeCode({ shop: q.shop!, clientId: c.params.clientId, clientSecret: c.params.clientSecret, code: q.code ?? '', baseUrl: c.params.adminBaseUrl });
    if (!token.ok) return sendProblem(reply, token.error);
    await d.resources.put('shopify-token', c.sandboxId, connectionId, { shop: q.shop, accessToken: token.value.accessToken, scope: token.value.scopes, installedAt: d.clock.now() });
    const hooks = await registerWebhooks({
      shop: q.shop!,
      accessToken: token.value.accessToken,
      address: shopifyWebhookAddress(d.baseUrl(), connectionId),
      topics: c.params.topics ?? [...SUPPORTED_TOPICS],
      apiVersion: c.params.apiVersion ?? DEFAULT_API_VERSION,
      baseUrl: c.params.adminBaseUrl,
    });
    if (!hooks.ok) return sendProblem(reply, hooks.error);
    return { installed: true, shop: q.shop, scope: token.value.scopes, webhooks: hooks.value.map((h) => ({ topic: h.topic, id: h.id, created: h.created })) };
  });

  app.post('/data/foundation/kith/sources/shopify/:connectionId/reconcile', { schema: shopifyRouteSchemas.reconcile }, async (req, reply) => {
    const ctx = sandboxCtxOf(req);
    const { connectionId } = req.params as { connectionId: string };
    const c = await connection(connectionId);
    if (!c || c.sandboxId !== ctx.sandbox.id) return sendProblem(reply, notFound('No Shopify source connection with this id'));
    const tok = (await d.resources.get<{ shop: string; accessToken: string }>('shopify-token', ctx.sandbox.id, connectionId))?.doc;
    if (!tok) return sendProblem(reply, badRequest('The app is not installed for this connection yet (run the OAuth install first)'));
    const last = (await d.resources.get<{ since: string }>('shopify-reconcile', ctx.sandbox.id, connectionId))?.doc;
    const since = (req.body as { since?: string } | undefined)?.since ?? last?.since ?? new Date(0).toISOString();
    const now = d.clock.now();
    const r = await reconcile({ shop: tok.shop, accessToken: tok.accessToken, since, baseUrl: c.params.adminBaseUrl, now, apiVersion: c.params.apiVersion ?? DEFAULT_API_VERSION });
    if (!r.ok) return sendProblem(reply, r.error);
    let profiles = 0;
    let events = 0;
    for (const out of r.value.outputs) {
      const w = await ingestMapped(d, { sandboxId: c.sandboxId, orgId: c.orgId, connectionId, params: c.params, shop: tok.shop }, out, now, String(req.id));
      if ('status' in w) return reply.code(w.status).send({ status: w.status, title: 'Service Unavailable', detail: w.detail });
      profiles += w.profiles;
      events += w.events;
    }
    await d.resources.put('shopify-reconcile', ctx.sandbox.id, connectionId, { since: r.value.nextSince, ranAt: now });
    return { since, nextSince: r.value.nextSince, orders: r.value.orders, customers: r.value.customers, pages: r.value.pages, profiles, events };
  });
}
