/**
 * PostgreSQL TEXT cannot hold U+0000, which ids, keys and raw payloads from clients may carry. `toPgText` maps
 * every string injectively onto one without it (plain strings are stored as they are; only those containing NUL
 * or starting with the marker U+0001 are escaped behind the marker) and `fromPgText` undoes it.
 */
const MARK = '\u0001';

export function toPgText(s: string): string {
  if (!s.includes('\0') && s.charCodeAt(0) !== 1) return s;
  return MARK + s.replace(/[\u0000\u0001]/g, (c) => (c === '\0' ? `${MARK}0` : `${MARK}${MARK}`));
}

export function fromPgText(s: string): string {
  if (s.charCodeAt(0) !== 1) return s;
  return s.slice(1).replace(/\u0001([\s\S])/g, (_, c: string) => (c === '0' ? '\0' : c));
}

/** `toPgText` of a value when it is a string (other values as they are): for arrays bound to `unnest`. */
export const toPgValue = (v: unknown): unknown => (typeof v === 'string' ? toPgText(v) : v);

/** A row read back: every string column through `fromPgText`. */
export function fromPgRow<T extends object>(row: T): T {
  const out = { ...row } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string') out[k] = fromPgText(v);
  return out as T;
}

/** A SQL identifier prefix for a table: `schema.` when given (validated), else nothing (the search_path). */
export function schemaPrefix(schema: string | undefined): string {
  if (schema === undefined) return '';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return `${schema}.`;
}

/** A number bound to a BIGINT parameter: finite, whole and within ±2^53 (1e308 from a query string is a 4xx's job upstream, but never an out-of-range error here). */
export function toPgBigint(n: number): number {
  if (!Number.isFinite(n)) return n > 0 ? Number.MAX_SAFE_INTEGER : n < 0 ? -Number.MAX_SAFE_INTEGER : 0;
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(n)));
}

/**
 * A JSON value for a JSONB column, which refuses U+0000 in strings: every string (keys too) through `toPgText`.
 * Returns the value itself when no string needs it (the common case: no copy).
 */
export function toPgJson(v: unknown): unknown {
  if (typeof v === 'string') return toPgText(v);
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = toPgJson(v[i]);
      if (x !== v[i]) (out ??= v.slice())[i] = x;
    }
    return out ?? v;
  }
  if (v !== null && typeof v === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const k2 = toPgText(k);
      const x2 = toPgJson(x);
      if (k2 !== k || x2 !== x) changed = true;
      out[k2] = x2;
    }
    return changed ? out : v;
  }
  return v;
}

/** Undoes `toPgJson` on a value read back. */
export function fromPgJson(v: unknown): unknown {
  if (typeof v === 'string') return fromPgText(v);
  if (Array.isArray(v)) return v.map(fromPgJson);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[fromPgText(k)] = fromPgJson(x);
    return out;
  }
  return v;
}
