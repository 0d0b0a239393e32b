import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, notFound, type Problem } from '../shared/problem.js';
import { uuid } from '../shared/ids.js';
import { getPath } from './fragment-merge.js';
import type { CaBucket, CaState } from './fragment-store.js';

/**
 * Computed attributes (`/data/core/ca/attributes`). The expression is a small documented form:
 *
 *   { "function": "SUM" | "COUNT" | "MAX" | "MIN" | "MOST_RECENT",
 *     "eventPath": "commerce.order.priceTotal",      // not needed for COUNT
 *     "eventType": "commerce.purchases",             // optional filter on the event's eventType
 *     "lookbackDays": 30 }                           // 1..393
 *
 * Values are kept per profile identity as per-UTC-day buckets (only days inside the lookback are kept), updated
 * incrementally on each new event, and aggregated across the identities of the merged profile on read. They are
 * returned in the entity under `computedAttributes.<name>` when `withCA=true`. MOST_RECENT over `timestamp` gives
 * the last purchase date.
 */
export type CaFunction = 'SUM' | 'COUNT' | 'MAX' | 'MIN' | 'MOST_RECENT';
export interface CaExpression { function: CaFunction; eventPath?: string; eventType?: string; lookbackDays: number }
export interface ComputedAttribute {
  id: string;
  name: string;
  displayName: string;
  description: string;
  expression: CaExpression;
  status: 'PROCESSED';
  createEpoch: number;
  updateEpoch: number;
}

const KIND = 'profile-computed-attribute';
const DAY = 86_400_000;
const FUNCS: CaFunction[] = ['SUM', 'COUNT', 'MAX', 'MIN', 'MOST_RECENT'];

export class ComputedAttributeService {
  private cache = new Map<string, ComputedAttribute[]>();
  constructor(private readonly resources: ResourceStore, private readonly clock: Clock) {}

  /** Drops cached definitions (another thread's instance wrote them). */
  forgetCaches(): void {
    this.cache.clear();
  }

  private validate(b: unknown): Result<Pick<ComputedAttribute, 'name' | 'displayName' | 'description' | 'expression'>, Problem> {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return err(badRequest('Body must be a JSON object'));
    const x = b as Record<string, unknown>;
    if (typeof x.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(x.name)) return err(badRequest('name must be an identifier'));
    const e = x.expression as Record<string, unknown> | undefined;
    if (!e || typeof e !== 'object') return err(badRequest('expression is required'));
    if (!FUNCS.includes(e.function as CaFunction)) return err(badRequest(`expression.function must be one of ${FUNCS.join(', ')}`));
    if (e.function !== 'COUNT' && (typeof e.eventPath !== 'string' || e.eventPath === '')) return err(badRequest('expression.eventPath is required'));
    if (typeof e.lookbackDays !== 'number' || !Number.isInteger(e.lookbackDays) || e.lookbackDays < 1 || e.lookbackDays > 393)
      return err(badRequest('expression.lookbackDays must be an integer in 1..393'));
    if (e.eventType !== undefined && typeof e.eventType !== 'string') return err(badRequest('expression.eventType must be a string'));
    const expression: CaExpression = { function: e.function as CaFunction, lookbackDays: e.lookbackDays };
    if (typeof e.eventPath === 'string') expression.eventPath = e.eventPath;
    if (typeof e.eventType === 'string') expression.eventType = e.eventType;
    return ok({ name: x.name, displayName: typeof x.displayName === 'string' ? x.displayName : x.name, description: typeof x.description === 'string' ? x.description : '', expression });
  }

