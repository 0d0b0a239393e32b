import { SEP, type AttributeMerge, type Fragment } from './fragment-merge.js';

/** Where one merged attribute's value came from: the fragment that won the merge. */
export interface AttributeSource {
  datasetId: string;
  /** The identity of the fragment (`namespace:id`). */
  identity: string;
  /** The record's event time of this value (ISO-8601). */
  eventTime: string;
  /** When the fragment was last written (ISO-8601). */
  ingestedAt: string;
}

/**
 * For every attribute of the merged profile (dotted path), the fragment whose value won, by the same ranking as
 * `mergeFragments`: newest event time then latest write (`timestampOrdered`), or dataset order then event time
 * (`dataSetPrecedence`, datasets outside the order skipped); on a tie the later fragment wins, as in the merge.
 * identityMap is a union of every fragment and has no single source. Pure; computed only when asked for.
 */
export function provenanceOf(fragments: readonly Fragment[], merge: AttributeMerge): Record<string, AttributeSource> {
  const prec = merge.type === 'dataSetPrecedence' ? new Map(merge.order.map((d, i) => [d, merge.order.length - i])) : undefined;
  const best = new Map<string, { r1: number; r2: number; f: Fragment; ts: number }>();
  for (const f of fragments) {
    const rank = prec ? prec.get(f.datasetId) : 0;
    if (rank === undefined) continue;
    for (const p in f.leaves) {
      if (p === 'identityMap' || p.startsWith(`identityMap${SEP}`)) continue;
      const ts = f.leaves[p]![1];
      const r1 = prec ? rank : ts;
      const r2 = prec ? ts : f.updatedAt;
      const cur = best.get(p);
      if (!cur || r1 > cur.r1 || (r1 === cur.r1 && r2 >= cur.r2)) best.set(p, { r1, r2, f, ts });
    }
  }
  const out: Record<string, AttributeSource> = {};
  for (const [p, b] of best)
    out[p.split(SEP).join('.')] = { datasetId: b.f.datasetId, identity: `${b.f.namespace}:${b.f.id}`, eventTime: new Date(b.ts).toISOString(), ingestedAt: new Date(b.f.updatedAt).toISOString() };
  return out;
}
