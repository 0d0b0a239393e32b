import { ok, err, type Result } from '../../shared/result.js';
import { problem, type Problem } from '../../shared/problem.js';
import { tryParseJsonLossless } from './lossless-json.js';

export type FetchFn = typeof fetch;

const SHOP_RE = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i;

export const isValidShopDomain = (shop: string): boolean => SHOP_RE.test(shop);

/** Admin base URL: `baseUrl` when configured (tests, proxies), else `https://<shop>`. */
export function adminBase(shop: string, baseUrl?: string): Result<string, Problem> {
  if (baseUrl) return ok(baseUrl.replace(/\/+$/, ''));
  if (!isValidShopDomain(shop)) return err(problem(400, 'Bad Request', `Invalid shop domain '${shop}' (expected <name>.myshopify.com)`));
  return ok(`https://${shop}`);
}

export interface AdminResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/** One Admin API call with a JSON (lossless) body. Non-2xx answers become a 502 problem carrying Shopify's status. */
export async function adminRequest(
  fetchFn: FetchFn,
  url: string,
  init: { method?: string; accessToken?: string; body?: unknown } = {},
): Promise<Result<AdminResponse, Problem>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.accessToken) headers['x-shopify-access-token'] = init.accessToken;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetchFn(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  } catch (e) {
    return err(problem(502, 'Bad Gateway', `Shopify request failed: ${(e as Error).message}`));
  }
  const text = await res.text();
  const parsed = text === '' ? ({ ok: true, value: undefined } as const) : tryParseJsonLossless(text);
  const body = parsed.ok ? parsed.value : text;
  if (res.status < 200 || res.status >= 300) {
    return err(problem(502, 'Bad Gateway', `Shopify answered ${res.status} for ${init.method ?? 'GET'} ${new URL(url).pathname}`, { upstreamStatus: res.status, upstreamBody: body }));
  }
  return ok({ status: res.status, body, headers: res.headers });
}

/** The `rel="next"` URL of a Shopify `Link` header, if any. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part.trim());
    if (m) return m[1];
  }
  return undefined;
}
