/**
 * Paging and sorting of the list endpoints that page a whole list in memory (`start`/`limit`, `sort=field:asc|desc`);
 * each endpoint wraps the page in its own AEP response shape.
 */

export interface Page<T> {
  items: T[];
  start: number;
  limit: number;
  /** Where the next page starts, when there is one. */
  next?: number;
}

/** `limit` items of `all` from `start` (defaults 0 and `defaultLimit`; limit clamped to 1..`maxLimit`). */
export function pageOf<T>(all: readonly T[], q: { start?: number; limit?: number }, defaultLimit = 100, maxLimit = 1000): Page<T> {
  const limit = Math.max(1, Math.min(q.limit ?? defaultLimit, maxLimit));
  const start = Math.max(0, q.start ?? 0);
  return { items: all.slice(start, start + limit), start, limit, ...(start + limit < all.length ? { next: start + limit } : {}) };
}

/**
 * Sorts `items` in place by `sort` (`field:asc|desc`, default `creationTime:desc`; a field not in `fields` sorts by
 * creationTime), ties by id. Returns the field and direction used.
 */
export function sortByQuery<T>(items: T[], sort: string | undefined, fields: readonly string[], idOf: (t: T) => string): { field: string; dir: 'asc' | 'desc' } {
  const [f, d] = (sort ?? 'creationTime:desc').split(':') as [string, string | undefined];
  const field = fields.includes(f) ? f : 'creationTime';
  const dir = d === 'asc' ? 'asc' : 'desc';
  const sign = dir === 'asc' ? 1 : -1;
  const at = (t: T) => (t as Record<string, unknown>)[field] as number | string;
  items.sort((a, b) => (at(a) === at(b) ? idOf(a).localeCompare(idOf(b)) : at(a) < at(b) ? -sign : sign));
  return { field, dir };
}
