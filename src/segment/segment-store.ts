import type { IdentityRef } from '../profile/identity-resolver.js';
import type { MembershipStatus } from './segment-types.js';

export interface MembershipRow {
  segmentId: string;
  /** Profile id: the XID of the graph's highest-priority identity when the membership was written. */
  pid: string;
  /** The profile's entity identity when the membership was written (audience events are keyed by it). */
  ref: IdentityRef;
  status: MembershipStatus;
  lastQualificationTime: number;
  version: number;
}

/** A projected ExperienceEvent of the streaming runtime's incremental state (see StateCache). */
export interface StateEvent {
  id: string;
  ts: number;
  event: Record<string, unknown>;
}

export interface OutboxRow {
  seq: number;
  sandboxId: string;
  ts: number;
  record: string;
  /** The event's `_id`. */
  id: string;
}

export interface DueTimer {
  sandboxId: string;
  ref: IdentityRef;
  due: number;
}

/**
 * What the evaluation reads and writes inside a unit of work, synchronously (the evaluation itself is synchronous).
 * Writes are valid only between `begin()` and `commit()` on adapters that buffer them (PostgreSQL); reads answer
 * what `prefetch` loaded, with the unit's own writes on top.
 */
export interface SegmentUnitView {
  membershipsOfPid(sandboxId: string, pid: string): MembershipRow[];
  putMembership(sandboxId: string, m: MembershipRow): void;
  deleteMembership(sandboxId: string, segmentId: string, pid: string): void;
  addOutbox(sandboxId: string, ts: number, record: Record<string, unknown> & { _id: string }): void;
  timerOf(sandboxId: string, ref: IdentityRef): number | undefined;
  /** `undefined` removes the timer. */
  setTimer(sandboxId: string, ref: IdentityRef, due: number | undefined): void;
  /** Runs `fn` atomically within the unit (a throw undoes only its writes). */
  transaction<T>(fn: () => T): T;
}

/**
 * Segmentation's own storage: memberships per (sandbox, profile id, segment), timers (when a profile's membership
 * may change by time alone), the outbox of audience-membership events (flushed to the lake exactly once by sequence
 * number), an open/closed mark (recovery after an unclean stop) and the sandboxes that have definitions.
 *
 * Unit of work: `begin()` … `commit()` (or `rollback()`, which also drops every read cache) spans one runtime step
 * (StreamingRuntime.exclusive); one transaction each. Before the synchronous reads of a profile, `prefetch` loads
 * what they need; it answers undefined when there is nothing to wait for (SQLite reads on demand), so the embedded
 * hot path takes no extra turn of the event loop.
 */
export interface SegmentStore extends SegmentUnitView {
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  prefetch(sandboxId: string, pids: readonly string[], refs: readonly IdentityRef[]): Promise<void> | undefined;

  /** Every membership row of these profile ids (committed). */
  membershipsOfPids(sandboxId: string, pids: readonly string[]): Promise<MembershipRow[]>;
  /** Current members (realized or existing), by profile id. */
  members(sandboxId: string, segmentId: string): Promise<MembershipRow[]>;
  /** Every membership row of a segment, exited included, by profile id. */
  memberships(sandboxId: string, segmentId: string): Promise<MembershipRow[]>;
  /** Rows per status per segment. */
  counts(sandboxId: string): Promise<Map<string, Record<string, number>>>;
  dropSegment(sandboxId: string, segmentId: string): Promise<void>;

  /** Timers due at `now`, oldest first. */
  dueTimers(now: number, max?: number): Promise<DueTimer[]>;
  nextDue(): Promise<number | undefined>;

  /** Outbox rows after `afterSeq`, in sequence order. */
  readOutbox(afterSeq: number, max: number): Promise<OutboxRow[]>;
  /** The oldest sequence number still in the outbox (1 when it is empty). */
  firstOutboxSeq(): Promise<number>;
  /** Removes rows up to `upToSeq`; the newest row always stays (sequence numbers never go back). */
  trimOutbox(upToSeq: number): Promise<void>;

  /**
   * Marks the store open; true when it already was (the last process did not close it: it crashed or was killed,
   * so profile changes it had been handed may never have been evaluated).
   */
  markOpen(): Promise<boolean>;
  /** Marks a clean stop (every change handed over was evaluated and committed). */
  markClosed(): Promise<void>;
  /** Remembers a sandbox that has definitions (its profiles are re-evaluated after an unclean stop). */
  rememberSandbox(sandboxId: string): Promise<void>;
  activeSandboxes(): Promise<string[]>;

  close(): Promise<void>;
}

/** A membership row as stored. */
export type MembershipRowData = { segment: string; pid: string; ns: string; id: string; status: string; qualified_at: number; version: number };
export const rowToMembership = (r: MembershipRowData): MembershipRow => ({
  segmentId: r.segment,
  pid: r.pid,
  ref: { namespace: r.ns, id: r.id },
  status: r.status as MembershipStatus,
  lastQualificationTime: r.qualified_at,
  version: r.version,
});

/** Cache keys shared by the adapters. */
export const pidKey = (sandboxId: string, pid: string): string => `${sandboxId}\u0000${pid}`;
export const timerKey = (sandboxId: string, ref: IdentityRef): string => `${sandboxId}\u0000${ref.namespace}\u0000${ref.id}`;
