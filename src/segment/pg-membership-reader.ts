import type pg from 'pg';
import { toPgText } from '../store/postgres/pg-text.js';
import type { MembershipRow } from './segment-store.js';
import type { MembershipReader } from './membership-view.js';
import { fromPgMembership, segmentTables } from './pg-segment-store.js';

/** Membership rows for profile lookups on PostgreSQL: the pool's connections, never the segment writer's unit. */
export class PgMembershipReader implements MembershipReader {
  private readonly sql: string;
  private readonly pageSql: string;

  /** The pool is the caller's; the tables are PgSegmentStore's (it creates them). */
  constructor(private readonly pool: pg.Pool, schema?: string) {
    this.sql = `SELECT * FROM ${segmentTables(schema).m} WHERE sandbox = $1 AND pid = ANY($2::text[])`;
    this.pageSql = `SELECT * FROM ${segmentTables(schema).m} WHERE sandbox = $1 AND pid > $2 AND segment = $3 AND status IN ('realized', 'existing') ORDER BY pid LIMIT $4`;
  }

  async membershipsOfPids(sandboxId: string, pids: readonly string[]): Promise<MembershipRow[]> {
    if (pids.length === 0) return [];
    const r = await this.pool.query(this.sql, [toPgText(sandboxId), pids.map(toPgText)]).catch((e: { code?: string }) => {
      // segmentation never ran against this database yet: no table, no memberships
      if (e.code === '42P01') return { rows: [] };
      throw e;
    });
    return r.rows.map(fromPgMembership);
  }

  async membersPage(sandboxId: string, segmentId: string, afterPid: string, limit: number): Promise<MembershipRow[]> {
    if (limit <= 0) return [];
    const r = await this.pool.query(this.pageSql, [toPgText(sandboxId), toPgText(afterPid), toPgText(segmentId), Math.floor(limit)]).catch((e: { code?: string }) => {
      if (e.code === '42P01') return { rows: [] };
      throw e;
    });
    return r.rows.map(fromPgMembership);
  }

  async close(): Promise<void> {}
}
