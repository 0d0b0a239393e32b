import type { IdentityRef } from '../../profile/identity-resolver.js';
import type { Person } from '../journey-ports.js';
import type { JourneyInstance, JourneyVersion } from '../journey-types.js';
import type { InboxItem, NewInboxItem } from '../store/journey-store.js';
import { item, type AudiencePayload, type DirectEntryPayload, type EventPayload } from './inbox-items.js';
import type { EnterInput } from './interpreter.js';

/** Inbox payloads → the interpreter's entry inputs, and the inbox item of a jump. */

export const unique = (xs: string[]): string[] => [...new Set(xs)];
export const sameNs = (ns: string, id: IdentityRef): boolean => typeof ns === 'string' && ns.toLowerCase() === id.namespace.toLowerCase();

/** The person's identity in `namespace` (their graph's keys), if any. */
export function keyIn(person: Person | undefined, namespace: string): IdentityRef | undefined {
  for (const k of person?.personKeys ?? []) {
    const i = k.indexOf(':');
    if (i > 0 && k.slice(0, i).toLowerCase() === namespace.toLowerCase()) return { namespace: k.slice(0, i), id: k.slice(i + 1) };
  }
  return undefined;
}

export function enterOf(p: EventPayload, it: InboxItem): EnterInput {
  const eventId = typeof p.event._id === 'string' ? p.event._id : it.dedupeKey;
  return { kind: 'enter', source: 'event', instanceId: '', identity: p.identity, personKey: it.personKey, trigger: p.event, eventId, eventName: String(p.event.eventType) };
}

export function audienceEnter(p: AudiencePayload, it: InboxItem): EnterInput {
  return { kind: 'enter', source: 'audience', instanceId: '', identity: p.identity, personKey: it.personKey, eventId: 'audience', segmentStatus: p.status, ...(p.record ? { trigger: p.record } : {}) };
}

/** The direct entry a jump asks for: the person's key in the target's namespace (else the same identity), deduped per jumping instance. */
export function jumpItem(from: JourneyInstance, target: JourneyVersion, person: Person | undefined, at: number): NewInboxItem {
  const identity = keyIn(person, target.definition.entry.namespace) ?? from.identity;
  const payload: DirectEntryPayload = { identity, journeyId: target.journeyId, versionId: target.id, source: 'jump', ...(from.trigger ? { trigger: from.trigger } : {}) };
  return item(from.sandboxId, 'readAudience', identity, `jump:${from.id}`, payload, at);
}
