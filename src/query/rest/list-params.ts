import { err, ok, type Result } from '../../shared/result.js';
import { badRequest, type Problem } from '../../shared/problem.js';

/**
 * The list parameters every Query Service list takes (AEP): `limit` (default 20), `start` (zero-based offset; `page`
 * is ours: a page number of `limit` items), `orderby` (`created`, `+created`, `-created`, same for `updated`) and
 * `property` (comma-separated conditions `field<op>value`, ops `==`, `!=`, `>=`, `<=`, `>`, `<`, `~` (contains)).
 */
export interface ListParams {
  limit: number;
  start: number;
  orderby: { field: 'created' | 'updated'; desc: boolean; text: string };
  filters: Array<(view: Record<string, unknown>) => boolean>;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 1000;

type Q = Record<string, unknown>;
const one = (v: unknown): string | undefined => (Array.isArray(v) ? (v.at(-1) as unknown) : v) as string | undefined;

/** Timestamps compare as instants (ISO text or epoch ms), everything else as text. */
function compare(a: unknown, b: string): number {
  const ta = typeof a === 'number' ? a : typeof a === 'string' && /^\d{4}-\d\d/.test(a) ? Date.parse(a) : /^\d{12,}$/.test(String(a)) ? Number(a) : NaN;
  const tb = /^\d{4}-\d\d/.test(b) ? Date.parse(b) : /^\d{12,}$/.test(b) ? Number(b) : NaN;
  if (!Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  const x = String(a);
  return x < b ? -1 : x > b ? 1 : 0;
}

const CONDITION = /^([A-Za-z_]\w*)(==|!=|>=|<=|>|<|~)(.*)$/;

/** Parses the list parameters; `fields` names the fields `property` may filter on. */
export function parseListParams(q: Q, fields: readonly string[], defaultOrder = '-created'): Result<ListParams, Problem> {
  const limit = Number(one(q.limit) ?? DEFAULT_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return err(badRequest(`limit must be an integer from 1 to ${MAX_LIMIT}`));
  const startRaw = one(q.start);
  const pageRaw = one(q.page);
  let start = 0;
  if (startRaw !== undefined && startRaw !== '') {
    if (!/^\d+$/.test(String(startRaw))) return err(badRequest('start must be a zero-based offset (a non-negative integer)'));
    start = Number(startRaw);
  } else if (pageRaw !== undefined && pageRaw !== '') {
    if (!/^\d+$/.test(String(pageRaw))) return err(badRequest('page must be a non-negative integer'));
    start = Number(pageRaw) * limit;
  }
  const orderText = String(one(q.orderby) ?? defaultOrder).trim();
  const om = /^([+-]?)(created|updated)$/.exec(orderText);
  if (!om) return err(badRequest(`orderby "${orderText}" must be created or updated, optionally with + (ascending) or - (descending)`));
  const filters: ListParams['filters'] = [];
  const props = (Array.isArray(q.property) ? q.property : q.property === undefined ? [] : [q.property]).map(String);
  for (const cond of props.flatMap((p) => p.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const m = CONDITION.exec(cond);
    if (!m) return err(badRequest(`property "${cond}" must look like field==value (operators ==, !=, >, <, >=, <=, ~)`));
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (!fields.includes(field)) return err(badRequest(`property "${cond}": ${field} cannot be filtered on (fields: ${fields.join(', ')})`));
    filters.push((v) => {
      const x = v[field];
      if (op === '~') return x !== undefined && x !== null && String(x).includes(value);
      if (x === undefined || x === null) return op === '!=';
      const c = compare(x, value);
      return op === '==' ? c === 0 : op === '!=' ? c !== 0 : op === '>' ? c > 0 : op === '<' ? c < 0 : op === '>=' ? c >= 0 : c <= 0;
    });
  }
  return ok({ limit, start, orderby: { field: om[2] as 'created' | 'updated', desc: om[1] === '-', text: orderText }, filters });
}

/** A boolean query parameter (`true`/`false`), with its default. */
export function boolParam(v: unknown, name: string, dflt: boolean): Result<boolean, Problem> {
  const s = one(v);
  if (s === undefined || s === '') return ok(dflt);
  if (s === 'true' || (s as unknown) === true) return ok(true);
  if (s === 'false' || (s as unknown) === false) return ok(false);
  return err(badRequest(`${name} must be true or false`));
}

/**
 * Filters, orders and pages stored items (`at` reads the order field as ms); answers AEP's `_page` and `_links` with
 * the items. `path` is the list's own path (for the next/prev links).
 */
export function pageItems<T>(items: T[], p: ListParams, view: (t: T) => Record<string, unknown>, at: (t: T, f: 'created' | 'updated') => number, id: (t: T) => string, path: string) {
  const rows = items.map((t) => ({ t, v: view(t) })).filter((r) => p.filters.every((f) => f(r.v)));
  const sign = p.orderby.desc ? -1 : 1;
  rows.sort((a, b) => sign * (at(a.t, p.orderby.field) - at(b.t, p.orderby.field)) || id(a.t).localeCompare(id(b.t)));
  const page = rows.slice(p.start, p.start + p.limit);
  const href = (start: number) => `${path}?orderby=${encodeURIComponent(p.orderby.text)}&start=${start}&limit=${p.limit}`;
  const next = p.start + p.limit < rows.length ? p.start + p.limit : undefined;
  const prev = p.start > 0 ? Math.max(0, p.start - p.limit) : undefined;
  return {
    items: page.map((r) => r.v),
    _page: { orderby: p.orderby.text, start: p.start, ...(next !== undefined ? { next } : {}), count: page.length, totalCount: rows.length },
    _links: { ...(next !== undefined ? { next: { href: href(next) } } : {}), ...(prev !== undefined ? { prev: { href: href(prev) } } : {}) },
  };
}
