/**
 * The reference evaluator of a segment definition over one profile (entity + events) at an instant (`ctx.now`).
 * It follows `../pql/ast.ts` to the letter; the batch SQL compiler must give the same answers. Decisions beyond
 * ast.ts (the SQL compiler mirrors them; full list in ./README.md):
 * - Data: values read from paths are normalised (undefined, NaN, ±Infinity, bigint, … → null). Paths walk objects
 *   by own keys only; arrays are not traversed (a segment below an array is null). isNull is true only for
 *   null/missing ("" , [] and {} are not null). Arrays and objects compare unequal to everything (`=` false, `!=` true).
 * - Datetimes: a tagged value (`DateTime`), valid when finite and |ms| <= 8.64e15, else null. Coercion: numbers are
 *   epoch ms (no rounding), strings a strict ISO-8601 subset (see values.ts `parseIsoDatetime`), others null.
 *   An event's `timestamp` path is its `ts`. `x ± duration` and `duration + x` coerce x to a datetime; a duration
 *   anywhere else, and any other arithmetic on datetimes, is null. Number arithmetic: ÷0, %0, non-finite → null;
 *   arithmetic on non-numbers → null.
 * - String tests need two strings (else false, also when negated); case-insensitive = lower() both sides
 *   (`matches`: the `i` flag; a leading `(?i)` also). `like`: `%`, `_` (one code point), `\` escapes the next char.
 *   `matches` searches (unanchored). lower/upper/trim/length on non-strings → null; trim strips U+0020 only;
 *   length counts code points.
 * - `occurs` coerces its value to a datetime; windows: see `inWindow`. A bound that is null or out of range → false.
 * - Aggregates: sum/min/max/avg take finite numbers only (datetimes are ignored too).
 * - CHAIN: events with a non-finite ts never take part; an `afterStep` naming a step >= its own index (or < 0) can
 *   never be satisfied; a chain with no steps is true. view.events is trusted to be deduplicated by id.
 */
import type { ChainStep, Condition, EventSet, TimeWindow, ValueExpr } from '../pql/ast.js';
import {
  DAY_MS,
  DateTime,
  applyFn,
  arith,
  compareValues,
  dateTimeOf,
  dayStart,
  durationMs,
  inList,
  readPath,
  stringTest,
  toDateTimeMs,
  validMs,
  type Value,
} from './values.js';

export { DateTime, type Value } from './values.js';

export interface EventView {
  id: string;
  ts: number;
  event: Record<string, unknown>;
}
export interface ProfileView {
  entity: Record<string, unknown>;
  events: EventView[];
}
export interface EvalContext {
  now: number;
  inSegment(segmentId: string): boolean;
}

/** Does the profile qualify at ctx.now? Never throws on any data. */
export function evaluate(cond: Condition, view: ProfileView, ctx: EvalContext): boolean {
  return evaluateCondition(cond, view, ctx, undefined);
}

/** The profile's events; anything that is not an object is skipped (never throw on data). */
function eventsOf(view: ProfileView): EventView[] {
  const all: unknown[] = view && Array.isArray(view.events) ? view.events : [];
  return all.every(isEvent) ? (all as EventView[]) : all.filter(isEvent);
}
const isEvent = (e: unknown): e is EventView => typeof e === 'object' && e !== null;

/** A value expression; `event` is the event in scope (paths with root 'event' read it). */
export function evaluateValue(expr: ValueExpr, view: ProfileView, ctx: EvalContext, event?: EventView): Value {
  switch (expr?.kind) {
    case 'literal':
      return typeof expr.value === 'number' && !Number.isFinite(expr.value) ? null : (expr.value ?? null);
    case 'datetime':
      return dateTimeOf(expr.ms);
    case 'now':
      return dateTimeOf(ctx.now);
    case 'today':
      return dateTimeOf(dayStart(ctx.now));
    case 'duration':
      return null;
    case 'path':
      if (expr.root === 'event') {
        if (!event) return null;
        if (Array.isArray(expr.path) && expr.path.length === 1 && expr.path[0] === 'timestamp') return dateTimeOf(event.ts);
        return readPath(event.event, expr.path);
      }
      return readPath(view?.entity, expr.path);
    case 'arith': {
      const lDur = expr.left?.kind === 'duration' ? durationMs(expr.left.amount, expr.left.unit) : null;
      const rDur = expr.right?.kind === 'duration' ? durationMs(expr.right.amount, expr.right.unit) : null;
      return arith(expr.op, evaluateValue(expr.left, view, ctx, event), evaluateValue(expr.right, view, ctx, event), lDur, rDur);
    }
    case 'fn':
      return applyFn(expr.fn, evaluateValue(expr.arg, view, ctx, event));
    case 'aggregate':
      return aggregate(expr, view, ctx, event);
    default:
      return null;
  }
}

