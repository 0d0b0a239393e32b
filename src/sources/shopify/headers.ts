/**
 * Shopify webhook headers, accepting both the classic `X-Shopify-*` names and the newer unprefixed `shopify-*`
 * ("events" delivery) names. Header names are matched case-insensitively.
 */
export interface ShopifyWebhookHeaders {
  topic?: string;
  hmac?: string;
  shopDomain?: string;
  apiVersion?: string;
  webhookId?: string;
  eventId?: string;
  triggeredAt?: string;
  name?: string;
  subTopic?: string;
  handle?: string;
  action?: string;
  resourceId?: string;
}

export type HeaderBag = Record<string, string | string[] | undefined> | Headers;

const FIELDS: Array<[keyof ShopifyWebhookHeaders, string]> = [
  ['topic', 'topic'],
  ['hmac', 'hmac-sha256'],
  ['shopDomain', 'shop-domain'],
  ['apiVersion', 'api-version'],
  ['webhookId', 'webhook-id'],
  ['eventId', 'event-id'],
  ['triggeredAt', 'triggered-at'],
  ['name', 'name'],
  ['subTopic', 'sub-topic'],
  ['handle', 'handle'],
  ['action', 'action'],
  ['resourceId', 'resource-id'],
];

export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const lower = name.toLowerCase();
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(lower) ?? undefined;
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (k.toLowerCase() !== lower || v === undefined) continue;
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

export function extractShopifyHeaders(headers: HeaderBag): ShopifyWebhookHeaders {
  const out: ShopifyWebhookHeaders = {};
  for (const [field, suffix] of FIELDS) {
    const v = headerValue(headers, `x-shopify-${suffix}`) ?? headerValue(headers, `shopify-${suffix}`);
    if (v !== undefined && v !== '') out[field] = v.trim();
  }
  if (out.topic) out.topic = normaliseTopic(out.topic);
  return out;
}

/** `ORDERS_CREATE` / `orders/create` → `orders/create`. */
export function normaliseTopic(topic: string): string {
  const t = topic.trim();
  if (t.includes('/')) return t.toLowerCase();
  const idx = t.indexOf('_');
  return idx < 0 ? t.toLowerCase() : `${t.slice(0, idx)}/${t.slice(idx + 1)}`.toLowerCase();
}

/** Headers required to accept a delivery (besides a valid HMAC). */
export function missingShopifyHeaders(h: ShopifyWebhookHeaders): string[] {
  const missing: string[] = [];
  if (!h.hmac) missing.push('X-Shopify-Hmac-Sha256');
  if (!h.topic) missing.push('X-Shopify-Topic');
  if (!h.shopDomain) missing.push('X-Shopify-Shop-Domain');
  if (!h.webhookId) missing.push('X-Shopify-Webhook-Id');
  return missing;
}
