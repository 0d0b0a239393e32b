import { ok, err, type Result } from '../../shared/result.js';
import type { Problem } from '../../shared/problem.js';
import { isRecord } from '../shared/xdm-helpers.js';
import type { IdentityMap } from '../shared/xdm-output.js';
import { invalidEdgeRequest } from './edge-errors.js';
import { decodeIdentityCookie, identityCookieName, parseCookieHeader } from './identity-cookie.js';
import { isEcid, mintEcid } from './ecid.js';
import { exceedsDepth, MAX_JSON_DEPTH } from '../../shared/json-depth.js';

type Json = Record<string, unknown>;

export interface AlloyEvent {
  xdm: Json;
  data?: Json;
  query?: Json;
  meta?: Json;
}

export interface StateEntry {
  key: string;
  value: string;
}

export interface InteractRequest {
  events: AlloyEvent[];
  /** `query.identity.fetch` (alloy asks for ["ECID"]). */
  identityFetch: string[];
  /** `meta.state.entries`: first-party cookies alloy forwards (localhost / third-party edge domain). */
  stateEntries: StateEntry[];
  /** `meta.state.domain` / `cookiesEnabled`. */
  stateDomain?: string;
  cookiesEnabled: boolean;
  configOverrides?: Json;
  /** Top-level identityMap (set-consent and the server API may send one). */
  identityMap?: IdentityMap;
}

export const MAX_EVENTS_PER_REQUEST = 1000;

/** Bodies nesting deeper than the API's limit are refused whole (every consumer downstream recurses). */
export const tooDeep = () => invalidEdgeRequest(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);

/**
 * Parses an `/ee/v1/interact|collect` body from alloy (`{events:[{xdm,data,query}], query, meta}`) or an
 * `/ee/v2/interact|collect` server-API body (`{event:{xdm,data}}` or `{events:[…]}`).
 */
export function parseInteract(body: unknown): Result<InteractRequest, Problem> {
  if (!isRecord(body)) return err(invalidEdgeRequest('The request body must be a JSON object.'));
  if (exceedsDepth(body, MAX_JSON_DEPTH)) return err(tooDeep());
  const rawEvents = Array.isArray(body.events) ? body.events : isRecord(body.event) ? [body.event] : body.events === undefined ? [] : undefined;
  if (!rawEvents) return err(invalidEdgeRequest('events must be an array.'));
  if (rawEvents.length > MAX_EVENTS_PER_REQUEST) return err(invalidEdgeRequest(`At most ${MAX_EVENTS_PER_REQUEST} events per request.`));
  const events: AlloyEvent[] = [];
  for (let i = 0; i < rawEvents.length; i++) {
    const e = rawEvents[i];
    if (!isRecord(e)) return err(invalidEdgeRequest(`events[${i}] must be an object.`));
    if (e.xdm !== undefined && !isRecord(e.xdm)) return err(invalidEdgeRequest(`events[${i}].xdm must be an object.`));
    const bad = isRecord(e.xdm) ? invalidXdmField(e.xdm) : undefined;
    if (bad) return err(invalidEdgeRequest(`events[${i}].xdm.${bad}`));
    const ev: AlloyEvent = { xdm: isRecord(e.xdm) ? e.xdm : {} };
    if (isRecord(e.data)) ev.data = e.data;
    if (isRecord(e.query)) ev.query = e.query;
    if (isRecord(e.meta)) ev.meta = e.meta;
    events.push(ev);
  }
  const meta = isRecord(body.meta) ? body.meta : {};
  const state = isRecord(meta.state) ? meta.state : {};
  const entries = Array.isArray(state.entries) ? state.entries : [];
  const stateEntries = entries.filter((x): x is StateEntry => isRecord(x) && typeof x.key === 'string' && typeof x.value === 'string').map((x) => ({ key: x.key, value: x.value }));
  const query = isRecord(body.query) ? body.query : {};
  const identity = isRecord(query.identity) ? query.identity : {};
  const out: InteractRequest = {
    events,
    identityFetch: Array.isArray(identity.fetch) ? identity.fetch.filter((x): x is string => typeof x === 'string') : [],
    stateEntries,
    cookiesEnabled: state.cookiesEnabled !== false,
  };
  if (typeof state.domain === 'string') out.stateDomain = state.domain;
  if (isRecord(meta.configOverrides)) out.configOverrides = meta.configOverrides;
  if (isRecord(body.identityMap)) out.identityMap = body.identityMap as IdentityMap;
  return ok(out);
}

/**
 * The XDM fields Kith reads from an event, checked as the ExperienceEvent class types them: `timestamp` an ISO 8601
 * date-time, `_id` and `eventType` strings, `identityMap` namespaces of identity arrays. Returns what is wrong.
 */
export function invalidXdmField(xdm: Json): string | undefined {
  const ts = xdm.timestamp;
  if (ts !== undefined && (typeof ts !== 'string' || !Number.isFinite(Date.parse(ts)))) return 'timestamp must be an ISO 8601 date-time string.';
  for (const k of ['_id', 'eventType'] as const) if (xdm[k] !== undefined && typeof xdm[k] !== 'string') return `${k} must be a string.`;
  const map = xdm.identityMap;
  if (map === undefined) return undefined;
  if (!isRecord(map)) return 'identityMap must be an object.';
  for (const [ns, items] of Object.entries(map)) {
    if (!Array.isArray(items)) return `identityMap.${ns} must be an array.`;
    for (let j = 0; j < items.length; j++) {
      const it: unknown = items[j];
      if (!isRecord(it) || (typeof it.id !== 'string' && typeof it.id !== 'number')) return `identityMap.${ns}[${j}].id must be a string.`;
    }
  }
  return undefined;
}

export type EcidSource = 'state' | 'cookie' | 'identityMap' | 'minted';

/**
 * The device's ECID: from the identity cookie in `meta.state.entries`, else from the `Cookie` header (first-party
 * edge domain), else from an `identityMap.ECID` the caller sent (server API / mobile), else a newly minted one.
 */
export function resolveEcid(
  req: InteractRequest,
  opts: { orgId: string; cookieHeader?: string; mint?: () => string },
): { ecid: string; source: EcidSource } {
  const name = identityCookieName(opts.orgId);
  const fromState = req.stateEntries.find((e) => e.key === name);
  const s = fromState ? decodeIdentityCookie(fromState.value) : undefined;
  if (s && isEcid(s)) return { ecid: s, source: 'state' }; // a cookie ECID AEP would reject (older Kith minted some) is replaced
  const cookie = parseCookieHeader(opts.cookieHeader)[name];
  const c = cookie ? decodeIdentityCookie(cookie) : undefined;
  if (c && isEcid(c)) return { ecid: c, source: 'cookie' };
  const maps = [req.identityMap, ...req.events.map((e) => e.xdm.identityMap as IdentityMap | undefined)];
  for (const m of maps) {
    const id = isRecord(m) && Array.isArray(m.ECID) ? m.ECID.find((x) => isRecord(x) && isEcid(x.id))?.id : undefined;
    if (typeof id === 'string') return { ecid: id, source: 'identityMap' };
  }
  return { ecid: (opts.mint ?? mintEcid)(), source: 'minted' };
}