/** The events of an event set (`where` evaluated with each event in scope). */
export function selectEvents(set: EventSet, view: ProfileView, ctx: EvalContext): EventView[] {
  const all = eventsOf(view);
  if (!set?.where) return all;
  return all.filter((e) => evaluateCondition(set.where as Condition, view, ctx, e));
}

function aggregate(expr: Extract<ValueExpr, { kind: 'aggregate' }>, view: ProfileView, ctx: EvalContext, _scope?: EventView): Value {
  const evs = selectEvents(expr.events, view, ctx);
  if (expr.fn === 'count') return evs.length;
  const nums: number[] = [];
  for (const e of evs) {
    const v = expr.value ? evaluateValue(expr.value, view, ctx, e) : null;
    if (typeof v === 'number' && Number.isFinite(v)) nums.push(v);
  }
  return aggregateOf(expr.fn, evs.length, nums);
}

/** An aggregate's value from the selected events' count and their finite numeric values. */
export function aggregateOf(fn: Extract<ValueExpr, { kind: 'aggregate' }>['fn'], count: number, nums: number[]): Value {
  switch (fn) {
    case 'count':
      return count;
    case 'sum':
      return nums.reduce((a, b) => a + b, 0);
    case 'min':
      return nums.length ? Math.min(...nums) : null;
    case 'max':
      return nums.length ? Math.max(...nums) : null;
    case 'avg':
      return nums.length ? nums.reduce((a, b) => a + b, 0) / nums.length : null;
    default:
      return null;
  }
}

