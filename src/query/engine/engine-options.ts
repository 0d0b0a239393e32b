import { envNumber } from '../../shared/env-number.js';

/** The engine's limits (environment, with the defaults in README's tuning table). */
export interface EngineOptions {
  /** Statement timeout ceiling (KITH_QUERY_TIMEOUT_MS, default 600000 = AEP's 10 minutes); a session's `statement_timeout` can only lower it. */
  timeoutMs: number;
  /** Statements executing at once across all sessions (KITH_QUERY_CONCURRENCY, default 2); the others wait, their wait counted in their timeout. */
  concurrency: number;
  /** `fetch(…, 0)` returns once this many bytes of DataRows are ready, `suspended` (the wire keeps fetching): a big result never sits whole in memory. */
  maxBytesPerFetch: number;
  /** `fetchJson(…, 0)` returns at most this many rows per call, `suspended`. */
  maxJsonRowsPerFetch: number;
  /** Idle DuckDB connections a session keeps (one more per portal open at the same time). */
  idleConnectionsPerSession: number;
}

export function engineOptionsFromEnv(): EngineOptions {
  return {
    timeoutMs: envNumber('KITH_QUERY_TIMEOUT_MS', 600_000, { min: 1, integer: true }),
    concurrency: envNumber('KITH_QUERY_CONCURRENCY', 2, { min: 1, integer: true }),
    maxBytesPerFetch: 2 * 1024 * 1024,
    maxJsonRowsPerFetch: 10_000,
    idleConnectionsPerSession: 2,
  };
}
