import { fail, pass, type Finding } from '../doctor-types.js';
import { dsLabel, datasetName, iso, profileDatasetsOfKind, identityLabel, type CheckContext } from './check-context.js';
import { failedRecordId, type DatasetKind } from '../sightings.js';
import type { StoredFailedRecord } from '../../lake/failed-records-store.js';

/** 1. Records received that name this identity: per dataset and source, how many and when (lake and ingest log). */
export function recordsReceived(c: CheckContext): Finding {
  const s = c.sightings;
  const inLake = s.lake.reduce((n, l) => n + l.count, 0);
  const evidence = {
    lake: s.lake.map((l) => ({
      datasetId: l.datasetId,
      dataset: datasetName(c, l.datasetId),
      records: l.count,
      firstReceivedAt: l.firstIngestedAt,
      lastReceivedAt: l.lastIngestedAt,
      firstEventAt: l.firstEventAt,
      lastEventAt: l.lastEventAt,
      lastRecordId: l.lastRecordId,
      sources: sourcesOf(l.batches),
      batches: l.batches.map((b) => ({ batchId: b.batchId, source: b.source, records: b.count, lastReceivedAt: b.lastIngestedAt })),
    })),
    pending: s.pending,
    failed: s.failed.length,
    searchedFor: s.needle,
  };
  if (inLake + s.pending.count > 0) {
    const last = Math.max(0, ...s.lake.map((l) => l.lastIngestedAt ?? 0));
    const where = s.lake.map((l) => `${l.count} in ${dsLabel(c, l.datasetId)}`).join(', ');
    const pending = s.pending.count > 0 ? `${s.pending.count} waiting for the processor` : '';
    return pass(`${inLake + s.pending.count} records name ${identityLabel(c)}: ${[where, pending].filter(Boolean).join('; ')}${last ? ` (last received ${iso(last)})` : ''}.`, evidence);
  }
  if (s.failed.length > 0)
    return fail(`Kith received ${s.failed.length} records naming ${identityLabel(c)}, and every one failed: none is in the lake.`, evidence, ['See check 2: the failed records and their reasons.']);
  return fail(`No record naming ${identityLabel(c)} reached sandbox "${c.sandbox.name}": not in the lake, not waiting in the ingest log, not among the failed records.`, evidence, [
    `Check that the source sends to this org and sandbox ("${c.sandbox.name}"): the x-sandbox-name header, the datastream's or inlet's sandbox (check 7 looks in the org's other sandboxes).`,
    'Check that its requests are not refused by the gateway (check 8: invalid or revoked API keys, wrong org).',
    'Check that the source is switched on and sends profile records at all (Adobe Commerce: eventing enabled, the "Back office events" and "Customer profiles" switches, the Profile Dataset ID).',
  ]);
}

const sourcesOf = (batches: Array<{ source: string; count: number }>) => {
  const by = new Map<string, number>();
  for (const b of batches) by.set(b.source, (by.get(b.source) ?? 0) + b.count);
  return [...by.entries()].map(([source, records]) => ({ source, records }));
};

/** What the sent record looks like: an ExperienceEvent (eventType/timestamp) or a profile record. */
export function shapeOf(entity: unknown): DatasetKind | undefined {
  if (entity === null || typeof entity !== 'object' || Array.isArray(entity)) return undefined;
  const e = entity as Record<string, unknown>;
  if (typeof e.eventType === 'string') return 'event';
  const profileKeys = ['person', 'personalEmail', 'billingAddress', 'shippingAddress', 'homeAddress', 'mobilePhone', 'homePhone', 'userAccount', 'consents', 'loyalty'];
  if (!('timestamp' in e) && profileKeys.some((k) => k in e)) return 'profile';
  return undefined;
}

/** The XDM entity of a failed record's payload (the ingest log's wire form), when it has one. */
function entityOf(payload: string): unknown {
  try {
    const w = JSON.parse(payload) as { e?: unknown; r?: unknown };
    return w.e ?? w.r;
  } catch {
    return undefined;
  }
}

/**
 * A failed record of a dataset whose schema declares a primary identity descriptor, refused because the field is
 * missing (the descriptor makes it required: "required key [personalEmail] not found").
 */
