import type { Clock } from '../../shared/clock.js';
import type { ShopifyWebhookHeaders } from './headers.js';

/**
 * Keys under which a delivery is a duplicate: the delivery id (`X-Shopify-Webhook-Id`, same on every retry) and
 * the merchant action (`X-Shopify-Event-Id`) per topic, since one action may reach us through several subscriptions.
 * Keys are shop-scoped. The HTTP layer stores them (with a TTL covering Shopify's 4 h retry window at least).
 */
export function shopifyDedupeKeys(shopDomain: string, h: ShopifyWebhookHeaders): string[] {
  const keys: string[] = [];
  if (h.webhookId) keys.push(`shopify:${shopDomain}:webhook:${h.webhookId}`);
  if (h.eventId && h.topic) keys.push(`shopify:${shopDomain}:event:${h.eventId}:${h.topic}`);
  return keys;
}

/**
 * In-memory seen-set with a TTL (a reference implementation of the dedupe port; durable storage belongs to the
 * HTTP/ingest layer). `checkAndRemember` is atomic for a single process.
 */
export class SeenKeys {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number = 48 * 3600_000,
    private readonly maxEntries: number = 100_000,
  ) {}

  /** True when any key was already seen (a duplicate); otherwise remembers all keys and returns false. */
  checkAndRemember(keys: readonly string[]): boolean {
    const now = this.clock.now();
    this.evict(now);
    if (keys.some((k) => (this.seen.get(k) ?? -Infinity) > now)) return true;
    for (const k of keys) this.seen.set(k, now + this.ttlMs);
    return false;
  }

  private evict(now: number): void {
    for (const [k, exp] of this.seen) {
      if (exp > now && this.seen.size <= this.maxEntries) break;
      this.seen.delete(k);
    }
  }
}
