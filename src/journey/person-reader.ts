import type { ProfileService } from '../profile/profile-service.js';
import type { SandboxRef } from '../profile/merge-policy-service.js';
import type { ComputedAttributeService } from '../profile/computed-attributes.js';
import type { IdentityRef } from '../profile/identity-resolver.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { allSandboxes } from '../sandbox/all-sandboxes.js';
import type { Person, PersonNeeds, PersonReader } from './journey-ports.js';
import { personKey } from './person-key.js';

/** How many of a person's newest events a condition can see (PQL `xEvent` conditions in a journey). */
const EVENTS = 50;

/**
 * The engine's view of a person, read from the Real-Time Customer Profile on the processor thread: the graph's
 * identities, the merged entity (default merge policy) with computed attributes and audience memberships, the
 * newest events. A person with no profile yet (an event whose profile step has not committed) is its own identity.
 */
export class ProfilePersonReader implements PersonReader {
  private readonly refs = new Map<string, SandboxRef>();

  constructor(
    private readonly profiles: ProfileService,
    private readonly cas: ComputedAttributeService,
    private readonly sandboxes: (sandboxId: string) => Promise<SandboxRef | undefined>,
  ) {}

  async read(sandboxId: string, identity: IdentityRef, needs: PersonNeeds = {}): Promise<Person> {
    const alone: Person = { personKeys: [personKey(identity)], profile: {}, segments: new Set(), events: [] };
    const sb = this.refs.get(sandboxId) ?? (await this.sandboxes(sandboxId));
    if (!sb) return alone;
    this.refs.set(sandboxId, sb);
    const r = await this.profiles.resolve(sb, identity);
    if (!r.ok) return alone;
    const keys = r.value.members.map(personKey);
    if (!keys.includes(personKey(identity))) keys.unshift(personKey(identity));
    // the feeds need the graph only; the merged entity and the events are the costly part of a read
    if (needs.profile === false) return { ...alone, personKeys: keys };
    const entity = await this.profiles.entityOf(sandboxId, r.value, { withCA: true }, await this.cas.list(sandboxId));
    const profile = entity.ok ? entity.value.entity : {};
    const segments = new Set<string>();
    const ups = (profile.segmentMembership as { ups?: Record<string, { status?: string }> } | undefined)?.ups ?? {};
    for (const [id, m] of Object.entries(ups)) if (m?.status === 'realized' || m?.status === 'existing') segments.add(id);
    const page = needs.events === false ? undefined : await this.profiles.getEvents(sb, identity, { limit: EVENTS, order: 'desc' });
    const events = page?.ok ? page.value.children.map((c) => ({ id: c.entityId, ts: c.timestamp, event: c.entity })).reverse() : [];
    return { personKeys: keys, profile, segments, events };
  }
}

/** Finds a sandbox by id across orgs (the processor knows sandbox ids only), cached. */
export function sandboxDirectory(resources: ResourceStore, clock: Clock): (sandboxId: string) => Promise<SandboxRef | undefined> {
  const known = new Map<string, SandboxRef>();
  return async (sandboxId) => {
    const hit = known.get(sandboxId);
    if (hit) return hit;
    for (const sb of await allSandboxes(resources, clock)) known.set(sb.id, { orgId: sb.orgId, sandbox: { id: sb.id, name: sb.name, type: sb.type, isDefault: sb.isDefault } });
    return known.get(sandboxId);
  };
}