export function lacksPrimaryIdentity(c: CheckContext, f: StoredFailedRecord): boolean {
  const d = c.sightings.datasets.get(f.datasetId);
  const primary = d?.descriptors.find((x) => x.isPrimary);
  if (!primary || f.code !== 'SCHEMA_VALIDATION') return false;
  const text = `${f.reason} ${JSON.stringify(f.violations ?? [])}`;
  return primary.path.some((seg) => text.includes(`required key [${seg}]`));
}

interface Group {
  store: 'failed' | 'notIngested';
  datasetId: string;
  code: string;
  reason: string;
  records: number;
  lastAt: number;
  ids: string[];
  /** The records are of the other class than their dataset, or lack the schema's primary identity. */
  misrouted?: 'eventInProfileDataset' | 'profileInEventDataset' | 'missingPrimaryIdentity';
}

const NOT_INGESTED_FIX: Record<string, (c: CheckContext, ds: string) => string> = {
  NO_PRIMARY_IDENTITY: (c, ds) => `Give the records a primary identity: mark one identityMap entry \`"primary": true\`, or add a primary identity descriptor to the schema of ${ds}; then replay: POST /data/foundation/kith/not-ingested-to-profile/replay {"reason":"NO_PRIMARY_IDENTITY"}.`,
  NO_IDENTITY: (_c, ds) => `The records of ${ds} carry no identity: add an identityMap or an identity descriptor on the field that holds it, then replay: POST /data/foundation/kith/not-ingested-to-profile/replay {"reason":"NO_IDENTITY"}.`,
  UNKNOWN_NAMESPACE: () => 'Create the namespace (POST /data/core/idnamespace/identities), then replay: POST /data/foundation/kith/not-ingested-to-profile/replay {"reason":"UNKNOWN_NAMESPACE"}.',
  BLOCKED_IDENTITY: () => "The record's only identities are blocked values: fix the source's identity values or the linking rules' blockedValues (PUT /data/core/identity/settings), then replay.",
  NON_PEOPLE_IDENTITY: () => 'The only identities are of a NON_PEOPLE namespace, never placed on a profile: send a person identity (Email, CRM id…) with the record.',
  NO_USABLE_IDENTITY: () => 'No identity of the record could be used (see the reason): fix the values or namespaces, then replay.',
};

/**
 * The failed and not-ingested records not resolved since: a record is resolved when replayed, or when it was sent
 * again (same `_id`) and landed: a failed record's id is in the lake; a not-ingested record's id landed again at a
 * later log offset (if that one did not reach the profile either, it is a row of its own).
 */
export function unresolved(c: CheckContext) {
  const s = c.sightings;
  const liveFailed = s.failed.filter((f) => (f.replayedAt === null || f.replayedAt === undefined) && !s.landed.has(failedRecordId(f.payload) ?? '\u0000'));
  const liveNot = s.notIngested.filter((n) => n.replayedAt === null && !((s.landed.get(n.recordId ?? '\u0000') ?? -1) > n.offset));
  return { liveFailed, liveNot };
}

