import type { GraphMember } from './identity-resolver.js';

/** One audience membership as the merged profile shows it: `segmentMembership.ups.<segmentId>`. */
export interface ProfileMembership {
  status: 'realized' | 'existing' | 'exited';
  /** ISO 8601 instant of the last transition. */
  lastQualificationTime: string;
  version: number;
}

/**
 * Where the profile's `segmentMembership.ups.*` comes from (owned by src/segment, which writes memberships in its own
 * store): the merged entity reads the memberships of its graph's identities at read time instead of membership
 * fragments being written into the profile store (one write per transition instead of two, in one transaction).
 */
export interface MembershipSource {
  /** Current memberships of a profile (the graph `members`, whose profile id is `entityId`), by segment id. */
  membershipsOf(sandboxId: string, members: GraphMember[], entityId: string): Map<string, ProfileMembership & { at: number }> | Promise<Map<string, ProfileMembership & { at: number }>>;
}
