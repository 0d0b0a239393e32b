import type { IdentityMap, IdentityRef, SourceOutput, XdmEvent } from '../shared/xdm-output.js';
import { NS } from '../shared/xdm-output.js';
import { deterministicId, isRecord, toIsoUtc } from '../shared/xdm-helpers.js';
import type { AlloyEvent, InteractRequest } from './interact.js';

/** eventType given to events that carry none (Edge itself does not invent one; downstream can filter on it). */
export const UNSPECIFIED_EVENT_TYPE = 'edge.unspecified';

export interface EdgeMapOptions {
  /** The device's ECID; none for a server-side call that names the person by another identity (no device). */
  ecid: string | undefined;
  requestId: string;
  /** Epoch ms; default event time when xdm.timestamp is missing. */
  receivedAt: number;
}

function cleanIdentityMap(raw: unknown): IdentityMap {
  const out: IdentityMap = {};
  if (!isRecord(raw)) return out;
  for (const [ns, items] of Object.entries(raw)) {
    if (!Array.isArray(items)) continue;
    const list = items.filter((i) => isRecord(i) && (typeof i.id === 'string' || typeof i.id === 'number')).map((i) => ({ ...(i as Record<string, unknown>), id: String((i as Record<string, unknown>).id) }));
    if (list.length) out[ns] = list as IdentityMap[string];
  }
  return out;
}

/**
 * One alloy event → an XDM ExperienceEvent: the caller's xdm, plus `identityMap.ECID` when there is a device ECID (ambiguous; primary only when
 * the event carries no other identity and no other item is primary), `_id` defaulted deterministically from the
 * request id + event index, `timestamp` defaulted to the receive time (ISO UTC).
 */
export function mapAlloyEvent(event: AlloyEvent, index: number, opts: EdgeMapOptions): { event: XdmEvent; link: IdentityRef[] } {
  const xdm = { ...event.xdm };
  const identityMap = cleanIdentityMap(xdm.identityMap);
  const hasOther = Object.entries(identityMap).some(([ns, items]) => ns !== NS.ecid && items.length > 0);
  const anyPrimary = Object.values(identityMap).some((items) => items.some((i) => i.primary === true));
  if (opts.ecid !== undefined) {
    const ecids = identityMap[NS.ecid] ?? [];
    if (!ecids.some((i) => i.id === opts.ecid)) ecids.push({ id: opts.ecid, primary: !hasOther && !anyPrimary, authenticatedState: 'ambiguous' });
    identityMap[NS.ecid] = ecids;
  }
  const link: IdentityRef[] = [];
  for (const [ns, items] of Object.entries(identityMap)) for (const i of items) link.push({ namespace: ns, id: i.id });
  const out: XdmEvent = {
    ...xdm,
    _id: typeof xdm._id === 'string' && xdm._id !== '' ? xdm._id : deterministicId('edge', opts.requestId, index),
    timestamp: toIsoUtc(xdm.timestamp) ?? new Date(opts.receivedAt).toISOString(),
    eventType: typeof xdm.eventType === 'string' && xdm.eventType !== '' ? xdm.eventType : UNSPECIFIED_EVENT_TYPE,
    identityMap,
  };
  return { event: out, link };
}

/** All events of an interact/collect request; identity links join the ECID with every other id the events carry. */
export function mapInteractEvents(req: InteractRequest, opts: EdgeMapOptions): SourceOutput {
  const out: SourceOutput = { profiles: [], events: [], identityLinks: [] };
  const seen = new Set<string>();
  req.events.forEach((e, i) => {
    const { event, link } = mapAlloyEvent(e, i, opts);
    out.events.push(event);
    if (link.length < 2) return;
    const key = link.map((l) => `${l.namespace}:${l.id}`).sort().join('|');
    if (seen.has(key)) return;
    seen.add(key);
    out.identityLinks.push(link);
  });
  return out;
}