/** 2. Failed and "not ingested to profile" records for the identity, with their reasons. */
export function failedRecords(c: CheckContext): Finding {
  const s = c.sightings;
  const groups = new Map<string, Group>();
  const add = (store: Group['store'], datasetId: string, code: string, reason: string, id: string, at: number, misrouted?: Group['misrouted']) => {
    const k = JSON.stringify([store, datasetId, code, misrouted ?? '']);
    const g = groups.get(k) ?? groups.set(k, { store, datasetId, code, reason, records: 0, lastAt: 0, ids: [], ...(misrouted ? { misrouted } : {}) }).get(k)!;
    g.records++;
    if (at >= g.lastAt) Object.assign(g, { lastAt: at, reason });
    if (g.ids.length < 5) g.ids.push(id);
  };
  const { liveFailed, liveNot } = unresolved(c);
  for (const f of liveFailed) {
    const kind = s.datasets.get(f.datasetId)?.kind;
    const shape = shapeOf(entityOf(f.payload));
    const misrouted = kind === 'profile' && shape === 'event' ? 'eventInProfileDataset' : kind === 'event' && shape === 'profile' ? 'profileInEventDataset' : lacksPrimaryIdentity(c, f) ? 'missingPrimaryIdentity' : undefined;
    add('failed', f.datasetId, f.code, f.reason, f.id, f.createdAt, misrouted);
  }
  for (const n of liveNot) add('notIngested', n.datasetId, n.code, n.reason, n.id, n.createdAt);
  const list = [...groups.values()].sort((a, b) => b.lastAt - a.lastAt);
  const evidence = {
    failed: list.filter((g) => g.store === 'failed').map(({ store: _s, ...g }) => ({ ...g, dataset: datasetName(c, g.datasetId) })),
    notIngestedToProfile: list.filter((g) => g.store === 'notIngested').map(({ store: _s, ...g }) => ({ ...g, dataset: datasetName(c, g.datasetId) })),
    /** Replayed since, or sent again with the same `_id` and now in the lake. */
    resolved: s.failed.length - liveFailed.length + (s.notIngested.length - liveNot.length),
  };
  if (list.length === 0) return pass(`No failed or "not ingested to profile" record names ${identityLabel(c)}${evidence.resolved ? ` that was not resolved since (${evidence.resolved} replayed or sent again)` : ''}.`, evidence);
  const fixes: string[] = [];
  for (const g of list) {
    const ds = dsLabel(c, g.datasetId);
    if (g.misrouted === 'eventInProfileDataset') {
      const targets = profileDatasetsOfKind(c, 'event').map((d) => `"${d.name}" (${d.id})`);
      fixes.push(`ExperienceEvents were sent to the profile dataset ${ds} (an Individual Profile dataset): send events to an ExperienceEvent dataset${targets.length ? ` (${targets.join(', ')})` : ''} and keep ${ds} for profile records. Adobe Commerce: the Profile Dataset ID must differ from the dataset of storefront and back-office events.`);
    } else if (g.misrouted === 'profileInEventDataset') {
      const targets = profileDatasetsOfKind(c, 'profile').map((d) => `"${d.name}" (${d.id})`);
      fixes.push(`Profile records were sent to the ExperienceEvent dataset ${ds}: send them to a profile dataset${targets.length ? ` (${targets.join(', ')})` : ''}. Adobe Commerce: set the Profile Dataset ID to a dataset of the Individual Profile class, not the events dataset.`);
    } else if (g.misrouted === 'missingPrimaryIdentity') {
      const p = c.sightings.datasets.get(g.datasetId)!.descriptors.find((x) => x.isPrimary)!;
      fixes.push(`Profile records of ${ds} lack the schema's primary identity /${p.path.join('/')} (${p.namespace}): send it with every record (Adobe Commerce profile records: the identityMap's CustomerId marked primary, with a schema whose primary identity is in the identityMap), then send them again with the same _id or replay them: POST /data/foundation/kith/failed-records/replay {"ids":${JSON.stringify(g.ids)}}.`);
    } else if (g.store === 'notIngested' && NOT_INGESTED_FIX[g.code]) fixes.push(NOT_INGESTED_FIX[g.code]!(c, ds));
    else if (g.store === 'notIngested') fixes.push(`${g.records} records of ${ds} did not reach the profile (${g.code}: "${g.reason}"): fix the cause, then replay: POST /data/foundation/kith/not-ingested-to-profile/replay {"ids":${JSON.stringify(g.ids)}}.`);
    else fixes.push(`${g.records} records of ${ds} failed with ${g.code} ("${g.reason}"): fix the records or the schema, then replay them: POST /data/foundation/kith/failed-records/replay {"ids":${JSON.stringify(g.ids)}}.`);
  }
  const what: Record<NonNullable<Group['misrouted']>, string> = {
    eventInProfileDataset: 'events in the profile dataset',
    profileInEventDataset: 'profile records in the events dataset',
    missingPrimaryIdentity: 'records without their primary identity',
  };
  const counts = list.map((g) => `${g.records} ${g.misrouted ? what[g.misrouted] : g.code} in ${dsLabel(c, g.datasetId)}`);
  return fail(`Records naming ${identityLabel(c)} were refused: ${counts.join('; ')}.`, evidence, [...new Set(fixes)]);
}
