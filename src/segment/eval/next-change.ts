/**
 * `nextChangeAt`: the earliest instant T > ctx.now at which `evaluate` could answer differently with the same
 * data, so the streaming runtime can re-evaluate then (members leave "in the last 3 hours" audiences on time).
 *
 * Model: instants are integer epoch ms. With the data fixed, time enters an answer only through `now` and `today`.
 * Every datetime expression is `base ± durations` (datetime arithmetic allows nothing else), so its value is either
 * constant or `now + k` (slope 1); `today` is constant until the next UTC midnight. A comparison between a slope-1
 * and a constant side flips only where they cross; windows are comparisons with `now - N` (relative), with
 * `today`/`today ± 1 day` (day windows) or with their bounds (absolute). Aggregates, event sets and CHAINs are
 * constant while every per-event filter keeps its answer. Sub-results are combined conservatively (the minimum of
 * the parts' instants), except that a false `and` (true `or`, true event set) only changes once its latest-changing
 * false (true) part can change. The result may be earlier than the real change, never later.
 * Not tracked: datetimes drifting out of the valid range (|ms| > 8.64e15, year ±275760).
 */
import type { Condition, TimeWindow, ValueExpr } from '../pql/ast.js';
import { aggregateOf, evaluateChain, evaluateCondition, evaluateValue, inWindow, selectEvents, type EvalContext, type EventView, type ProfileView } from './evaluate.js';
import { DAY_MS, DateTime, compareValues, dayStart, durationMs, toDateTimeMs, validMs, type Value } from './values.js';

type Next = number | undefined;

const minN = (a: Next, b: Next): Next => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

type Op = '<' | '<=' | '>' | '>=' | '=' | '!=';
/** The truth of `a op b` for sign(a - b) = -1, 0, +1. */
const TRUTH: Record<Op, [boolean, boolean, boolean]> = {
  '<': [true, false, false],
  '<=': [true, true, false],
  '>': [false, false, true],
  '>=': [false, true, true],
  '=': [false, true, false],
  '!=': [true, false, true],
};

const nextMidnight = (now: number): number => dayStart(now) + DAY_MS;

/** 1 if the expression's datetime value moves with now (`now ± durations`), else 0. */
export function slope(e: ValueExpr | undefined): 0 | 1 {
  if (!e) return 0;
  if (e.kind === 'now') return 1;
  if (e.kind === 'arith' && (e.op === '+' || e.op === '-')) {
    if (e.right?.kind === 'duration' && e.left?.kind !== 'duration') return slope(e.left);
    if (e.op === '+' && e.left?.kind === 'duration' && e.right?.kind !== 'duration') return slope(e.right);
  }
  return 0;
}

/** A datetime operand: its ms at now and its slope. */
interface Moving {
  ms: number;
  s: 0 | 1;
}
function moving(e: ValueExpr | undefined, view: ProfileView, ctx: EvalContext, ev?: EventView): Moving | null {
  if (!e) return null;
  const v = evaluateValue(e, view, ctx, ev);
  const ms = toDateTimeMs(v);
  return ms === null ? null : { ms, s: v instanceof DateTime ? slope(e) : 0 };
}

/**
 * When `a op b` next flips, for datetime operands of which exactly one moves with now: a - b = ±(t - x) crosses 0
 * at t = x. For an integer x the answer can change at x (if the truth at 0 differs from before) and at x + 1 (if
 * the truth after differs from at 0); otherwise at ceil(x). The first of those after now.
 */
function cross(a: Moving | null, b: Moving | null, op: Op, now: number): Next {
  if (!a || !b || a.s === b.s || !Object.hasOwn(TRUTH, op)) return undefined;
  const dir = a.s - b.s; // a - b = dir * (t - x)
  const x = now + (b.ms - a.ms) / dir;
  if (!Number.isFinite(x)) return undefined;
  const [neg, zero, pos] = TRUTH[op];
  const [before, after] = dir > 0 ? [neg, pos] : [pos, neg];
  const candidates = Number.isInteger(x) ? [before !== zero ? x : undefined, zero !== after ? x + 1 : undefined] : [before !== after ? Math.ceil(x) : undefined];
  return candidates.find((c) => c !== undefined && c > now);
}

