import type { SourceOutput } from '../shared/xdm-output.js';

export type OrderingVerdict = 'newer' | 'same' | 'stale' | 'unversioned';

/**
 * Pure decision: is an update with `incomingUpdatedAt` stale given the last applied `updated_at` (epoch ms) of the
 * same resource? Deliveries are unordered, so an older `orders/updated` arriving late must not overwrite state.
 */
export function judgeUpdate(lastSeen: number | undefined, incoming: number | undefined): OrderingVerdict {
  if (incoming === undefined) return 'unversioned';
  if (lastSeen === undefined || incoming > lastSeen) return 'newer';
  return incoming === lastSeen ? 'same' : 'stale';
}

/**
 * What to keep of a mapped output given the verdict: stale updates keep their (immutable, deterministically-id'd)
 * events, which are history, but drop profile records so they never overwrite newer state.
 */
export function applyVerdict(output: SourceOutput, verdict: OrderingVerdict): SourceOutput {
  return verdict === 'stale' ? { ...output, profiles: [] } : output;
}

/** In-memory last-`updated_at` per resource key (reference implementation; the HTTP layer persists it). */
export class OrderingGuard {
  private readonly last = new Map<string, number>();

  /** Judges and, when the update is newer, records it. */
  observe(resourceKey: string, updatedAt: number | undefined): OrderingVerdict {
    const verdict = judgeUpdate(this.last.get(resourceKey), updatedAt);
    if (verdict === 'newer') this.last.set(resourceKey, updatedAt!);
    return verdict;
  }

  lastSeen(resourceKey: string): number | undefined {
    return this.last.get(resourceKey);
  }
}
