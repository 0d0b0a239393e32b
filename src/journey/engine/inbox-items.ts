import { personKey } from '../person-key.js';
import type { IdentityRef } from '../../profile/identity-resolver.js';
import type { InboxItem, NewInboxItem } from '../store/journey-store.js';

/**
 * The payloads of the engine's inbox items (JSON text in `InboxItem.payload`) and the helpers that read identities
 * from raw inputs. `readAudience` items are direct entries of a person into a named journey (a jump from another
 * journey, or one member of an audience read); `audienceRun` items carry a chunk of an audience read's members.
 */
export interface EventPayload {
  identity: IdentityRef;
  event: Record<string, unknown>;
}

export interface AudiencePayload {
  identity: IdentityRef;
  /** The transition event's `_id`. */
  eventId: string;
  segmentId: string;
  status: 'realized' | 'exited' | 'existing';
  record?: Record<string, unknown>;
}

export interface DirectEntryPayload {
  identity: IdentityRef;
  journeyId: string;
  /** The version to enter (an audience read's); absent: the journey's live version at handling time. */
  versionId?: string;
  source: 'readAudience' | 'jump';
  trigger?: Record<string, unknown>;
  /** The audience read run that entered the person (an instance it started is not started again by a replay). */
  runId?: string;
}

/** Up to a few thousand members of one audience read run, entered in one pass (one inbox row, not one per member). */
export interface AudienceRunPayload {
  journeyId: string;
  versionId: string;
  runId: string;
  members: IdentityRef[];
}

export type Payload =
  | { kind: 'event'; p: EventPayload }
  | { kind: 'audience'; p: AudiencePayload }
  | { kind: 'readAudience'; p: DirectEntryPayload }
  | { kind: 'audienceRun'; p: AudienceRunPayload };

/** One key per person identity whatever the namespace's case (see ../person-key.ts). */
export const personKeyOf = (ref: IdentityRef): string => personKey(ref);

/** An inbox item's payload, or undefined when it is not one the engine wrote (never throws). */
export function readPayload(item: InboxItem): Payload | undefined {
  let p: unknown;
  try {
    p = JSON.parse(item.payload);
  } catch {
    return undefined;
  }
  if (!isObject(p)) return undefined;
  if (item.kind === 'audienceRun')
    return typeof p.journeyId === 'string' && typeof p.versionId === 'string' && typeof p.runId === 'string' && Array.isArray(p.members) && p.members.every(isIdentity)
      ? { kind: 'audienceRun', p: p as unknown as AudienceRunPayload }
      : undefined;
  if (!isIdentity(p.identity)) return undefined;
  if (item.kind === 'event' && isObject(p.event)) return { kind: 'event', p: p as unknown as EventPayload };
  if (item.kind === 'audience' && typeof p.segmentId === 'string' && typeof p.status === 'string') return { kind: 'audience', p: p as unknown as AudiencePayload };
  if (item.kind === 'readAudience' && typeof p.journeyId === 'string') return { kind: 'readAudience', p: p as unknown as DirectEntryPayload };
  return undefined;
}

/** The identities of a record's identityMap (namespace as written), primary first. */
export function identitiesOf(record: Record<string, unknown>): IdentityRef[] {
  const out: Array<IdentityRef & { primary: boolean }> = [];
  const map = record.identityMap;
  if (isObject(map))
    for (const [namespace, items] of Object.entries(map))
      if (Array.isArray(items))
        for (const it of items) {
          const i = it as { id?: unknown; primary?: unknown } | null;
          if (typeof i?.id === 'string' || typeof i?.id === 'number') out.push({ namespace, id: String(i.id), primary: i.primary === true });
        }
  out.sort((a, b) => Number(b.primary) - Number(a.primary));
  return out.map(({ namespace, id }) => ({ namespace, id }));
}

/** The audience transition of an "Audience Membership Events" record, if it is one. */
export function audienceTransitionOf(record: Record<string, unknown>): { segmentId: string; status: AudiencePayload['status'] } | undefined {
  const kith = isObject(record._kith) && isObject(record._kith.audienceMembership) ? record._kith.audienceMembership : undefined;
  if (kith && typeof kith.segmentId === 'string' && isStatus(kith.status)) return { segmentId: kith.segmentId, status: kith.status };
  const ups = isObject(record.segmentMembership) && isObject(record.segmentMembership.ups) ? record.segmentMembership.ups : undefined;
  for (const [segmentId, m] of Object.entries(ups ?? {})) if (isObject(m) && isStatus(m.status)) return { segmentId, status: m.status };
  return undefined;
}

export function item(sandboxId: string, kind: NewInboxItem['kind'], identity: IdentityRef, dedupeKey: string, payload: object, at: number): NewInboxItem {
  return { sandboxId, personKey: personKeyOf(identity), kind, dedupeKey, payload: JSON.stringify(payload), at };
}

const isStatus = (s: unknown): s is AudiencePayload['status'] => s === 'realized' || s === 'exited' || s === 'existing';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIdentity = (v: unknown): v is IdentityRef => isObject(v) && typeof v.namespace === 'string' && typeof v.id === 'string';
