import { ok, err, type Result } from '../../shared/result.js';
import { badRequest, type Problem } from '../../shared/problem.js';
import { adminBase, adminRequest, nextLink, type FetchFn } from './admin-http.js';
import { mapShopifyWebhook, type ShopifyMapped } from './map-webhook.js';
import { isRecord, toEpochMs } from '../shared/xdm-helpers.js';

export interface ReconcileParams {
  shop: string;
  accessToken: string;
  /** ISO time of the previous run's high-water mark (`updated_at_min`). */
  since: string;
  baseUrl?: string;
  fetch?: FetchFn;
  apiVersion?: string;
  /** Receive time stamped on the mapped output (epoch ms; from the caller's Clock). */
  now: number;
  tenantId?: string;
  pageSize?: number;
}

export interface ReconcileResult {
  /** One mapped output per pulled resource, in the same shape as webhook mapping (run it through the same guard). */
  outputs: ShopifyMapped[];
  orders: number;
  customers: number;
  pages: number;
  /** Max `updated_at` seen (ISO UTC): pass it as the next `since`; equals `since` when nothing changed. */
  nextSince: string;
}

/**
 * Pulls orders (`status=any`) and customers updated since the last run, following `Link: <…>; rel="next"` paging,
 * and maps them with the webhook mapping. Resources created since `since` map as `…/create` (same deterministic
 * `_id` as the create webhook, so a delivered webhook and the pull dedupe), others as `orders/updated` / `customers/update`.
 */
export async function reconcile(p: ReconcileParams): Promise<Result<ReconcileResult, Problem>> {
  const base = adminBase(p.shop, p.baseUrl);
  if (!base.ok) return base;
  const f = p.fetch ?? fetch;
  const root = `${base.value}/admin/api/${p.apiVersion ?? '2026-07'}`;
  const sinceMs = toEpochMs(p.since);
  if (sinceMs === undefined) return err(badRequest(`since must be an ISO-8601 time, got '${p.since}'`));
  const result: ReconcileResult = { outputs: [], orders: 0, customers: 0, pages: 0, nextSince: p.since };
  let maxUpdated = sinceMs;
  const limit = p.pageSize ?? 250;
  const resources = [
    { key: 'orders', url: `${root}/orders.json?${new URLSearchParams({ updated_at_min: p.since, status: 'any', limit: String(limit) })}`, create: 'orders/create', update: 'orders/updated' },
    { key: 'customers', url: `${root}/customers.json?${new URLSearchParams({ updated_at_min: p.since, limit: String(limit) })}`, create: 'customers/create', update: 'customers/update' },
  ] as const;
  for (const r of resources) {
    let url: string | undefined = r.url;
    while (url) {
      const res = await adminRequest(f, url, { accessToken: p.accessToken });
      if (!res.ok) return res;
      result.pages++;
      const list = isRecord(res.value.body) && Array.isArray(res.value.body[r.key]) ? (res.value.body[r.key] as unknown[]) : [];
      for (const item of list) {
        if (!isRecord(item)) continue;
        const created = toEpochMs(item.created_at);
        const topic = created !== undefined && created >= sinceMs ? r.create : r.update;
        const mapped = mapShopifyWebhook(topic, item, { shopDomain: p.shop, receivedAt: p.now, tenantId: p.tenantId });
        result.outputs.push(mapped);
        if (r.key === 'orders') result.orders++;
        else result.customers++;
        if (mapped.resourceUpdatedAt !== undefined && mapped.resourceUpdatedAt > maxUpdated) maxUpdated = mapped.resourceUpdatedAt;
      }
      url = nextLink(res.value.headers.get('link'));
    }
  }
  if (maxUpdated > sinceMs) result.nextSince = new Date(maxUpdated).toISOString();
  return ok(result);
}
