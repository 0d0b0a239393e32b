import { ok, err, type Result } from '../shared/result.js';
import { badRequest, type Problem } from '../shared/problem.js';

/**
 * Catalog list parameters (help/catalog/api/filter-data.md): `limit` (1-100), `start` (zero-based offset),
 * `orderBy` (`[asc:|desc:]field`, comma-separated), simple property filters (`name=a,b` matches either value) and
 * `property=` conditions (`field`, `!field`, `field=v`, `field!=v`, `field<v`, `field>v`, `field<=v`, `field>=v`).
 */
export interface ListQuery {
  limit: number;
  start: number;
  orderBy: Array<{ field: string; desc: boolean }>;
  filters: Array<(view: Record<string, unknown>) => boolean>;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

type Query = Record<string, unknown>;

const values = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const single = (q: Query, k: string): string | undefined => values(q[k]).at(-1);

/** Reads a (possibly dotted) property of a view. */
function read(view: Record<string, unknown>, path: string): unknown {
  let cur: unknown = view;
  for (const seg of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function compare(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compares a stored value with a query string: numerically when both are numbers, else as strings. */
function compareWith(v: unknown, raw: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') {
    const n = Number(raw);
    return Number.isFinite(n) && raw.trim() !== '' ? v - n : undefined;
  }
  return compare(String(v), raw);
}

const CONDITION = /^(!?)([A-Za-z_][\w.]*)(?:(!=|<=|>=|=|<|>)(.*))?$/;

function condition(text: string): ((view: Record<string, unknown>) => boolean) | undefined {
  const m = CONDITION.exec(text.trim());
  if (!m) return undefined;
  const [, not, field, op, raw = ''] = m as unknown as [string, string, string, string | undefined, string | undefined];
  if (!op) return not ? (v) => read(v, field) === undefined : (v) => read(v, field) !== undefined;
  if (not) return undefined;
  const alts = raw.split(',');
  switch (op) {
    case '=':
      return (v) => alts.some((a) => compareWith(read(v, field), a) === 0);
    case '!=':
      return (v) => alts.every((a) => compareWith(read(v, field), a) !== 0);
    default:
      return (v) => {
        const c = compareWith(read(v, field), raw);
        if (c === undefined) return false;
        return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
      };
  }
}

/** Parses the list parameters; `filterable` names the top-level fields usable as `field=value` filters. */
export function parseListQuery(q: Query, filterable: readonly string[]): Result<ListQuery, Problem> {
  const limitRaw = single(q, 'limit');
  const limit = limitRaw === undefined ? DEFAULT_LIMIT : /^\d+$/.test(limitRaw) ? Number(limitRaw) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) return err(badRequest(`limit must be an integer from 1 to ${MAX_LIMIT}`));
  const startRaw = single(q, 'start');
  if (startRaw !== undefined && !/^\d+$/.test(startRaw)) return err(badRequest('start must be a zero-based offset (a non-negative integer)'));
  const orderBy: ListQuery['orderBy'] = [];
  for (const part of values(q.orderBy).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const m = /^(asc:|desc:|[-+])?([A-Za-z_][\w.]*)$/.exec(part);
    if (!m) return err(badRequest(`orderBy "${part}" must look like "asc:created" or "desc:updated"`));
    orderBy.push({ field: m[2]!, desc: m[1] === 'desc:' || m[1] === '-' });
  }
  const filters: ListQuery['filters'] = [];
  for (const field of filterable) {
    const want = values(q[field]).flatMap((s) => s.split(','));
    if (want.length) filters.push((v) => want.includes(String(read(v, field))));
  }
  for (const text of values(q.property)) {
    const f = condition(text);
    if (!f) return err(badRequest(`property "${text}" is not a supported condition (field, !field, field=v, field!=v, field<v, field>v, field<=v, field>=v)`));
    filters.push(f);
  }
  return ok({ limit, start: startRaw === undefined ? 0 : Number(startRaw), orderBy, filters });
}

/** Filters, orders (stable; items keep their given order on ties) and pages `items` by their views. */
export function applyListQuery<T>(items: T[], view: (t: T) => Record<string, unknown>, q: ListQuery): T[] {
  const rows = items.map((item, i) => ({ item, i, v: view(item) })).filter((r) => q.filters.every((f) => f(r.v)));
  if (q.orderBy.length)
    rows.sort((a, b) => {
      for (const { field, desc } of q.orderBy) {
        const c = compare(read(a.v, field), read(b.v, field));
        if (c !== 0) return desc ? -c : c;
      }
      return a.i - b.i;
    });
  return rows.slice(q.start, q.start + q.limit).map((r) => r.item);
}
