import type { GraphMember } from '../profile/identity-resolver.js';
import type { MembershipSource, ProfileMembership } from '../profile/membership-source.js';
import type { Statement } from 'better-sqlite3';
import { openSqlite, READER_CACHE_MIB, type SqliteDb } from '../store/sqlite/open.js';
import { rowToMembership, type MembershipRow, type MembershipRowData } from './segment-store.js';

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

const shown = (rows: Map<string, MembershipRow>): Map<string, ProfileMembership & { at: number }> => {
  const out = new Map<string, ProfileMembership & { at: number }>();
  for (const [id, m] of rows) out.set(id, { status: m.status, lastQualificationTime: new Date(m.lastQualificationTime).toISOString(), version: m.version, at: m.lastQualificationTime });
  return out;
};

/** Memberships by profile id, as a store answers them. */
export interface MembershipRows {
  membershipsOfPid(sandboxId: string, pid: string): MembershipRow[];
}

/** A profile's current memberships: the rows of every identity of its graph, one per segment (see above). */
export function membershipsAcross(store: MembershipRows, sandboxId: string, members: GraphMember[], pid: string): Map<string, MembershipRow> {
  if (members.length === 1) return currentMemberships(store.membershipsOfPid(sandboxId, members[0]!.xid), pid);
  return currentMemberships(members.flatMap((m) => store.membershipsOfPid(sandboxId, m.xid)), pid);
}

/**
 * What the profile shows as `segmentMembership.ups`, from segmentation's rows: the SegmentStore itself on its own
 * thread (inline pipelines, the worker), a SegmentDbMembershipRows read connection elsewhere.
 */
export class StoreMembershipSource implements MembershipSource {
  constructor(private readonly store: MembershipRows) {}

  membershipsOf(sandboxId: string, members: GraphMember[], entityId: string): Map<string, ProfileMembership & { at: number }> {
    return shown(membershipsAcross(this.store, sandboxId, members, entityId));
  }
}

/**
 * Membership rows read from `segment.db` by another thread than its writer (the processor, which serves the
 * entities API): a read connection (WAL: readers see the last commit and never wait for the writer).
 */
export class SegmentDbMembershipRows implements MembershipRows {
  private readonly db: SqliteDb;
  private stmt: Statement<[string, string], MembershipRowData> | undefined;

  constructor(dataDir: string) {
    this.db = openSqlite(dataDir, 'segment', { cacheMiB: READER_CACHE_MIB });
  }

  membershipsOfPid(sandboxId: string, pid: string): MembershipRow[] {
    return this.statement()?.all(sandboxId, pid).map(rowToMembership) ?? [];
  }

  /** Prepared once the writer has created the table (it does before the first membership exists). */
  private statement(): Statement<[string, string], MembershipRowData> | undefined {
    if (this.stmt) return this.stmt;
    try {
      this.stmt = this.db.prepare<[string, string], MembershipRowData>('SELECT * FROM membership WHERE sandbox=? AND pid=?');
    } catch {
      return undefined;
    }
    return this.stmt;
  }

  close(): void {
    this.db.close();
  }
}
