import { isRecord } from '../shared/xdm-helpers.js';
import type { IdentityRef } from '../shared/xdm-output.js';
import { generalFromCollect, type GeneralConsent } from './consent.js';
import { consentCookieName, parseCookieHeader } from './identity-cookie.js';
import type { InteractRequest, StateEntry } from './interact.js';

/** What decided: the device's consent cookie, the consent stored on the profile, or the datastream default. */
export type ConsentReason = 'cookie' | 'stored' | 'default';

export interface ConsentDecision {
  consent: GeneralConsent;
  reason: ConsentReason;
}

/** At most this many identities of one request are looked up (the ECID first). */
export const MAX_LOOKUP_IDENTITIES = 5;

/** alloy's consent cookie (`general=in|out`), from `meta.state.entries` or the Cookie header; undefined when absent. */
export function cookieConsent(orgId: string, entries: readonly StateEntry[], cookieHeader: string | undefined): 'in' | 'out' | undefined {
  const name = consentCookieName(orgId);
  const v = entries.find((e) => e.key === name)?.value ?? parseCookieHeader(cookieHeader)[name];
  if (v?.includes('general=out')) return 'out';
  if (v?.includes('general=in')) return 'in';
  return undefined;
}

/** The identities a request names: the device's ECID (when it has one), then the top-level and the events' identityMap entries, once each. */
export function requestIdentities(req: InteractRequest, ecid: string | undefined, max = MAX_LOOKUP_IDENTITIES): IdentityRef[] {
  const out: IdentityRef[] = ecid === undefined ? [] : [{ namespace: 'ECID', id: ecid }];
  const seen = new Set(ecid === undefined ? [] : [`ecid\u0000${ecid}`]);
  for (const m of [req.identityMap, ...req.events.map((e) => e.xdm.identityMap)]) {
    if (!isRecord(m)) continue;
    for (const [namespace, items] of Object.entries(m)) {
      if (!Array.isArray(items)) continue;
      for (const it of items) {
        if (!isRecord(it) || typeof it.id !== 'string' || it.id === '') continue;
        const key = `${namespace.toLowerCase()}\u0000${it.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ namespace, id: it.id });
        if (out.length >= max) return out;
      }
    }
  }
  return out;
}

/** The collect decision stored in a profile's XDM consents (`consents.collect.val`); undefined when none. */
export function storedCollect(consents: unknown): GeneralConsent | undefined {
  const val = isRecord(consents) && isRecord(consents.collect) ? consents.collect.val : undefined;
  return val === undefined ? undefined : generalFromCollect(val);
}

/**
 * Who decides whether a request's events are collected. An opt-out cookie refuses at once. Otherwise the stored
 * decision of the request's identities wins: every cookie decision is also stored (set-consent writes the profile),
 * so a stored value is never older than the cookie, and a stored `n` (set on another device, or ingested) outlives an
 * expired or missing cookie. Without either, the datastream's default (alloy's defaultConsent) applies.
 */
export function decideConsent(cookie: 'in' | 'out' | undefined, stored: GeneralConsent | undefined, datastreamDefault: GeneralConsent): ConsentDecision {
  if (cookie === 'out') return { consent: 'out', reason: 'cookie' };
  if (stored === 'out' || stored === 'in') return { consent: stored, reason: 'stored' };
  if (cookie === 'in') return { consent: 'in', reason: 'cookie' };
  return { consent: datastreamDefault, reason: 'default' };
}

/** Several identities' stored decisions: any opt-out refuses; else any opt-in; else pending or none. */
export function combineStored(values: ReadonlyArray<GeneralConsent | undefined>): GeneralConsent | undefined {
  if (values.includes('out')) return 'out';
  if (values.includes('in')) return 'in';
  return values.includes('pending') ? 'pending' : undefined;
}
