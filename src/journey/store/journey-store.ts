import type { JourneyInstance, StepEvent } from '../journey-types.js';

/**
 * The journey engine's state behind one small async port (adapters: `sqlite-journey-store.ts` in the data
 * directory's `journey.db`, `pg-journey-store.ts` in `kith_journey_*` tables; both run `journey-store.contract.ts`).
 *
 * - **Inbox**: every input (an event, an audience transition, a member of an audience read, a test run) is enqueued
 *   durably before the engine acts on it, deduplicated per (sandbox, dedupeKey) so a re-delivered input (the
 *   processor replays the ingest log after a crash) is enqueued once. The engine consumes it in seq order per
 *   person key.
 * - **Instances**: one per (journey, person key) while active; ended ones are kept (re-entrance, a person's
 *   journeys, reporting). An instance that waits (a timer, an event with a timeout, an action to run) is due at
 *   `wait.due`; `due(now)` is the durable timer wheel.
 * - **Step-event outbox**: the step events of a unit, committed with the unit's state, then copied to the lake
 *   exactly once (the lake's consumer progress is the seq of the last copied row) and trimmed.
 *
 * Every write of one engine step is ONE `commit` (a transaction): what the instance is, what it emitted and what it
 * consumed change together, so a crash (kill -9) replays whole steps or none.
 */
export interface InboxItem {
  seq: number;
  sandboxId: string;
  /** The person the input concerns (`namespace:id`); the engine handles one key's items in seq order. */
  personKey: string;
  kind: 'event' | 'audience' | 'readAudience' | 'audienceRun' | 'test';
  /** Unique per input within the sandbox (an event's `_id`, a transition's event `_id`, `<run>:<chunk digest>`). */
  dedupeKey: string;
  /** JSON text. */
  payload: string;
  at: number;
}

export type NewInboxItem = Omit<InboxItem, 'seq'>;

export interface OutboxRow {
  seq: number;
  event: StepEvent;
}

/** The writes of one engine step (or of a batch of steps), applied in one transaction. */
export interface JourneyUnit {
  /** Inserted or replaced by id. */
  instances?: JourneyInstance[];
  /** Appended to the outbox in this order. */
  stepEvents?: StepEvent[];
  /** Inbox items handled by this unit (marked consumed; trimmed later). */
  consumed?: number[];
  /** Named cursors (e.g. how far the audience-event table was read), set to these values. */
  cursors?: Record<string, number>;
}

export interface InstanceQuery {
  status?: 'active' | 'ended';
  limit?: number;
  /** Paging: instances whose id sorts after this. */
  after?: string;
}

export interface JourneyStore {
  /** Enqueues inputs, skipping those whose (sandboxId, dedupeKey) was enqueued before (consumed or not). Answers how many were new. */
  enqueue(items: readonly NewInboxItem[]): Promise<number>;
  /** Unconsumed items with seq > afterSeq, in seq order. */
  readInbox(afterSeq: number, limit: number): Promise<InboxItem[]>;
  /** Forgets consumed items enqueued before `before` (their dedupe keys too: inputs older than that are not replayed). */
  trimInbox(before: number): Promise<number>;

  instance(id: string): Promise<JourneyInstance | undefined>;
  /** Every instance (active and ended) of these person keys in the sandbox, oldest entry first. */
  instancesOf(sandboxId: string, personKeys: readonly string[]): Promise<JourneyInstance[]>;
  /** The active instance of a journey (any version) for a person key, if any. */
  activeInstance(sandboxId: string, journeyId: string, personKey: string): Promise<JourneyInstance | undefined>;
  /** The most recent instance (by entry) of a journey for a person key, active or ended. */
  lastInstance(sandboxId: string, journeyId: string, personKey: string): Promise<JourneyInstance | undefined>;
  /** `lastInstance` for many person keys in one read (an inbox batch of an audience read): keys without one are absent. */
  lastInstances(sandboxId: string, journeyId: string, personKeys: readonly string[]): Promise<Map<string, JourneyInstance>>;
  /** Instances of a version, by id. */
  instancesOfVersion(sandboxId: string, versionId: string, q?: InstanceQuery): Promise<JourneyInstance[]>;
  /** Active instances with a wait due at or before `now`, earliest first. */
  due(now: number, limit: number): Promise<JourneyInstance[]>;
  /** The earliest due of any active instance with a wait, if any. */
  nextDue(): Promise<number | undefined>;

  /** Applies a unit atomically. */
  commit(unit: JourneyUnit): Promise<void>;

  /** Outbox rows with seq > afterSeq, in seq order. */
  readOutbox(afterSeq: number, limit: number): Promise<OutboxRow[]>;
  /** Removes outbox rows with seq <= upTo. */
  trimOutbox(upTo: number): Promise<void>;
  /** A named cursor's value (0 when never set). */
  cursor(name: string): Promise<number>;

  close(): Promise<void>;
}