/** A comparison-like pair: crossing if either side is a datetime (`lv`/`rv`: the sides' values, when known). */
function pairNext(l: ValueExpr, op: Op, r: ValueExpr, view: ProfileView, ctx: EvalContext, ev?: EventView, lv: Value = evaluateValue(l, view, ctx, ev), rv: Value = evaluateValue(r, view, ctx, ev)): Next {
  if (!(lv instanceof DateTime) && !(rv instanceof DateTime)) return undefined;
  return cross(moving(l, view, ctx, ev), moving(r, view, ctx, ev), op, ctx.now);
}

/** When the value of `e` (apart from its slope) can next change. */
function valueNext(e: ValueExpr | undefined, view: ProfileView, ctx: EvalContext, ev?: EventView): Next {
  switch (e?.kind) {
    case 'today':
      return nextMidnight(ctx.now);
    case 'arith':
      return minN(valueNext(e.left, view, ctx, ev), valueNext(e.right, view, ctx, ev));
    case 'fn':
      return valueNext(e.arg, view, ctx, ev);
    case 'aggregate':
      return valueWithNext(e, view, ctx, ev).next;
    default:
      return undefined;
  }
}

/**
 * `evaluateValue` and `valueNext` together. An aggregate takes one pass over the events: each event's filter is
 * evaluated once, with when its answer can change (condNext's answer is evaluateCondition's), instead of one pass
 * for the value and another for the instant.
 */
function valueWithNext(e: ValueExpr, view: ProfileView, ctx: EvalContext, ev?: EventView): { v: Value; next: Next } {
  if (e?.kind !== 'aggregate') return { v: evaluateValue(e, view, ctx, ev), next: valueNext(e, view, ctx, ev) };
  const where = e.events?.where;
  let next: Next;
  let count = 0;
  const nums: number[] = [];
  for (const x of events(view)) {
    let selected = true;
    if (where) {
      const r = condNext(where, view, ctx, x);
      next = minN(next, r.next);
      selected = r.val;
    }
    if (e.value) next = minN(next, valueNext(e.value, view, ctx, x));
    if (!selected) continue;
    count++;
    if (e.fn === 'count') continue;
    const v = e.value ? evaluateValue(e.value, view, ctx, x) : null;
    if (typeof v === 'number' && Number.isFinite(v)) nums.push(v);
  }
  return { v: aggregateOf(e.fn, count, nums), next };
}

// module constants: a closure made per call costs a property definition each time (tsx keeps function names)
const ALL_EVENTS = { kind: 'events' } as const;
const NO_SEGMENTS: EvalContext = { now: 0, inSegment: () => false };
const events = (view: ProfileView): EventView[] => selectEvents(ALL_EVENTS, view, NO_SEGMENTS);

/** When `ts` (moving with slope s) can next enter or leave the window. */
function windowNext(t: Moving | null, w: TimeWindow, view: ProfileView, ctx: EvalContext, ev?: EventView): Next {
  if (!t) return undefined;
  const now = ctx.now;
  switch (w?.kind) {
    case 'relative': {
      const bound = validMs(now - durationMs(w.amount, w.unit));
      if (bound === null) return undefined;
      // '<=' N before now: ts >= now - N; '<': ts > …; '>=': ts <= …; '>': ts < …
      const op: Op = w.cmp === '<=' ? '>=' : w.cmp === '<' ? '>' : w.cmp === '>=' ? '<=' : '<';
      return cross(t, { ms: bound, s: 1 }, op, now);
    }
    case 'day': {
      const start = dayStart(now) - (w.which === 'yesterday' ? DAY_MS : 0);
      return minN(nextMidnight(now), minN(cross(t, { ms: start, s: 0 }, '>=', now), cross(t, { ms: start + DAY_MS, s: 0 }, '<', now)));
    }
    case 'absolute': {
      let next: Next;
      const bounds: [ValueExpr | undefined, Op][] = [
        [w.from, w.inclusive ? '>=' : '>'],
        [w.to, w.inclusive ? '<=' : '<'],
      ];
      for (const [b, op] of bounds) {
        if (!b) continue;
        next = minN(next, minN(valueNext(b, view, ctx, ev), cross(t, moving(b, view, ctx, ev), op, now)));
      }
      return next;
    }
    default:
      return undefined;
  }
}

interface Result {
  val: boolean;
  next: Next;
}

/** A false `and` / true `or` / true event set: constant until its latest-changing decisive part can change. */
function decisive(parts: Result[], want: boolean): Result {
  let next = -Infinity;
  for (const r of parts) {
    if (r.val !== want) continue;
    if (r.next === undefined) return { val: want, next: undefined };
    next = Math.max(next, r.next);
  }
  return { val: want, next };
}

