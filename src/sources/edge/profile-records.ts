import type { IdentityMap, XdmRecord } from '../shared/xdm-output.js';
import { isRecord } from '../shared/xdm-helpers.js';
import type { AlloyEvent, InteractRequest } from './interact.js';

/** The top-level fields of a datastream's two datasets (their schemas, flattened). */
export interface RecordRouting {
  profileDataSetId: string;
  eventDataSetId: string;
  /** Top-level fields of the profile dataset's schema (an Individual Profile schema). */
  profileFields: ReadonlySet<string>;
  /**
   * Field paths (`billingAddress`, `userAccount.startDate`: objects only, not into arrays) the profile dataset's schema
   * defines and the event dataset's schema does not: a body carrying one can only be a profile record.
   */
  profileOnlyPaths: ReadonlySet<string>;
}

/** How deep a body's fields are compared with the schemas' (the profile-only fields sit near the top). */
const MAX_PATH_DEPTH = 4;

function hasProfileOnlyPath(v: Record<string, unknown>, only: ReadonlySet<string>, prefix: string, depth: number): boolean {
  for (const [k, x] of Object.entries(v)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (only.has(path)) return true;
    if (depth < MAX_PATH_DEPTH && isRecord(x) && hasProfileOnlyPath(x, only, path, depth + 1)) return true;
  }
  return false;
}

/** Fields every body may carry whatever its class: they decide nothing. */
const NEUTRAL = new Set(['_id', 'identityMap']);

export type RecordVerdict = 'profile' | 'event';

/**
 * Whether one item of an Edge request is an Individual Profile record for the datastream's profile dataset (what the
 * Commerce customers-connector sends on customer create, update and delete) rather than an ExperienceEvent:
 * - addressed explicitly: `meta.collect.datasetId` (alloy's per-event `datasetId`) names the profile dataset, or the
 *   event dataset;
 * - else a body with an `eventType` is an event;
 * - else it is a profile record when every top-level field is a field of the profile dataset's schema and one of its
 *   fields is defined by the profile schema and not by the event schema (`billingAddress`, or `userAccount.startDate`
 *   of a customer without addresses): it can only be a profile record.
 * Everything else stays an event, as before.
 */
export function classifyEdgeItem(event: AlloyEvent, r: RecordRouting): RecordVerdict {
  const collect = isRecord(event.meta) && isRecord(event.meta.collect) ? event.meta.collect : undefined;
  const target = typeof collect?.datasetId === 'string' ? collect.datasetId : undefined;
  if (target === r.profileDataSetId && target !== r.eventDataSetId) return 'profile';
  if (target === r.eventDataSetId) return 'event';
  const xdm = event.xdm;
  if (typeof xdm.eventType === 'string' && xdm.eventType !== '') return 'event';
  if (r.profileDataSetId === r.eventDataSetId) return 'event';
  for (const k of Object.keys(xdm)) if (!NEUTRAL.has(k) && !r.profileFields.has(k)) return 'event';
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(xdm)) if (!NEUTRAL.has(k)) rest[k] = v;
  return hasProfileOnlyPath(rest, r.profileOnlyPaths, '', 1) ? 'profile' : 'event';
}

/** A profile record as stored: the caller's xdm with its identityMap cleaned (ids as strings); nothing added. */
export function toProfileRecord(xdm: Record<string, unknown>): XdmRecord {
  const identityMap: IdentityMap = {};
  if (isRecord(xdm.identityMap))
    for (const [ns, items] of Object.entries(xdm.identityMap)) {
      if (!Array.isArray(items)) continue;
      const list = items.filter((i) => isRecord(i) && (typeof i.id === 'string' || typeof i.id === 'number')).map((i) => ({ ...(i as Record<string, unknown>), id: String((i as Record<string, unknown>).id) }));
      if (list.length) identityMap[ns] = list as IdentityMap[string];
    }
  return { ...xdm, identityMap };
}

/** Splits a request's items into ExperienceEvents (kept in order in a new request) and profile records. */
export function splitProfileRecords(req: InteractRequest, r: RecordRouting | undefined): { events: InteractRequest; records: XdmRecord[] } {
  if (!r) return { events: req, records: [] };
  const events: AlloyEvent[] = [];
  const records: XdmRecord[] = [];
  for (const e of req.events) {
    if (classifyEdgeItem(e, r) === 'profile') records.push(toProfileRecord(e.xdm));
    else events.push(e);
  }
  return { events: records.length ? { ...req, events } : req, records };
}

/** Identity namespaces a request names other than the device's ECID (the server API names people by them). */
export function namesPerson(req: InteractRequest, records: XdmRecord[] = []): boolean {
  const maps: unknown[] = [req.identityMap, ...req.events.map((e) => e.xdm.identityMap), ...records.map((r) => r.identityMap)];
  for (const m of maps) {
    if (!isRecord(m)) continue;
    for (const [ns, items] of Object.entries(m))
      if (ns.toUpperCase() !== 'ECID' && Array.isArray(items) && items.some((i) => isRecord(i) && (typeof i.id === 'string' ? i.id !== '' : typeof i.id === 'number'))) return true;
  }
  return false;
}
