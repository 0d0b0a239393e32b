/**
 * Pure merge engine for profile fragments.
 *
 * A fragment is stored as flattened leaves: path -> (value, event time). Objects are flattened key by key, so a
 * partial update only overwrites the leaves it carries. **Arrays are whole values**: a newer fragment's array
 * replaces the older one as a unit (no element-wise merge). Maps (`identityMap`, `segmentMembership`, any object)
 * merge per key because they are objects; `identityMap.<ns>` arrays are the one exception: across fragments they are
 * unioned (deduplicated by `id`), since every fragment legitimately contributes identities.
 *
 * - `timestampOrdered`: per leaf, the value with the newest event time wins (ties: the fragment updated last).
 *   A late or replayed record therefore never overwrites a newer value.
 * - `dataSetPrecedence`: per leaf, the fragment whose dataset comes first in `order` wins; datasets not listed are
 *   not merged at all.
 * Conflicts between a scalar and an object at the same path resolve the same way (newest / highest precedence wins).
 */

/** Separator between path segments in stored leaf paths (keys may contain dots). */
export const SEP = '\u001f';

export type Leaf = [value: unknown, ts: number];
export type Leaves = Record<string, Leaf>;

export interface Fragment {
  datasetId: string;
  namespace: string;
  id: string;
  leaves: Leaves;
  /** Batch ids / xactionIds that contributed. */
  tags: string[];
  /** Ingestion (wall-clock) time of the last write, ms. */
  updatedAt: number;
}

export type AttributeMerge = { type: 'timestampOrdered' } | { type: 'dataSetPrecedence'; order: string[] };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens a record into leaf paths. Empty objects are kept as leaves so `{}` is representable. */
export function flatten(obj: Record<string, unknown>, ts: number, prefix = '', out: Leaves = {}): Leaves {
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix === '' ? k : prefix + SEP + k;
    if (isPlainObject(v) && Object.keys(v).length > 0) flatten(v, ts, p, out);
    else out[p] = [v, ts];
  }
  return out;
}

/**
 * Applies an update to stored leaves by event time: each incoming leaf replaces the stored one unless the stored one
 * is strictly newer; stored leaves below or above an incoming leaf (scalar/object conflicts) are dropped when not newer.
 * Returns the number of leaves written.
 */
export function applyLeaves(stored: Leaves, incoming: Leaves): number {
  let written = 0;
  for (const [p, leaf] of Object.entries(incoming)) {
    const cur = stored[p];
    if (cur && cur[1] > leaf[1]) continue;
    let blocked = false;
    let i = p.indexOf(SEP);
    while (i !== -1) {
      const anc = stored[p.slice(0, i)];
      if (anc) {
        if (anc[1] > leaf[1]) blocked = true;
        else delete stored[p.slice(0, i)];
      }
      i = p.indexOf(SEP, i + 1);
    }
    if (blocked) continue;
    const pre = p + SEP;
    let descendantNewer = false;
    for (const q of Object.keys(stored))
      if (q.startsWith(pre)) {
        if (stored[q]![1] <= leaf[1]) delete stored[q];
        else descendantNewer = true;
      }
    if (descendantNewer) continue;
    stored[p] = leaf;
    written++;
  }
  return written;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segs = path.split(SEP);
  let o = target;
  for (let i = 0; i < segs.length - 1; i++) {
    const k = segs[i]!;
    if (!isPlainObject(o[k])) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[segs[segs.length - 1]!] = value;
}

const IDMAP = 'identityMap' + SEP;

/** Merges fragments into one entity according to the attribute-merge policy. Pure. */
export function mergeFragments(fragments: readonly Fragment[], merge: AttributeMerge): Record<string, unknown> {
  // Entries are applied in ascending rank so the last assignment (the winner) stays.
  type Entry = { path: string; value: unknown; r1: number; r2: number };
  const entries: Entry[] = [];
  const idmap = new Map<string, Map<string, unknown>>();
  let prec: Map<string, number> | undefined;
  if (merge.type === 'dataSetPrecedence') {
    prec = new Map();
    merge.order.forEach((d, i) => prec!.set(d, merge.order.length - i));
  }
  for (const f of fragments) {
    let r1base = 0;
    if (prec) {
      const r = prec.get(f.datasetId);
      if (r === undefined) continue;
      r1base = r;
    }
    for (const p in f.leaves) {
      const leaf = f.leaves[p]!;
      if (p.startsWith(IDMAP) && Array.isArray(leaf[0])) {
        const ns = p.slice(IDMAP.length);
        let m = idmap.get(ns);
        if (!m) idmap.set(ns, (m = new Map()));
        for (const e of leaf[0] as unknown[]) {
          const key = isPlainObject(e) ? String(e.id) : JSON.stringify(e);
          if (!m.has(key)) m.set(key, e);
        }
        continue;
      }
      entries.push(prec ? { path: p, value: leaf[0], r1: r1base, r2: leaf[1] } : { path: p, value: leaf[0], r1: leaf[1], r2: f.updatedAt });
    }
  }
  entries.sort((a, b) => a.r1 - b.r1 || a.r2 - b.r2);
  const out: Record<string, unknown> = {};
  for (const e of entries) setPath(out, e.path, e.value);
  if (idmap.size > 0) {
    const im: Record<string, unknown[]> = isPlainObject(out.identityMap) ? (out.identityMap as Record<string, unknown[]>) : {};
    for (const [ns, m] of idmap) im[ns] = [...m.values()];
    out.identityMap = im;
  }
  return out;
}

/** Keeps only the given dotted paths (`person.name`, `workEmail.address`) of an entity. */
export function pickFields(entity: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const segs = f.split('.');
    let v: unknown = entity;
    for (const s of segs) v = isPlainObject(v) ? v[s] : undefined;
    if (v === undefined) continue;
    let o = out;
    for (let i = 0; i < segs.length - 1; i++) {
      if (!isPlainObject(o[segs[i]!])) o[segs[i]!] = {};
      o = o[segs[i]!] as Record<string, unknown>;
    }
    o[segs[segs.length - 1]!] = v;
  }
  return out;
}

/** Reads a dotted path. */
export function getPath(obj: unknown, path: string): unknown {
  let v = obj;
  for (const s of path.split('.')) v = isPlainObject(v) ? v[s] : undefined;
  return v;
}

/** Event time of a record: its own audit timestamps if present, else the ingestion time. */
export function recordEventTime(record: Record<string, unknown>, ingestedAt: number): number {
  for (const p of ['extSourceSystemAudit.lastUpdatedDate', '_repo.modifyDate', 'timestamp']) {
    const v = getPath(record, p);
    if (typeof v === 'string' || typeof v === 'number') {
      const t = typeof v === 'number' ? v : Date.parse(v);
      if (Number.isFinite(t)) return t;
    }
  }
  return ingestedAt;
}