  async list(sandboxId: string): Promise<ComputedAttribute[]> {
    const c = this.cache.get(sandboxId);
    if (c) return c;
    const all = (await this.resources.list<ComputedAttribute>(KIND, sandboxId, { limit: 1000 })).map((r) => r.doc);
    this.cache.set(sandboxId, all);
    return all;
  }
  async create(sandboxId: string, body: unknown): Promise<Result<ComputedAttribute, Problem>> {
    const v = this.validate(body);
    if (!v.ok) return v;
    const now = this.clock.now();
    const ca: ComputedAttribute = { id: uuid(), ...v.value, status: 'PROCESSED', createEpoch: now, updateEpoch: now };
    const r = await this.resources.put(KIND, sandboxId, ca.id, ca, { uniqueKey: ca.name.toLowerCase() });
    this.cache.delete(sandboxId);
    if (!r.ok) return err({ status: 409, body: { type: 'http://ns.adobe.com/aep/errors/409', status: 409, title: 'Conflict', detail: `A computed attribute named ${ca.name} exists` } });
    return ok(ca);
  }
  async get(sandboxId: string, id: string): Promise<Result<ComputedAttribute, Problem>> {
    const r = await this.resources.get<ComputedAttribute>(KIND, sandboxId, id);
    return r ? ok(r.doc) : err(notFound(`Computed attribute ${id} not found`));
  }
  /** PATCH: displayName and description only (the expression is immutable once values are computed). */
  async patch(sandboxId: string, id: string, body: unknown): Promise<Result<ComputedAttribute, Problem>> {
    const cur = await this.get(sandboxId, id);
    if (!cur.ok) return cur;
    const b = (body ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(b)) if (k !== 'displayName' && k !== 'description') return err(badRequest(`${k} cannot be changed`));
    const next = { ...cur.value, ...(b as Partial<ComputedAttribute>), updateEpoch: this.clock.now() };
    await this.resources.put(KIND, sandboxId, id, next);
    this.cache.delete(sandboxId);
    return ok(next);
  }
  async delete(sandboxId: string, id: string): Promise<Result<void, Problem>> {
    const ok1 = await this.resources.delete(KIND, sandboxId, id);
    this.cache.delete(sandboxId);
    return ok1 ? ok(undefined) : err(notFound(`Computed attribute ${id} not found`));
  }
}

/** Folds one event into a CA state (pure). Returns undefined when the event does not match. */
export function foldEvent(state: CaState | undefined, e: CaExpression, event: Record<string, unknown>, ts: number, now: number): CaState | undefined {
  if (e.eventType !== undefined && event.eventType !== e.eventType) return undefined;
  if (ts < now - e.lookbackDays * DAY) return undefined;
  let val: unknown = 1;
  if (e.function !== 'COUNT') {
    val = getPath(event, e.eventPath!);
    if (val === undefined || val === null) return undefined;
    if (e.function !== 'MOST_RECENT' && typeof val !== 'number') return undefined;
  }
  const s: CaState = { ...(state ?? {}) };
  const day = String(Math.floor(ts / DAY));
  const b: CaBucket = s[day] ? { ...s[day]! } : { sum: 0, count: 0, max: null, min: null, latestTs: -Infinity, latest: null };
  b.count++;
  if (typeof val === 'number') {
    b.sum += val;
    b.max = b.max === null ? val : Math.max(b.max, val);
    b.min = b.min === null ? val : Math.min(b.min, val);
  }
  if (ts >= b.latestTs) ((b.latestTs = ts), (b.latest = val));
  s[day] = b;
  // Drop buckets that left the window.
  const oldest = Math.floor((now - e.lookbackDays * DAY) / DAY);
  for (const d of Object.keys(s)) if (Number(d) < oldest) delete s[d];
  return s;
}

/** The value of a CA over several identity states at `now` (pure). */
export function caValue(states: readonly CaState[], e: CaExpression, now: number): unknown {
  const from = now - e.lookbackDays * DAY;
  const firstDay = Math.floor(from / DAY);
  let sum = 0, count = 0, max: number | null = null, min: number | null = null, latestTs = -Infinity, latest: unknown = null;
  for (const s of states)
    for (const [d, b] of Object.entries(s)) {
      if (Number(d) < firstDay) continue;
      sum += b.sum;
      count += b.count;
      if (b.max !== null) max = max === null ? b.max : Math.max(max, b.max);
      if (b.min !== null) min = min === null ? b.min : Math.min(min, b.min);
      if (b.latestTs > latestTs) ((latestTs = b.latestTs), (latest = b.latest));
    }
  switch (e.function) {
    case 'SUM': return sum;
    case 'COUNT': return count;
    case 'MAX': return max;
    case 'MIN': return min;
    case 'MOST_RECENT': return latest;
  }
}
