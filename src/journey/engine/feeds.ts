import { createHash } from 'node:crypto';
import type { IdentityRef } from '../../profile/identity-resolver.js';
import type { PersonReader } from '../journey-ports.js';
import type { NewInboxItem } from '../store/journey-store.js';
import { audienceTransitionOf, identitiesOf, item, personKeyOf, type AudiencePayload, type AudienceRunPayload, type EventPayload } from './inbox-items.js';
import type { SandboxIndex } from './input-index.js';

/**
 * Raw inputs → inbox items. An input concerns a person once per identity namespace some live version keys on: one
 * item per person key (dedupeKey `<_id>@<personKey>`: the same event re-delivered is enqueued once per key). The key's
 * identity comes from the record's identityMap; when the namespace is missing there, from the person's graph.
 */
export async function eventItems(sandboxId: string, records: readonly Record<string, unknown>[], ix: SandboxIndex, people: PersonReader, at: number): Promise<NewInboxItem[]> {
  const out: NewInboxItem[] = [];
  for (const event of records) {
    if (!event || typeof event !== 'object' || typeof event._id !== 'string' || typeof event.eventType !== 'string') continue;
    const namespaces = ix.eventNamespaces.get(event.eventType);
    if (!namespaces) continue;
    for (const identity of await keysFor(sandboxId, identitiesOf(event), namespaces, people)) {
      const payload: EventPayload = { identity, event };
      out.push(item(sandboxId, 'event', identity, `${event._id}@${personKeyOf(identity)}`, payload, at));
    }
  }
  return out;
}

export async function audienceItems(sandboxId: string, records: readonly Record<string, unknown>[], ix: SandboxIndex, people: PersonReader, at: number): Promise<NewInboxItem[]> {
  const out: NewInboxItem[] = [];
  for (const record of records) {
    if (!record || typeof record !== 'object' || typeof record._id !== 'string') continue;
    const t = audienceTransitionOf(record);
    const namespaces = t && ix.audienceNamespaces.get(t.segmentId);
    if (!t || !namespaces) continue;
    for (const identity of await keysFor(sandboxId, identitiesOf(record), namespaces, people)) {
      const payload: AudiencePayload = { identity, eventId: record._id, segmentId: t.segmentId, status: t.status, record };
      out.push(item(sandboxId, 'audience', identity, `${record._id}@${personKeyOf(identity)}`, payload, at));
    }
  }
  return out;
}

/**
 * An audience read's members in chunks, one inbox item per chunk (one row instead of one per member: bench/journey
 * batch). dedupeKey `<runId>:<digest of the chunk's members>`: a replayed run enqueues a chunk again only when its
 * members changed, and the members of such a chunk already entered by the run are not entered twice (the instance
 * carries `runId`).
 */
export async function* audienceRunItems(
  sandboxId: string, journeyId: string, versionId: string, runId: string, members: Iterable<IdentityRef> | AsyncIterable<IdentityRef>, at: number, size = 5000,
): AsyncGenerator<{ item: NewInboxItem; members: number }> {
  let chunk: IdentityRef[] = [];
  const out = () => {
    const digest = createHash('sha256');
    for (const m of chunk) digest.update(personKeyOf(m)).update('\n');
    const payload: AudienceRunPayload = { journeyId, versionId, runId, members: chunk };
    const r = { item: { sandboxId, personKey: `run:${runId}`, kind: 'audienceRun' as const, dedupeKey: `${runId}:${digest.digest('base64url')}`, payload: JSON.stringify(payload), at }, members: chunk.length };
    chunk = [];
    return r;
  };
  for await (const m of members) {
    chunk.push({ namespace: m.namespace, id: m.id });
    if (chunk.length >= size) yield out();
  }
  if (chunk.length) yield out();
}

/** One identity per wanted namespace (lower-case), from the record first, else from the person's graph. */
async function keysFor(sandboxId: string, ids: IdentityRef[], namespaces: Set<string>, people: PersonReader): Promise<IdentityRef[]> {
  if (ids.length === 0) return [];
  const out: IdentityRef[] = [];
  const missing = new Set(namespaces);
  for (const id of ids) {
    const ns = id.namespace.toLowerCase();
    if (missing.delete(ns)) out.push(id);
  }
  if (missing.size > 0) {
    const person = await people.read(sandboxId, ids[0]!, { profile: false, events: false });
    for (const key of person.personKeys ?? []) {
      const i = key.indexOf(':');
      const ns = key.slice(0, i).toLowerCase();
      if (i > 0 && missing.delete(ns)) out.push({ namespace: key.slice(0, i), id: key.slice(i + 1) });
    }
  }
  return out;
}
