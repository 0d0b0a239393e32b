import { emptyOutput, type IdentityRef, type SourceOutput } from '../shared/xdm-output.js';
import { isRecord, str } from '../shared/xdm-helpers.js';
import { updatedAtOf, type ShopifyMapContext } from './map-common.js';
import { mapCustomer } from './map-customer.js';
import { mapOrder, mapRefund } from './map-order.js';
import { mapCartOrCheckout } from './map-cart.js';

export type { ShopifyMapContext } from './map-common.js';

export interface ShopifyMapped extends SourceOutput {
  /** `<shopDomain>/<resource>/<id>`: the key the ordering guard tracks `updated_at` under. */
  resourceKey: string;
  /** The resource's `updated_at` in epoch ms (undefined when the payload has none, e.g. customers/delete). */
  resourceUpdatedAt: number | undefined;
  /** Identities to erase (customers/delete). */
  deletes: IdentityRef[];
  /** False when the topic is not mapped (the caller should still answer 200 so Shopify does not retry). */
  supported: boolean;
}

export const SUPPORTED_TOPICS = [
  'customers/create',
  'customers/update',
  'customers/delete',
  'orders/create',
  'orders/updated',
  'orders/paid',
  'orders/cancelled',
  'orders/fulfilled',
  'orders/partially_fulfilled',
  'checkouts/create',
  'checkouts/update',
  'carts/create',
  'carts/update',
  'refunds/create',
] as const;

const RESOURCE_OF: Record<string, string> = { customers: 'customer', orders: 'order', checkouts: 'checkout', carts: 'cart', refunds: 'refund' };

function resourceId(resource: string, p: Record<string, unknown>): string {
  if (resource === 'checkout' || resource === 'cart') return str(p.token) ?? str(p.id) ?? 'unknown';
  return str(p.id) ?? 'unknown';
}

/**
 * Maps one Shopify webhook payload (parsed with `parseJsonLossless`, so big ids are strings) to XDM. Pure: no I/O,
 * no clock (time comes from the payload or `ctx.receivedAt`).
 */
export function mapShopifyWebhook(topic: string, payload: unknown, ctx: ShopifyMapContext): ShopifyMapped {
  const t = topic.toLowerCase();
  const p = isRecord(payload) ? payload : {};
  const resource = RESOURCE_OF[t.split('/')[0] ?? ''] ?? t.split('/')[0] ?? 'unknown';
  const base = {
    resourceKey: `${ctx.shopDomain}/${resource}/${resourceId(resource, p)}`,
    resourceUpdatedAt: updatedAtOf(p),
  };
  if (!(SUPPORTED_TOPICS as readonly string[]).includes(t)) return { ...emptyOutput(), ...base, deletes: [], supported: false };
  if (resource === 'customer') return { ...mapCustomer(t, p, ctx), ...base, supported: true };
  if (t === 'refunds/create') return { ...mapRefund(p, ctx), ...base, deletes: [], supported: true };
  if (resource === 'order') return { ...mapOrder(t, p, ctx), ...base, deletes: [], supported: true };
  return { ...mapCartOrCheckout(t, p, ctx), ...base, deletes: [], supported: true };
}
