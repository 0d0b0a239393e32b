import type { FastifyInstance } from 'fastify';
import type { FlowService } from '../../flow/flow-service.js';
import type { Clock } from '../../shared/clock.js';
import { newXactionBase } from '../../ingest/collection/collection-service.js';
import { verifyShopifyHmac } from '../shopify/hmac.js';
import { extractShopifyHeaders, missingShopifyHeaders } from '../shopify/headers.js';
import { shopifyDedupeKeys } from '../shopify/dedupe.js';
import { tryParseJsonLossless } from '../shopify/lossless-json.js';
import { mapShopifyWebhook } from '../shopify/map-webhook.js';
import { applyVerdict, judgeUpdate } from '../shopify/ordering-guard.js';
import type { SourceStateStore } from './source-state-store.js';
import { sourceTargets, type SourceBindingDeps } from './source-provisioner.js';
import type { SourceSink } from './source-sink.js';
import { shopifyRouteSchemas } from './route-schemas.js';
import { RequestValidators } from '../../http/request-validation.js';

import { SHOPIFY_SPEC_DEF, SHOPIFY_STREAMING_SPEC } from './source-specs.js';

export { SHOPIFY_STREAMING_SPEC };
const DEDUPE_TTL_MS = 72 * 3600_000;

export interface ShopifyDeps extends SourceBindingDeps {
  flow: FlowService;
  state: SourceStateStore;
  sink: SourceSink;
  clock: Clock;
  baseUrl: () => string;
}

export const shopifyWebhookAddress = (baseUrl: string, connectionId: string) => `${baseUrl}/sources/shopify/${connectionId}/webhooks`;

export interface ShopifyParams {
  shopDomain?: string;
  clientId?: string;
  clientSecret?: string;
  profileDataSetId?: string;
  eventDataSetId?: string;
  /** Shopify base URL override (`https://<shop>` by default), e.g. a local fake admin API in tests. */
  adminBaseUrl?: string;
  scopes?: string[];
  apiVersion?: string;
  topics?: string[];
}

/**
 * Ingests one mapped Shopify resource (from a webhook or a reconciliation pull): the ordering guard decides whether
 * its attributes are newer than what was applied, then the output goes to the ingest log.
 */
export async function ingestMapped(
  d: ShopifyDeps,
  c: { sandboxId: string; orgId: string; connectionId: string; params: ShopifyParams; shop: string },
  mapped: ReturnType<typeof mapShopifyWebhook>,
  now: number,
  requestId: string,
): Promise<{ verdict: string; profiles: number; events: number } | { status: number; detail: string }> {
  const verdict = judgeUpdate(await d.state.lastVersion(mapped.resourceKey), mapped.resourceUpdatedAt);
  const out = applyVerdict(mapped, verdict);
  const t = await sourceTargets(d, c, c.params, 'Shopify', requestId);
  if (!t) return { status: 503, detail: 'The source datasets could not be prepared' };
  const w = await d.sink.write({ ...t, sandboxId: c.sandboxId, orgId: c.orgId, connectionId: c.connectionId, sourceName: `shopify:${c.shop}` }, out, { receivedAt: now, xactionBase: newXactionBase(now), requestId });
  if ('error' in w) return { status: 409, detail: w.error };
  if (mapped.resourceUpdatedAt !== undefined && verdict === 'newer') await d.state.recordVersion(mapped.resourceKey, mapped.resourceUpdatedAt);
  return { verdict, ...w };
}

/**
 * `POST /sources/shopify/{connectionId}/webhooks`: Shopify's deliveries. The HMAC of the raw body is checked before
 * anything is parsed; the 2xx comes back once the mapped messages are in the durable ingest log (processing is
 * asynchronous). Redeliveries (same X-Shopify-Webhook-Id, or X-Shopify-Event-Id for the same topic) are acknowledged
 * and not ingested again; an update older than the last applied `updated_at` of its resource keeps its events
 * (history) but not its profile attributes.
 */
export function registerShopifyWebhookRoutes(app: FastifyInstance, d: ShopifyDeps): void {
  d.flow.registerSpec(SHOPIFY_STREAMING_SPEC, SHOPIFY_SPEC_DEF);
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    // the HMAC covers the raw bytes: the body schema documents, the path is validated
    const validators = new RequestValidators([]);
    scope.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? () => true : validators.compile(schema as Record<string, unknown>, httpPart)));
    scope.post(
      '/sources/shopify/:connectionId/webhooks',
      { config: { auth: 'none' }, bodyLimit: 5 * 1024 * 1024, schema: shopifyRouteSchemas.webhooks },
      async (req, reply) => {
        const { connectionId } = req.params as { connectionId: string };
        const found = await d.flow.resolveConnection(connectionId);
        const conn = found?.connection;
        if (!found || (conn?.connectionSpec as { id?: string } | undefined)?.id !== SHOPIFY_STREAMING_SPEC)
          return reply.code(404).send({ status: 404, title: 'Not Found', detail: 'No Shopify source connection with this id' });
        const params = ((conn!.auth as { params?: ShopifyParams } | undefined)?.params ?? {}) as ShopifyParams;
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const h = extractShopifyHeaders(req.headers as Record<string, string>);
        if (!params.clientSecret || !verifyShopifyHmac(raw, h.hmac, params.clientSecret))
          return reply.code(401).send({ status: 401, title: 'Unauthorized', detail: 'X-Shopify-Hmac-Sha256 does not match the body' });
        const missing = missingShopifyHeaders(h);
        if (missing.length) return reply.code(400).send({ status: 400, title: 'Bad Request', detail: `Missing Shopify headers: ${missing.join(', ')}` });
        const shop = h.shopDomain ?? params.shopDomain ?? 'unknown';
        const now = d.clock.now();
        const keys = shopifyDedupeKeys(shop, h);
        if ((await d.state.seen(keys, now)).size > 0) return reply.code(200).send({ status: 'duplicate' });
        const parsed = tryParseJsonLossless(raw);
        if (!parsed.ok) return reply.code(400).send(parsed.error.body);
        const mapped = mapShopifyWebhook(h.topic!, parsed.value, { shopDomain: shop, receivedAt: now, webhookId: h.webhookId });
        if (!mapped.supported) {
          await d.state.remember(keys, now, DEDUPE_TTL_MS);
          return reply.code(200).send({ status: 'ignored', topic: h.topic });
        }
        const r = await ingestMapped(d, { sandboxId: found.sandboxId, orgId: found.orgId, connectionId, params, shop }, mapped, now, String(req.id));
        if ('status' in r) return reply.code(r.status).header('retry-after', '5').send({ status: r.status, title: 'Service Unavailable', detail: r.detail });
        // remembered only after the append is durable: a crash in between means a retry is ingested again (and deduped by _id)
        await d.state.remember(keys, now, DEDUPE_TTL_MS);
        return reply.code(200).send({ status: 'accepted', ...r });
      },
    );
  });
}