function condNext(c: Condition, view: ProfileView, ctx: EvalContext, ev?: EventView): Result {
  switch (c?.kind) {
    case 'and':
    case 'or': {
      const parts = (c.items ?? []).map((i) => condNext(i, view, ctx, ev));
      const stop = c.kind === 'or';
      if (parts.some((r) => r.val === stop)) return decisive(parts, stop);
      return { val: !stop, next: parts.reduce<Next>((a, r) => minN(a, r.next), undefined) };
    }
    case 'not': {
      const r = condNext(c.item, view, ctx, ev);
      return { val: !r.val, next: r.next };
    }
    case 'compare': {
      // each side evaluated once, with when it can change (an aggregate side: one pass over the events for both)
      const l = valueWithNext(c.left, view, ctx, ev);
      const r = valueWithNext(c.right, view, ctx, ev);
      return {
        val: compareValues(c.op, l.v, r.v),
        next: minN(minN(l.next, r.next), pairNext(c.left, c.op, c.right, view, ctx, ev, l.v, r.v)),
      };
    }
    case 'in': {
      let next = valueNext(c.value, view, ctx, ev);
      for (const i of c.list ?? []) next = minN(next, minN(valueNext(i, view, ctx, ev), pairNext(c.value, '=', i, view, ctx, ev)));
      return { val: evaluateCondition(c, view, ctx, ev), next };
    }
    case 'isNull':
      return { val: evaluateCondition(c, view, ctx, ev), next: valueNext(c.value, view, ctx, ev) };
    case 'string':
      return { val: evaluateCondition(c, view, ctx, ev), next: minN(valueNext(c.value, view, ctx, ev), valueNext(c.arg, view, ctx, ev)) };
    case 'occurs': {
      // the value once: evaluateCondition's answer is inWindow of the same instant
      const t = moving(c.value, view, ctx, ev);
      return {
        val: inWindow(t ? t.ms : null, c.window, view, ctx, ev),
        next: minN(valueNext(c.value, view, ctx, ev), windowNext(t, c.window, view, ctx, ev)),
      };
    }
    case 'exists': {
      const all = events(view);
      const where = c.events?.where;
      if (!where) return { val: all.length > 0, next: undefined };
      const parts = all.map((x) => condNext(where, view, ctx, x));
      if (parts.some((r) => r.val)) return decisive(parts, true);
      return { val: false, next: parts.reduce<Next>((a, r) => minN(a, r.next), undefined) };
    }
    case 'chain': {
      let next: Next;
      for (const x of events(view)) {
        const t = validMs(x.ts);
        if (t === null) continue;
        for (const s of c.steps ?? []) {
          const what = condNext(s.what, view, ctx, x);
          next = minN(next, what.next);
          // An event that can never satisfy the step's `what` makes its window irrelevant.
          if (!what.val && what.next === undefined) continue;
          if (s.when && s.when.kind !== 'afterStep') next = minN(next, windowNext({ ms: t, s: 0 }, s.when, view, ctx, x));
        }
      }
      return { val: evaluateChain(c.steps, view, ctx), next };
    }
    default:
      return { val: evaluateCondition(c, view, ctx, ev), next: undefined };
  }
}

/**
 * The earliest instant T > ctx.now at which `evaluate(cond, view, {…ctx, now: T})` could differ from its answer at
 * ctx.now (possibly earlier than the real change, never later); undefined if the answer cannot change with time.
 */
export function nextChangeAt(cond: Condition, view: ProfileView, ctx: EvalContext): number | undefined {
  return evaluateWithNextChange(cond, view, ctx).next;
}

/**
 * `evaluate` and `nextChangeAt` in one pass (the streaming runtime needs both for time-dependent definitions):
 * `value` is exactly evaluate's answer (condNext combines its parts' answers the way evaluate does).
 */
export function evaluateWithNextChange(cond: Condition, view: ProfileView, ctx: EvalContext): { value: boolean; next: number | undefined } {
  if (validMs(ctx.now) === null) return { value: evaluateCondition(cond, view, ctx), next: undefined };
  const r = condNext(cond, view, ctx, undefined);
  return { value: r.val, next: r.next !== undefined && r.next > ctx.now ? r.next : undefined };
}
