/** The streaming definitions and event types shared by bench/segment/streaming.ts and bench/segment/runtime.ts. */
export const EVENT_TYPES = ['commerce.purchases', 'commerce.productViews', 'commerce.productListAdds', 'web.webpagedetails.pageViews', 'commerce.checkouts'];

/** PROBE qualifies a fresh profile with one event (what the streaming bench times). */
export const PROBE_PQL = 'xEvent[eventType = "bench.probe"].exists()';

/**
 * `n` definitions, a realistic mix: counts in day and hour windows, sums, counts over a filtered value, spread over
 * the event types. Most events move a counter or a sum without changing any membership.
 */
export function benchDefinitions(n = 49): string[] {
  return Array.from({ length: n }, (_, i) => {
    const t = EVENT_TYPES[i % EVENT_TYPES.length]!;
    return [
      `xEvent[eventType = "${t}" and timestamp occurs <= ${1 + (i % 30)} days before now].count() >= ${3 + (i % 4)}`,
      `xEvent[eventType = "${t}"].sum(commerce.order.priceTotal) > ${300 + 50 * (i % 7)}`,
      `xEvent[eventType = "${t}" and commerce.order.priceTotal >= ${100 + i}].count() >= 3`,
      `xEvent[eventType = "${t}" and timestamp occurs <= ${1 + (i % 12)} hours before now].count() >= 4`,
    ][i % 4]!;
  });
}
