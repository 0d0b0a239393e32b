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
