import type { Namespace } from './namespaces.js';
import { normaliseIdentity } from './normalise.js';
import { xidOf } from './xid.js';

/** A value as the graph keys it. */
export interface Normalised {
  /** The normalised value. */
  id: string;
  xid: string;
  /** The normalised value trimmed and lower-cased (what blocked values compare with). */
  folded: string;
}

/**
 * Bounded memo of normalised values and their XIDs, per namespace. Events carry the same ECIDs, emails and CRM ids
 * again and again, and normalising (a phone number parse) and hashing an XID (SHA-256) are the per-identity costs of
 * ingestion (bench/identity). Two generations: when the current one holds `capacity` values it becomes the old
 * one and the previous old one is dropped; a hit in the old generation is copied forward, so values in use stay and
 * memory stays below 2 × capacity entries. Keyed by the Namespace object: the NamespaceService hands out the same
 * objects until a namespace changes, when new objects start empty and the old entries age out. What is cached is a
 * pure function of (namespace code, id type, raw value), so a hit returns exactly what a miss computes.
 */
export class NormaliseCache {
  private cur = new Map<Namespace, Map<string, Normalised>>();
  private old = new Map<Namespace, Map<string, Normalised>>();
  private size = 0;
  hits = 0;
  misses = 0;

  constructor(readonly capacity = 32_768) {}

  get(ns: Namespace, raw: string): Normalised {
    if (this.capacity === 0) {
      this.misses++;
      const id = normaliseIdentity(ns.code, ns.idType, raw);
      return { id, xid: xidOf(ns.code, id), folded: id.trim().toLowerCase() };
    }
    let m = this.cur.get(ns);
    const hit = m?.get(raw);
    if (hit) {
      this.hits++;
      return hit;
    }
    let v = this.old.get(ns)?.get(raw);
    if (v) this.hits++;
    else {
      this.misses++;
      const id = normaliseIdentity(ns.code, ns.idType, raw);
      v = { id, xid: xidOf(ns.code, id), folded: id.trim().toLowerCase() };
    }
    if (this.size >= this.capacity) {
      this.old = this.cur;
      this.cur = new Map();
      this.size = 0;
      m = undefined;
    }
    if (!m) this.cur.set(ns, (m = new Map()));
    m.set(raw, v);
    this.size++;
    return v;
  }
}
