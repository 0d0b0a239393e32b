import { IDENTITY_COOKIE_MAX_AGE, consentCookieName, encodeIdentityCookie, identityCookieName } from './identity-cookie.js';
import { consentCookieValue, type GeneralConsent } from './consent.js';

export const CONSENT_COOKIE_MAX_AGE = 15552000; // 180 days

export interface Handle {
  type: string;
  payload: unknown[];
  eventIndex?: number;
}

export interface InteractResponse {
  requestId: string;
  handle: Handle[];
  warnings?: unknown[];
  errors?: unknown[];
}

export interface BuildInteractResponseParams {
  requestId: string;
  /** The device's ECID; undefined for a server-side call that names a person without a device (no identity handles). */
  ecid: string | undefined;
  orgId: string;
  /** When consent was just set (set-consent) or is known, also store alloy's consent cookie. */
  consent?: GeneralConsent;
  /** Region hint reported in `locationHint:result` (informational: alloy routes only on the cluster cookie, which we never set). */
  locationHint?: string;
  warnings?: unknown[];
}

/**
 * The body alloy needs (HTTP 200): `identity:result` (answers getIdentity), `state:store` for the identity cookie
 * (395 days, SameSite=None) and optionally the consent cookie, and `locationHint:result`.
 */
export function buildInteractResponse(p: BuildInteractResponseParams): InteractResponse {
  const store: Array<Record<string, unknown>> =
    p.ecid === undefined ? [] : [{ key: identityCookieName(p.orgId), value: encodeIdentityCookie(p.ecid), maxAge: IDENTITY_COOKIE_MAX_AGE, attrs: { SameSite: 'None' } }];
  const consent = p.consent ? consentCookieValue(p.consent) : undefined;
  if (consent) store.push({ key: consentCookieName(p.orgId), value: consent, maxAge: CONSENT_COOKIE_MAX_AGE, attrs: { SameSite: 'None' } });
  const handle: Handle[] = [
    ...(p.ecid === undefined ? [] : [{ type: 'identity:result', payload: [{ id: p.ecid, namespace: { code: 'ECID' } }] }]),
    ...(store.length ? [{ type: 'state:store', payload: store }] : []),
    { type: 'locationHint:result', payload: [{ scope: 'EdgeNetwork', hint: p.locationHint ?? 'kith', ttlSeconds: 1800 }] },
  ];
  const out: InteractResponse = { requestId: p.requestId, handle };
  if (p.warnings?.length) out.warnings = p.warnings;
  return out;
}

/** Query parameters of `/ee/v1/interact?configId=…&requestId=…` (v2 server API: `dataStreamId`). */
export function parseEdgeQuery(query: URLSearchParams | Record<string, string | undefined>): { configId?: string; requestId?: string } {
  const get = (k: string) => (query instanceof URLSearchParams ? (query.get(k) ?? undefined) : query[k]);
  return { configId: get('configId') ?? get('dataStreamId') ?? get('datastreamId') ?? get('edgeConfigId'), requestId: get('requestId') };
}
