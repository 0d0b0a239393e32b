import { isInt, isText, type RowShape } from '../../store/transfer.js';

/**
 * Durable state the source endpoints need across restarts: delivery ids already accepted (with a TTL covering the
 * senders' retry windows), the last `updated_at` applied per resource (out-of-order updates) and counters.
 * Every method is one statement whatever the number of keys (a request's messages are checked and remembered
 * together). Every adapter runs `sourceStateStoreContract`.
 */
export interface SourceStateStore {
  /** Which of these keys were accepted before and have not expired at `now`. */
  seen(keys: readonly string[], now: number): Promise<Set<string>>;
  /** Accepts keys until `now + ttlMs` (a key remembered again takes the new expiry). */
  remember(keys: readonly string[], now: number, ttlMs: number): Promise<void>;
  /** Forgets keys expired at `now`, at most `limit` of them (oldest expiry first); how many. */
  expire(now: number, limit: number): Promise<number>;
  lastVersion(key: string): Promise<number | undefined>;
  /** Moves a resource's last applied `updated_at` (never backwards). */
  recordVersion(key: string, updatedAt: number): Promise<void>;
  /** Adds to durable counters (e.g. requests refused for consent), all of them at once. */
  bump(by: Readonly<Record<string, number>>): Promise<void>;
  /** Counter values (0 for a counter never bumped). */
  counters(keys: readonly string[]): Promise<Record<string, number>>;
}

/** Rows of source state in a dump (store 'source-state'). */
export type SourceStateRow = { t: 'seen-key'; key: string; expiresAt: number } | { t: 'version'; key: string; updatedAt: number } | { t: 'counter'; key: string; n: number };

export const SOURCE_STATE_ROWS: Readonly<Record<string, RowShape>> = {
  'seen-key': { key: isText, expiresAt: isInt },
  version: { key: isText, updatedAt: isInt },
  counter: { key: isText, n: isInt },
};
