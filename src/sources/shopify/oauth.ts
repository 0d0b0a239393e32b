import { createHmac, timingSafeEqual } from 'node:crypto';
import { ok, err, type Result } from '../../shared/result.js';
import { problem, badRequest, type Problem } from '../../shared/problem.js';
import { adminBase, adminRequest, type FetchFn } from './admin-http.js';
import { isRecord, str } from '../shared/xdm-helpers.js';

export interface AuthorizeUrlParams {
  shop: string;
  clientId: string;
  scopes: readonly string[];
  redirectUri: string;
  /** Anti-CSRF nonce; the callback must return it unchanged. */
  state: string;
  /** Overrides `https://<shop>` (fake admin API in tests). */
  baseUrl?: string;
  /** Request an online (per-user) token instead of an offline one. */
  online?: boolean;
}

/** `https://<shop>/admin/oauth/authorize?client_id=…&scope=a,b&redirect_uri=…&state=…`. */
export function buildAuthorizeUrl(p: AuthorizeUrlParams): Result<string, Problem> {
  const base = adminBase(p.shop, p.baseUrl);
  if (!base.ok) return base;
  if (!p.clientId || !p.redirectUri || !p.state) return err(badRequest('clientId, redirectUri and state are required'));
  const q = new URLSearchParams({ client_id: p.clientId, scope: p.scopes.join(','), redirect_uri: p.redirectUri, state: p.state });
  if (p.online) q.append('grant_options[]', 'per-user');
  return ok(`${base.value}/admin/oauth/authorize?${q.toString()}`);
}

export type QueryInput = URLSearchParams | Record<string, string | string[] | undefined>;

function entries(query: QueryInput): Array<[string, string[]]> {
  const map = new Map<string, string[]>();
  const push = (k: string, v: string) => map.set(k, [...(map.get(k) ?? []), v]);
  if (query instanceof URLSearchParams) for (const [k, v] of query) push(k, v);
  else for (const [k, v] of Object.entries(query)) for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) push(k, x);
  return [...map.entries()];
}

/**
 * The message Shopify signs on OAuth redirects: every parameter except `hmac` (and legacy `signature`), sorted by key,
 * `key=value` joined with `&`; repeated keys (`ids[]`) as `key=["a", "b"]`.
 */
export function oauthHmacMessage(query: QueryInput): string {
  return entries(query)
    .filter(([k]) => k !== 'hmac' && k !== 'signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, vs]) => `${k}=${vs.length > 1 || k.endsWith('[]') ? `[${vs.map((v) => `"${v}"`).join(', ')}]` : vs[0]}`)
    .join('&');
}

/** Verifies the hex `hmac` of an OAuth callback / app-launch query (constant time). */
export function verifyOAuthCallbackHmac(query: QueryInput, secret: string): boolean {
  const given = entries(query).find(([k]) => k === 'hmac')?.[1][0];
  if (!given || !secret || !/^[0-9a-f]{64}$/i.test(given)) return false;
  const expected = createHmac('sha256', secret).update(oauthHmacMessage(query)).digest();
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}

export interface ExchangeCodeParams {
  shop: string;
  clientId: string;
  clientSecret: string;
  code: string;
  baseUrl?: string;
  fetch?: FetchFn;
}

export interface ShopifyAccessToken {
  accessToken: string;
  scopes: string[];
  /** Present for online tokens. */
  expiresIn?: number;
}

/** POST `/admin/oauth/access_token` → access token and granted scopes. */
export async function exchangeCode(p: ExchangeCodeParams): Promise<Result<ShopifyAccessToken, Problem>> {
  const base = adminBase(p.shop, p.baseUrl);
  if (!base.ok) return base;
  if (!p.code) return err(badRequest('code is required'));
  const res = await adminRequest(p.fetch ?? fetch, `${base.value}/admin/oauth/access_token`, {
    method: 'POST',
    body: { client_id: p.clientId, client_secret: p.clientSecret, code: p.code },
  });
  if (!res.ok) return res;
  const body = isRecord(res.value.body) ? res.value.body : {};
  const token = str(body.access_token);
  if (!token) return err(problem(502, 'Bad Gateway', 'Shopify token response has no access_token'));
  const out: ShopifyAccessToken = { accessToken: token, scopes: (str(body.scope) ?? '').split(',').filter(Boolean) };
  if (typeof body.expires_in === 'number') out.expiresIn = body.expires_in;
  return ok(out);
}
