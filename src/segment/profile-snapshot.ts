import type { GraphMember, IdentityRef } from '../profile/identity-resolver.js';
import type { ProfileService } from '../profile/profile-service.js';
import type { FragmentStore } from '../profile/fragment-store.js';
import type { ComputedAttributeService } from '../profile/computed-attributes.js';
import type { SandboxRef } from './definition-service.js';

/** One merged profile as the batch evaluators see it. */
export interface SnapshotProfile {
  pid: string;
  top: GraphMember;
  members: GraphMember[];
  entity: Record<string, unknown>;
  events: Array<{ id: string; ts: number; event: Record<string, unknown> }>;
}

/**
 * Walks every profile of a sandbox once: the known identities are resolved to their graphs (deduplicated by
 * profile id), merged under the default merge policy (with computed attributes when asked), with the events of
 * every graph member (deduplicated by `_id`). Used by segment jobs, previews, estimates and exports.
 */
export async function* profileSnapshot(
  deps: { profiles: ProfileService; profileStore: FragmentStore; computedAttributes: ComputedAttributeService },
  sb: SandboxRef,
  refs: Iterable<IdentityRef>,
  opts: { withEvents: boolean; withCA: boolean; limit?: number },
): AsyncGenerator<SnapshotProfile> {
  const seen = new Set<string>();
  const caDefs = opts.withCA ? await deps.computedAttributes.list(sb.sandbox.id) : undefined;
  let n = 0;
  for (const ref of refs) {
    if (opts.limit !== undefined && n >= opts.limit) return;
    const r = await deps.profiles.resolve(sb as never, ref);
    if (!r.ok || seen.has(r.value.entityId)) continue;
    for (const m of r.value.members) seen.add(m.xid);
    seen.add(r.value.entityId);
    const e = await deps.profiles.entityOf(sb.sandbox.id, r.value, { withCA: opts.withCA }, caDefs);
    const events = opts.withEvents
      ? dedupe(await deps.profileStore.events(sb.sandbox.id, r.value.members, { order: 'asc', limit: deps.profiles.guardrails.maxEventsPerProfile * r.value.members.length }))
      : [];
    if (!e.ok && events.length === 0) continue;
    const top = r.value.members.find((m) => m.xid === r.value.entityId) ?? r.value.members[0]!;
    n++;
    yield { pid: r.value.entityId, top, members: r.value.members, entity: e.ok ? e.value.entity : {}, events };
  }
}

function dedupe(rows: Array<{ eventId: string; ts: number; event: Record<string, unknown> }>): SnapshotProfile['events'] {
  const byId = new Map<string, SnapshotProfile['events'][number]>();
  for (const r of rows) byId.set(r.eventId, { id: r.eventId, ts: r.ts, event: r.event });
  return [...byId.values()];
}
