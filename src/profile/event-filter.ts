import { ok, err, type Result } from '../shared/result.js';
import { badRequest, type Problem } from '../shared/problem.js';
import { isObj } from '../shared/objects.js';

/**
 * `property=` filters of the ExperienceEvent lookup (§5.3): `<path><op><value>` with op one of `=`, `!=`, `<`, `<=`,
 * `>`, `>=`; at most three (all must hold). Examples: `property=web.webPageDetails.isHomepage=true`,
 * `property=commerce.order.priceTotal>=100`, `property=timestamp<"2026-03-01"`.
 *
 * - The path is dotted and read from the event's root; when its first segment is not a root field, it is looked up
 *   below the root (the documented example `webPageDetails.isHomepage` names `web.webPageDetails.isHomepage`).
 * - The value is typed by the event's value: numbers compare numerically, booleans as `true`/`false`, strings as
 *   strings (ISO-8601 dates therefore compare in time order); surrounding double quotes are removed.
 * - An array at the path matches when any element matches. A missing value matches no filter (not even `!=`).
 */
export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export interface PropertyFilter {
  path: string[];
  op: FilterOp;
  value: string;
}

export const MAX_PROPERTY_FILTERS = 3;
const FILTER = /^([A-Za-z0-9_@:$-]+(?:\.[A-Za-z0-9_@:$-]+)*)\s*(<=|>=|!=|=|<|>)\s*(.*)$/s;

export function parsePropertyFilters(raw: readonly string[]): Result<PropertyFilter[], Problem> {
  if (raw.length > MAX_PROPERTY_FILTERS) return err(badRequest(`At most ${MAX_PROPERTY_FILTERS} property filters are allowed`));
  const out: PropertyFilter[] = [];
  for (const r of raw) {
    const m = FILTER.exec(r.trim());
    if (!m) return err(badRequest(`Invalid property filter "${r}": expected <path><op><value> with op =, !=, <, <=, > or >=`));
    let value = m[3]!.trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out.push({ path: m[1]!.split('.'), op: m[2] as FilterOp, value });
  }
  return ok(out);
}


function at(v: unknown, path: readonly string[]): unknown {
  for (const s of path) v = isObj(v) ? v[s] : undefined;
  return v;
}

/** The value at `path` from the root, else (first segment unknown at the root) from the first nested object that has it. */
function lookup(event: Record<string, unknown>, path: readonly string[]): unknown {
  if (path[0]! in event) return at(event, path);
  const stack: unknown[] = Object.values(event);
  while (stack.length) {
    const o = stack.shift();
    if (!isObj(o)) continue;
    if (path[0]! in o) return at(o, path);
    stack.push(...Object.values(o));
  }
  return undefined;
}

function cmp(v: unknown, f: PropertyFilter): boolean {
  let c: number;
  if (typeof v === 'number') {
    const x = Number(f.value);
    if (f.value === '' || !Number.isFinite(x)) return f.op === '!=';
    c = v < x ? -1 : v > x ? 1 : 0;
  } else if (typeof v === 'boolean') {
    if (f.op !== '=' && f.op !== '!=') return false;
    c = String(v) === f.value ? 0 : 1;
  } else if (typeof v === 'string') c = v < f.value ? -1 : v > f.value ? 1 : 0;
  else return false;
  switch (f.op) {
    case '=': return c === 0;
    case '!=': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
  }
}

/** True when the event satisfies every filter. */
export function matchesFilters(event: Record<string, unknown>, filters: readonly PropertyFilter[]): boolean {
  for (const f of filters) {
    const v = lookup(event, f.path);
    if (v === undefined || v === null) return false;
    if (Array.isArray(v) ? !v.some((x) => cmp(x, f)) : !cmp(v, f)) return false;
  }
  return true;
}
