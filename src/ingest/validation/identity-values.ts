/**
 * AEP's ingestion-time identity value rules: ECID must be exactly 38 digits, any value at most
 * 1024 characters, and `null`, `anonymous`, `invalid` and blank values are blocked.
 * Returns the problems found in a record's identityMap (empty when it is fine).
 */
export const MAX_IDENTITY_LENGTH = 1024;
const BLOCKED = new Set(['null', 'anonymous', 'invalid', '']);
const ECID_RE = /^\d{38}$/;

export interface IdentityValueProblem {
  namespace: string;
  index: number;
  message: string;
}

export function checkIdentityValue(namespace: string, id: unknown): string | undefined {
  if (typeof id !== 'string') return `identity id must be a string, found ${id === null ? 'null' : typeof id}`;
  const v = id.trim();
  if (BLOCKED.has(v.toLowerCase())) return `identity value "${id}" is blocked`;
  if (id.length > MAX_IDENTITY_LENGTH) return `identity value longer than ${MAX_IDENTITY_LENGTH} characters`;
  if (namespace.toUpperCase() === 'ECID' && !ECID_RE.test(v)) return `ECID "${id}" must be exactly 38 digits`;
  return undefined;
}

export function checkIdentityMap(record: unknown): IdentityValueProblem[] {
  const out: IdentityValueProblem[] = [];
  if (typeof record !== 'object' || record === null) return out;
  const map = (record as { identityMap?: unknown }).identityMap;
  if (map === undefined) return out;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    return [{ namespace: '', index: -1, message: 'identityMap must be an object keyed by namespace' }];
  }
  for (const [ns, items] of Object.entries(map as Record<string, unknown>)) {
    if (!Array.isArray(items)) {
      out.push({ namespace: ns, index: -1, message: `identityMap.${ns} must be an array` });
      continue;
    }
    items.forEach((item, index) => {
      const msg = checkIdentityValue(ns, (item as { id?: unknown } | null)?.id);
      if (msg) out.push({ namespace: ns, index, message: msg });
    });
  }
  return out;
}
