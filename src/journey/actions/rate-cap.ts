import type { Clock } from '../../shared/clock.js';

/**
 * Per-endpoint rate cap: a token bucket per (sandbox, URL origin), shared by every journey of the sandbox. The
 * bucket holds one second's worth of calls (at least one) and refills continuously at `ratePerSecond`. A refused
 * call is not made (the caller reports `capping`).
 */
export class RateCap {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    /** Buckets kept at most; the least recently used go first (a full bucket forgets nothing worth keeping). */
    private readonly maxBuckets = 10_000,
  ) {}

  /** Takes a token for a call to `origin`; false when the cap refuses it. No rate (or not positive/finite) → always true. */
  take(sandboxId: string, origin: string, ratePerSecond: number | undefined): boolean {
    if (ratePerSecond === undefined || !Number.isFinite(ratePerSecond) || ratePerSecond <= 0) return true;
    const key = `${sandboxId}\u0000${origin}`;
    const now = this.clock.now();
    const capacity = Math.max(1, ratePerSecond);
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: capacity, at: now };
    } else {
      this.buckets.delete(key); // re-inserted below: Map order is recency
      const elapsed = Math.max(0, now - b.at);
      b = { tokens: Math.min(capacity, b.tokens + (elapsed * ratePerSecond) / 1000), at: now };
    }
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxBuckets) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/** The cap's key for a URL: its origin (scheme, host, port). */
export function endpointOf(url: URL): string {
  return url.origin;
}
