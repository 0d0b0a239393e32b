import { ok, err, type Result } from '../shared/result.js';

/**
 * Linking rules of a sandbox (AEP "identity settings", plus Segment-style limits):
 * - `uniqueNamespaces`: at most one identity of each per graph; the most recent link wins, older conflicting
 *   links are cut (a shared device follows the last person who logged in).
 * - `priority`: namespace code → rank (1 = highest). Decides an event's primary identity and tie-breaks.
 * - `graphSizeLimit`: identities per graph; beyond it the oldest identities of the lowest-priority types go first.
 * - `blockedValues`: values never linked, per namespace code or `*` for all namespaces (case-insensitive).
 * - `linkLimit`: an identifier already linked to this many others is not linked to new ones (super-nodes).
 */
export interface LinkingRules {
  uniqueNamespaces: string[];
  priority: Record<string, number>;
  graphSizeLimit: number;
  blockedValues: Record<string, string[]>;
  linkLimit: number;
}

export const DEFAULT_RULES: LinkingRules = {
  uniqueNamespaces: [],
  priority: { CRMID: 1, Email: 2, Phone: 3, ShopifyCustomerId: 1, SegmentUserId: 1, IDFA: 4, GAID: 5, ECID: 6, AAID: 7 },
  graphSizeLimit: 50,
  blockedValues: { '*': ['null', 'anonymous', 'invalid', 'undefined', 'unknown', 'none', '0', '-1', 'n/a', '[object object]', 'guest'] },
  linkLimit: 50,
};

/** Eviction order by identity type (first evicted first). */
export const TYPE_EVICTION_ORDER = ['COOKIE', 'DEVICE', 'PARTNER', 'CROSS_DEVICE', 'EMAIL', 'PHONE', 'MOBILE'];

export function validateRules(input: unknown, base: LinkingRules = DEFAULT_RULES): Result<LinkingRules, string> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return err('settings must be a JSON object');
  const i = input as Partial<LinkingRules>;
  const r: LinkingRules = { ...base, ...i } as LinkingRules;
  if (!Array.isArray(r.uniqueNamespaces) || r.uniqueNamespaces.some((x) => typeof x !== 'string')) return err('uniqueNamespaces must be an array of namespace codes');
  if (typeof r.priority !== 'object' || r.priority === null || Object.values(r.priority).some((v) => typeof v !== 'number' || v < 1)) return err('priority must map namespace codes to ranks >= 1');
  if (!Number.isInteger(r.graphSizeLimit) || r.graphSizeLimit < 2 || r.graphSizeLimit > 1000) return err('graphSizeLimit must be an integer from 2 to 1000');
  if (!Number.isInteger(r.linkLimit) || r.linkLimit < 1) return err('linkLimit must be a positive integer');
  if (typeof r.blockedValues !== 'object' || r.blockedValues === null || Object.values(r.blockedValues).some((v) => !Array.isArray(v))) return err('blockedValues must map namespace codes (or *) to arrays of values');
  return ok(r);
}

/** Lookup tables derived from a rules object once (rules objects are treated as immutable). */
interface Compiled {
  rank: Map<string, number>;
  unique: Set<string>;
  blockedAll: Set<string>;
  blockedByNs: Map<string, Set<string>>;
}
const compiled = new WeakMap<LinkingRules, Compiled>();
function compile(rules: LinkingRules): Compiled {
  let c = compiled.get(rules);
  if (!c) {
    const blockedByNs = new Map<string, Set<string>>();
    let blockedAll = new Set<string>();
    for (const [k, list] of Object.entries(rules.blockedValues)) {
      const set = new Set(list.map((b) => b.trim().toLowerCase()));
      if (k === '*') blockedAll = set;
      else blockedByNs.set(k.toLowerCase(), set);
    }
    c = {
      rank: new Map(Object.entries(rules.priority).map(([k, v]) => [k.toLowerCase(), v])),
      unique: new Set(rules.uniqueNamespaces.map((u) => u.toLowerCase())),
      blockedAll,
      blockedByNs,
    };
    compiled.set(rules, c);
  }
  return c;
}

export function rankOf(rules: LinkingRules, ns: string): number {
  return compile(rules).rank.get(ns.toLowerCase()) ?? 100;
}

export function isUnique(rules: LinkingRules, ns: string): boolean {
  return compile(rules).unique.has(ns.toLowerCase());
}

/** Blocked values compare trimmed and case-insensitively; an empty value is always blocked. */
export function isBlocked(rules: LinkingRules, ns: string, value: string): boolean {
  return isBlockedFolded(rules, ns, value.trim().toLowerCase());
}

/** isBlocked for a value already trimmed and lower-cased. */
export function isBlockedFolded(rules: LinkingRules, ns: string, folded: string): boolean {
  if (folded === '') return true;
  const c = compile(rules);
  return c.blockedAll.has(folded) || (c.blockedByNs.size > 0 && (c.blockedByNs.get(ns.toLowerCase())?.has(folded) ?? false));
}
