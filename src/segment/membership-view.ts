import type { GraphMember } from '../profile/identity-resolver.js';
import type { MembershipSource, ProfileMembership } from '../profile/membership-source.js';
import type { MembershipRow } from './segment-store.js';

/**
 * A profile's current membership per segment, from the rows of its graph's identities: rows may sit under an
 * older profile id after a graph merge (they are re-keyed at the next evaluation). The row under the current profile
 * id wins, else the newest transition.
 */
export function currentMemberships(rows: Iterable<MembershipRow>, pid: string): Map<string, MembershipRow> {
  const out = new Map<string, MembershipRow>();
  for (const row of rows) {
    const cur = out.get(row.segmentId);
    if (!cur || (cur.pid !== pid && (row.pid === pid || row.lastQualificationTime > cur.lastQualificationTime))) out.set(row.segmentId, row);
  }
  return out;
}

export type ShownMembership = ProfileMembership & { at: number };

const shown = (rows: Map<string, MembershipRow>): Map<string, ShownMembership> => {
  const out = new Map<string, ShownMembership>();
  for (const [id, m] of rows) out.set(id, { status: m.status, lastQualificationTime: new Date(m.lastQualificationTime).toISOString(), version: m.version, at: m.lastQualificationTime });
  return out;
};

/** Memberships by profile id, answered synchronously (the segment store's unit view, a SQLite reader). */
export interface MembershipRows {
  membershipsOfPid(sandboxId: string, pid: string): MembershipRow[];
}

/**
 * The read port of memberships for profile lookups: committed rows of some profile ids, from any thread (SQLite: a
 * read connection of its own, WAL; PostgreSQL: the pool). Never waits for segmentation's writer.
 */
export interface MembershipReader {
  membershipsOfPids(sandboxId: string, pids: readonly string[]): Promise<MembershipRow[]>;
  /** Current members (realized or existing) of a segment with a profile id after `afterPid`, by profile id, at most `limit` (journeys' audience reads). */
  membersPage(sandboxId: string, segmentId: string, afterPid: string, limit: number): Promise<MembershipRow[]>;
  close(): Promise<void>;
}

/** A profile's current memberships: the rows of every identity of its graph, one per segment (see above). */
export function membershipsAcross(store: MembershipRows, sandboxId: string, members: GraphMember[], pid: string): Map<string, MembershipRow> {
  if (members.length === 1) return currentMemberships(store.membershipsOfPid(sandboxId, members[0]!.xid), pid);
  return currentMemberships(members.flatMap((m) => store.membershipsOfPid(sandboxId, m.xid)), pid);
}

/** What the profile shows as `segmentMembership.ups`, read through the read port (one query per profile). */
export async function readMemberships(reader: MembershipReader, sandboxId: string, members: GraphMember[], pid: string): Promise<Map<string, ShownMembership>> {
  return shown(currentMemberships(await reader.membershipsOfPids(sandboxId, members.map((m) => m.xid)), pid));
}

/**
 * What the profile shows as `segmentMembership.ups`, from segmentation's rows answered synchronously: the
 * SegmentStore's unit view on its own thread (inline pipelines, the worker), a SqliteMembershipReader elsewhere.
 */
export class StoreMembershipSource implements MembershipSource {
  constructor(private readonly store: MembershipRows & { prefetch?(sandboxId: string, pids: readonly string[], refs: readonly []): Promise<void> | undefined }) {}

  membershipsOf(sandboxId: string, members: GraphMember[], entityId: string): Map<string, ShownMembership> | Promise<Map<string, ShownMembership>> {
    // a store that answers from what it loaded (PostgreSQL) loads the graph's profile ids first; SQLite reads on demand
    const loading = this.store.prefetch?.(sandboxId, members.map((m) => m.xid), []);
    if (loading) return loading.then(() => shown(membershipsAcross(this.store, sandboxId, members, entityId)));
    return shown(membershipsAcross(this.store, sandboxId, members, entityId));
  }
}

/** What the profile shows as `segmentMembership.ups`, through the read port (any thread; SQLite or PostgreSQL). */
export class ReaderMembershipSource implements MembershipSource {
  constructor(private readonly reader: MembershipReader) {}

  membershipsOf(sandboxId: string, members: GraphMember[], entityId: string): Promise<Map<string, ShownMembership>> {
    return readMemberships(this.reader, sandboxId, members, entityId);
  }
}
