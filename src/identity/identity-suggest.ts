/**
 * "Did you mean …?" for identity values: the identities of a sandbox nearest to what an agent typed (an email with a
 * typo, a phone written another way, a CRM id missing a digit), for the console's search when a lookup finds nothing.
 * A pure scan over the graph's nodes: values are folded (case, spaces and phone punctuation), then ranked by an
 * edit distance bounded by the query's length (exact first, then typos, then values that contain the query).
 */

export interface SuggestNode {
  ns: string;
  id: string;
  xid: string;
}

export interface IdentitySuggestion {
  namespace: string;
  id: string;
  xid: string;
  /** exact (after folding), typo (within the edit distance), contains (the value holds the query) */
  match: 'exact' | 'typo' | 'contains';
  /** edit distance between the folded query and the folded value (0 for exact) */
  distance: number;
}

export interface SuggestOptions {
  /** Only identities of this namespace (code, case-insensitive). */
  namespace?: string;
  /** At most this many suggestions (default 10). */
  limit?: number;
}

/** Case, surrounding and inner white space, and the punctuation people type in phone numbers do not matter. */
export function foldIdentity(v: string): string {
  return v.toLowerCase().replace(/[\s()\-+]/g, '');
}

/** Typos allowed for a query of this length: 1 up to 4 characters, 2 up to 8, then 3. */
export const maxTypos = (len: number): number => (len <= 4 ? 1 : len <= 8 ? 2 : 3);

/**
 * Optimal-string-alignment distance (insert, delete, substitute, swap two neighbours), or `max + 1` as soon as it
 * must exceed `max` (the scan stays linear in practice: most values are rejected by length or by the first rows).
 */
export function boundedDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a === b) return 0;
  const n = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[n]! > max ? max + 1 : prev[n]!;
}

const RANK = { exact: 0, typo: 1, contains: 2 } as const;

/** The suggestions for `query` among `nodes`, best first (exact, then fewest typos, then containing values). */
export function suggestIdentities(nodes: Iterable<SuggestNode>, query: string, opts: SuggestOptions = {}): IdentitySuggestion[] {
  const q = foldIdentity(query.trim());
  if (q === '') return [];
  const limit = Math.max(1, Math.min(opts.limit ?? 10, 100));
  const ns = opts.namespace?.toLowerCase();
  const max = maxTypos(q.length);
  const found: IdentitySuggestion[] = [];
  for (const n of nodes) {
    if (ns !== undefined && n.ns.toLowerCase() !== ns) continue;
    const v = foldIdentity(n.id);
    const d = boundedDistance(q, v, max);
    if (d === 0) found.push({ namespace: n.ns, id: n.id, xid: n.xid, match: 'exact', distance: 0 });
    else if (d <= max) found.push({ namespace: n.ns, id: n.id, xid: n.xid, match: 'typo', distance: d });
    else if (q.length >= 3 && v.includes(q)) found.push({ namespace: n.ns, id: n.id, xid: n.xid, match: 'contains', distance: v.length - q.length });
  }
  found.sort((a, b) => RANK[a.match] - RANK[b.match] || a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : a.namespace < b.namespace ? -1 : 1));
  return found.slice(0, limit);
}
