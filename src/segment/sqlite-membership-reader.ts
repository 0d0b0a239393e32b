import type { Statement } from 'better-sqlite3';
import type { SqliteDb } from '../store/sqlite/open.js';
import { rowToMembership, type MembershipRow, type MembershipRowData } from './segment-store.js';
import { MEMBERSHIPS_OF_PIDS_SQL } from './sqlite-segment-store.js';
import type { MembershipReader, MembershipRows } from './membership-view.js';

/**
 * Membership rows read from `segment.db` by another thread than its writer (the processor, which serves the
 * entities API): a read connection (WAL: readers see the last commit and never wait for the writer). Answers
 * synchronously too (MembershipRows), for the profile's synchronous MembershipSource.
 */
export class SqliteMembershipReader implements MembershipReader, MembershipRows {
  private readonly db: SqliteDb;
  private stmts:
    | { one: Statement<[string, string], MembershipRowData>; many: Statement<[string, string], MembershipRowData>; page: Statement<[string, string, string, number], MembershipRowData> }
    | undefined;

  /** `db`: a connection of segment.db of this thread (opened by the storage factory with a reader's cache). */
  constructor(db: SqliteDb) {
    this.db = db;
  }

  membershipsOfPid(sandboxId: string, pid: string): MembershipRow[] {
    return this.statements()?.one.all(sandboxId, pid).map(rowToMembership) ?? [];
  }

  async membershipsOfPids(sandboxId: string, pids: readonly string[]): Promise<MembershipRow[]> {
    if (pids.length === 1) return this.membershipsOfPid(sandboxId, pids[0]!);
    return pids.length === 0 ? [] : (this.statements()?.many.all(sandboxId, JSON.stringify(pids)).map(rowToMembership) ?? []);
  }

  async membersPage(sandboxId: string, segmentId: string, afterPid: string, limit: number): Promise<MembershipRow[]> {
    if (limit <= 0) return [];
    return this.statements()?.page.all(sandboxId, afterPid, segmentId, Math.floor(limit)).map(rowToMembership) ?? [];
  }

  /** Prepared once the writer has created the table (it does before the first membership exists). */
  private statements() {
    if (this.stmts) return this.stmts;
    try {
      this.stmts = {
        one: this.db.prepare<[string, string], MembershipRowData>('SELECT * FROM membership WHERE sandbox=? AND pid=?'),
        many: this.db.prepare<[string, string], MembershipRowData>(MEMBERSHIPS_OF_PIDS_SQL),
        // the primary key is (sandbox, pid, segment): a range over pids, the segment filtered on the way
        page: this.db.prepare<[string, string, string, number], MembershipRowData>(
          "SELECT * FROM membership WHERE sandbox=? AND pid>? AND segment=? AND status IN ('realized','existing') ORDER BY pid LIMIT ?",
        ),
      };
    } catch {
      return undefined;
    }
    return this.stmts;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
