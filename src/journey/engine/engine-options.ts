import type { Clock } from '../../shared/clock.js';
import type { ActionRunner, JourneyDefinitions, PersonReader } from '../journey-ports.js';
import type { JourneyStore } from '../store/journey-store.js';

/** What the journey engine (runner.ts) is built from, and its tuning. */
export interface JourneyEngineOptions {
  /** Person keys handled at once (default 256). */
  concurrency?: number;
  /** How often due waits are looked for and the inbox polled (default 1,000 ms). */
  tickMs?: number;
  /**
   * Actions running at once (default 512): calls wait on their endpoint, not on this thread; 32 queued entries for
   * seconds at 1,000 entries/s (bench/journey unitary). An endpoint is protected by its action's `ratePerSecond`.
   */
  actionConcurrency?: number;
  /** Inbox items read per batch (default 2,000). */
  inboxBatch?: number;
}

export interface JourneyEngineDeps {
  store: JourneyStore;
  definitions: JourneyDefinitions;
  people: PersonReader;
  actions: ActionRunner;
  clock: Clock;
  onError: (error: unknown, context: string) => void;
  options?: JourneyEngineOptions;
  /** Instance ids (default: sortable by creation, see instance-ids.ts). */
  newId?: () => string;
}

/**
 * An action wait this engine runs is due this much later: the timer wheel does not read it again every tick while
 * the call runs (bench/journey unitary). A restarted engine's first pass reads this far ahead for the actions a
 * crash cut short.
 */
export const ACTION_LEASE_MS = 60_000;
/** Audience-read members handed out at once (two chunks of feeds.ts's 5,000). */
export const RUN_MEMBERS_IN_FLIGHT = 10_000;