/** Is the datetime `ts` (epoch ms, may be null) inside `w` at ctx.now? */
export function inWindow(ts: number | null, w: TimeWindow, view: ProfileView, ctx: EvalContext, event?: EventView): boolean {
  if (ts === null) return false;
  switch (w?.kind) {
    case 'relative': {
      const bound = validMs(ctx.now - durationMs(w.amount, w.unit));
      if (bound === null) return false;
      switch (w.cmp) {
        case '<=':
          return ts >= bound;
        case '<':
          return ts > bound;
        case '>=':
          return ts <= bound;
        case '>':
          return ts < bound;
        default:
          return false;
      }
    }
    case 'day': {
      const today = dayStart(ctx.now);
      const start = w.which === 'today' ? today : w.which === 'yesterday' ? today - DAY_MS : NaN;
      return ts >= start && ts < start + DAY_MS;
    }
    case 'absolute': {
      if (w.from) {
        const f = toDateTimeMs(evaluateValue(w.from, view, ctx, event));
        if (f === null || !(w.inclusive ? ts >= f : ts > f)) return false;
      }
      if (w.to) {
        const t = toDateTimeMs(evaluateValue(w.to, view, ctx, event));
        if (t === null || !(w.inclusive ? ts <= t : ts < t)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** A condition, with `event` in scope when inside an event filter. */
export function evaluateCondition(cond: Condition, view: ProfileView, ctx: EvalContext, event?: EventView): boolean {
  switch (cond?.kind) {
    case 'bool':
      return cond.value === true;
    case 'and':
      return (cond.items ?? []).every((c) => evaluateCondition(c, view, ctx, event));
    case 'or':
      return (cond.items ?? []).some((c) => evaluateCondition(c, view, ctx, event));
    case 'not':
      return !evaluateCondition(cond.item, view, ctx, event);
    case 'compare':
      return compareValues(cond.op, evaluateValue(cond.left, view, ctx, event), evaluateValue(cond.right, view, ctx, event));
    case 'in':
      return inList(
        evaluateValue(cond.value, view, ctx, event),
        (cond.list ?? []).map((x) => evaluateValue(x, view, ctx, event)),
        cond.negate === true,
      );
    case 'isNull': {
      const isNull = evaluateValue(cond.value, view, ctx, event) === null;
      return cond.negate ? !isNull : isNull;
    }
    case 'string':
      return stringTest(
        cond.test,
        evaluateValue(cond.value, view, ctx, event),
        evaluateValue(cond.arg, view, ctx, event),
        cond.caseSensitive !== false,
        cond.negate === true,
      );
    case 'occurs':
      return inWindow(toDateTimeMs(evaluateValue(cond.value, view, ctx, event)), cond.window, view, ctx, event);
    case 'exists':
      return selectEvents(cond.events, view, ctx).length > 0;
    case 'chain':
      return evaluateChain(cond.steps, view, ctx);
    case 'inSegment':
      return ctx?.inSegment?.(cond.segmentId) === true;
    default:
      return false;
  }
}

type AfterStep = Extract<NonNullable<ChainStep['when']>, { kind: 'afterStep' }>;

/** Does event `e` satisfy step `i`'s `what` and its now-relative/absolute `when`? (afterStep is checked in the search.) */
export function stepAccepts(step: ChainStep, e: EventView, view: ProfileView, ctx: EvalContext): boolean {
  if (!evaluateCondition(step.what, view, ctx, e)) return false;
  if (step.when && step.when.kind !== 'afterStep') return inWindow(validMs(e.ts), step.when, view, ctx, e);
  return true;
}

/**
 * CHAIN: a depth-first search over steps with events in ts order. A step no later step refers to (by afterStep)
 * only needs its earliest admissible event (later ones only shrink what follows); failed states are memoised on
 * (step, previous ts, ts of the earlier steps later steps refer to).
 */
export function evaluateChain(steps: ChainStep[], view: ProfileView, ctx: EvalContext): boolean {
  if (!Array.isArray(steps) || steps.length === 0) return true;
  const n = steps.length;
  const events = eventsOf(view)
    .filter((e) => validMs(e?.ts) !== null)
    .sort((a, b) => a.ts - b.ts);
  const after: (AfterStep | undefined)[] = steps.map((s) => (s.when?.kind === 'afterStep' ? s.when : undefined));
  for (let i = 0; i < n; i++) {
    const a = after[i];
    if (a && !(Number.isInteger(a.step) && a.step >= 0 && a.step < i)) return false;
  }
  const cands = steps.map((s) => events.filter((e) => stepAccepts(s, e, view, ctx)));
  if (cands.some((c) => c.length === 0)) return false;
  const referenced = new Set(after.filter((a): a is AfterStep => !!a).map((a) => a.step));
  // needed[i]: earlier steps (< i) referenced by a step >= i.
  const needed = steps.map((_, i) => [...referenced].filter((k) => k < i && after.some((a, j) => j >= i && a?.step === k)).sort((x, y) => x - y));
  const ts: number[] = new Array(n).fill(0);
  const failed = new Set<string>();
  const dfs = (i: number): boolean => {
    if (i === n) return true;
    const key = `${i}|${i > 0 ? ts[i - 1] : ''}|${needed[i].map((k) => ts[k]).join(',')}`;
    if (failed.has(key)) return false;
    const prev = i > 0 ? ts[i - 1] : -Infinity;
    const a = after[i];
    const lim = a ? durationMs(a.amount, a.unit) : NaN;
    for (const e of cands[i]) {
      if (!(e.ts > prev)) continue;
      if (a) {
        const d = e.ts - ts[a.step];
        if (!(d > 0 && (a.cmp === '<' ? d < lim : d <= lim))) continue;
      }
      ts[i] = e.ts;
      if (dfs(i + 1)) return true;
      if (!referenced.has(i)) break;
    }
    failed.add(key);
    return false;
  };
  return dfs(0);
}
