import type { GraphMember } from '../profile/identity-resolver.js';
import type { MembershipSource, ProfileMembership } from '../profile/membership-source.js';
import type { Statement } from 'better-sqlite3';
import { openSqlite, type SqliteDb } from '../store/sqlite/open.js';
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

/** The profile's memberships read from segmentation's store on the same thread (inline pipelines, the worker). */
export class StoreMembershipSource implements MembershipSource {
  constructor(private readonly store: MembershipRows) {}

  membershipsOf(sandboxId: string, members: GraphMember[], entityId: string): Map<string, ProfileMembership & { at: number }> {
    const rows: MembershipRow[] = [];
    for (const m of members) rows.push(...this.store.membershipsOfPid(sandboxId, m.xid));
    return shown(currentMemberships(rows, entityId));
  }
}

/**
 * The profile's memberships read from `segment.db` by another thread than its writer (the processor, which serves
 * the entities API): a read connection (WAL: readers see the last commit and never wait for the writer).
 */
export class SegmentDbMembershipReader implements MembershipSource {
  private readonly db: SqliteDb;
  private stmt: Statement<[string, string], MembershipRowData> | undefined;

  constructor(dataDir: string) {
    this.db = openSqlite(dataDir, 'segment');
  }

  membershipsOf(sandboxId: string, members: GraphMember[], entityId: string): Map<string, ProfileMembership & { at: number }> {
    const stmt = this.statement();
    if (!stmt) return new Map();
    const rows: MembershipRow[] = [];
    for (const m of members) for (const r of stmt.all(sandboxId, m.xid)) rows.push(rowToMembership(r));
    return shown(currentMemberships(rows, entityId));
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
