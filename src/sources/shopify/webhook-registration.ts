import { ok, err, type Result } from '../../shared/result.js';
import { badRequest, type Problem } from '../../shared/problem.js';
import { adminBase, adminRequest, nextLink, type FetchFn } from './admin-http.js';
import { isRecord, str } from '../shared/xdm-helpers.js';

export interface RegisterWebhooksParams {
  shop: string;
  accessToken: string;
  /** Our public webhook URL, e.g. https://kith.example/sources/shopify/webhooks. */
  address: string;
  topics: readonly string[];
  apiVersion: string;
  baseUrl?: string;
  fetch?: FetchFn;
}

export interface RegisteredWebhook {
  topic: string;
  /** Exact id (may exceed 2^53). */
  id: string;
  created: boolean;
}

/**
 * Idempotently subscribes `address` to each topic: lists existing subscriptions (`GET webhooks.json`, all pages) and
 * creates only the missing ones (`POST webhooks.json` with `{webhook:{topic,address,format:'json'}}`).
 */
export async function registerWebhooks(p: RegisterWebhooksParams): Promise<Result<RegisteredWebhook[], Problem>> {
  const base = adminBase(p.shop, p.baseUrl);
  if (!base.ok) return base;
  if (!p.accessToken) return err(badRequest('accessToken is required'));
  const f = p.fetch ?? fetch;
  const root = `${base.value}/admin/api/${p.apiVersion}`;
  const existing = new Map<string, string>();
  let url: string | undefined = `${root}/webhooks.json?limit=250`;
  while (url) {
    const res = await adminRequest(f, url, { accessToken: p.accessToken });
    if (!res.ok) return res;
    const list = isRecord(res.value.body) && Array.isArray(res.value.body.webhooks) ? res.value.body.webhooks : [];
    for (const w of list) if (isRecord(w) && w.address === p.address && str(w.topic)) existing.set(str(w.topic)!, str(w.id) ?? '');
    url = nextLink(res.value.headers.get('link'));
  }
  const out: RegisteredWebhook[] = [];
  for (const topic of p.topics) {
    const have = existing.get(topic);
    if (have !== undefined) {
      out.push({ topic, id: have, created: false });
      continue;
    }
    const res = await adminRequest(f, `${root}/webhooks.json`, { method: 'POST', accessToken: p.accessToken, body: { webhook: { topic, address: p.address, format: 'json' } } });
    if (!res.ok) return res;
    const w = isRecord(res.value.body) && isRecord(res.value.body.webhook) ? res.value.body.webhook : {};
    out.push({ topic, id: str(w.id) ?? '', created: true });
  }
  return ok(out);
}
