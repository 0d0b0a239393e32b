import type { Outcome, Pipeline } from './pipeline.js';

export interface RunGroupedOptions {
  /** How many keys are processed at the same time (≥ 1). */
  concurrency: number;
}

/**
 * Runs `items` through `pipeline`, IN ORDER PER KEY and CONCURRENTLY ACROSS KEYS.
 *
 * Ordering guarantee:
 * - Items with the same key (`keyOf(item)`, e.g. the primary identity) go through the whole pipeline one after
 *   the other, in the order they have in `items`: item n+1 of a key starts its first step only after item n of
 *   that key has finished its last step (or stopped with drop/deadLetter). A slow step for key A therefore delays
 *   only A's later items, never reorders them.
 * - Different keys run concurrently, at most `concurrency` keys at a time; no order holds between keys.
 * - `keyOf` returning `undefined` means "no ordering needed": the item is its own group.
 * - The returned array is in the order of `items` (outcome i belongs to item i), whatever the completion order.
 * - If a step throws (an infrastructure fault), no further items are started, the items in flight finish, and
 *   the promise rejects with the first error; the caller retries the whole range (steps must be idempotent).
 */
export async function runGrouped<T, O>(
  items: readonly T[],
  keyOf: (item: T) => string | undefined,
  pipeline: Pipeline<T, O>,
  opts: RunGroupedOptions,
): Promise<Array<Outcome<O>>> {
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${opts.concurrency}`);
  const groups: number[][] = [];
  const byKey = new Map<string, number[]>();
  items.forEach((item, i) => {
    const k = keyOf(item);
    if (k === undefined) {
      groups.push([i]);
      return;
    }
    let g = byKey.get(k);
    if (!g) {
      g = [];
      byKey.set(k, g);
      groups.push(g);
    }
    g.push(i);
  });

  const out = new Array<Outcome<O>>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < groups.length) {
      const g = groups[next++]!;
      for (const i of g) {
        if (failure) return;
        try {
          out[i] = await pipeline.run(items[i]!);
        } catch (error) {
          failure ??= { error };
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, groups.length) }, worker));
  if (failure) throw failure.error;
  return out;
}
