/**
 * The one AST of a segment definition. The parser (`parser.ts`) produces it from PQL text; the streaming evaluator
 * (`../eval/`) and the batch SQL compiler (`../sql/`) both consume it. Semantics are written down here, once, and
 * both back ends must follow them exactly (a property test compares them on random definitions and data).
 *
 * ## Values
 * - Scalars are string, number, boolean, null, and **datetime** (epoch ms, UTC). A JSON value read from a path is a
 *   string/number/boolean/null/array/object; a missing path is null.
 * - A comparison where one side is a datetime (a `date(...)` literal, `now`, `today`, a `timestamp` path of an event,
 *   or arithmetic on those) converts the other side to a datetime: numbers are epoch ms, strings are parsed as ISO-8601
 *   (an unparseable string is null).
 * - Otherwise `=`/`!=` compare strings with strings and numbers with numbers and booleans with booleans; mixed types
 *   (e.g. "3" = 3) are false for `=` and true for `!=` only when both sides are non-null. `<`, `<=`, `>`, `>=` compare
 *   two numbers, two strings (code-unit order) or two datetimes; anything else is false.
 *
 * ## Two-valued logic
 * Every predicate (comparison, `in`, string test, `isNull`, …) is **true or false, never unknown**: a predicate whose
 * operand is null is false, except `isNull`/`exists` tests and `!=`/`notIn` which are also false on null (AEP:
 * "notIn also excludes null"). `and`, `or`, `not` are then plain boolean logic. (The SQL compiler wraps every
 * predicate in `coalesce(…, false)` to get the same.)
 *
 * ## Time
 * Durations are fixed: millisecond, second, minute, hour, day = 86,400,000 ms, week = 7 days, month = 30 days,
 * year = 365 days (documented deviation from calendar months). `now` is the evaluation instant; `today` is
 * 00:00 UTC of now's day. Windows relative to now: `ts occurs <= N days before now` means ts >= now - N days
 * (`<` strict: ts > now - N days); `occurs >= N days before now` means ts <= now - N days (`>` strict).
 * `within N days` is `<= N days before now`. Events with a timestamp after now count as inside any `before now` window.
 *
 * ## Events
 * `xEvent` is the profile's ExperienceEvents (all graph members, deduplicated by `_id`), each with its epoch-ms `ts`
 * (from `timestamp`). An event set is `xEvent` filtered by a condition evaluated with the event as root.
 * Aggregates: count (number of events), sum/min/max/avg of a numeric path (non-numbers ignored; sum of none = 0;
 * min/max/avg of none = null). An event set used as a boolean means count > 0.
 *
 * ## CHAIN
 * True when there exist events e0, e1, … (one per step, strictly increasing ts) where e_i satisfies step i's `what`,
 * and its `when` (if any): relative to now (a window as above) or to the previous step's event
 * (`<= N unit after C<k>`: 0 < e_i.ts - e_k.ts <= N unit).
 */

export interface Span {
  /** Offsets into the PQL text (start inclusive, end exclusive). */
  start: number;
  end: number;
}

export type TimeUnit = 'millisecond' | 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
export const UNIT_MS: Record<TimeUnit, number> = {
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
  year: 365 * 86_400_000,
};

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%';
export type StringTest = 'startsWith' | 'endsWith' | 'contains' | 'equals' | 'like' | 'matches';
export type AggregateFn = 'count' | 'sum' | 'min' | 'max' | 'avg';

/** A value-producing expression. */
export type ValueExpr =
  | { kind: 'literal'; value: string | number | boolean | null; span?: Span }
  /** A datetime literal (`date(2020, 3, 14)`, `date(2020,3,14,10,30)`), epoch ms UTC. */
  | { kind: 'datetime'; ms: number; span?: Span }
  /** `now` / `now()` (the evaluation instant) and `today` (00:00 UTC of now). */
  | { kind: 'now'; span?: Span }
  | { kind: 'today'; span?: Span }
  /** A duration (`3 days`) — only valid as an operand of + or - with a datetime. */
  | { kind: 'duration'; amount: number; unit: TimeUnit; span?: Span }
  /**
   * A field: `root` 'profile' = the profile entity (e.g. `homeAddress.country`, `computedAttributes.ltv`), 'event' =
   * the event in scope (inside `xEvent[…]`, `select X from xEvent where X.…`, a CHAIN step).
   */
  | { kind: 'path'; root: 'profile' | 'event'; path: string[]; span?: Span }
  | { kind: 'arith'; op: ArithOp; left: ValueExpr; right: ValueExpr; span?: Span }
  /** String value functions: lower(x)/x.lower(), upper, trim, length. */
  | { kind: 'fn'; fn: 'lower' | 'upper' | 'trim' | 'length'; arg: ValueExpr; span?: Span }
  /** `<events>.count()`, `.sum(path)`, … over an event set. `value` is evaluated with the event as root. */
  | { kind: 'aggregate'; fn: AggregateFn; events: EventSet; value?: ValueExpr; span?: Span };

/** `xEvent` filtered by a condition (evaluated with the event as root); `where` absent = all events. */
export interface EventSet {
  kind: 'events';
  where?: Condition;
  span?: Span;
}

/** A time constraint on a timestamp, relative to now/today, or absolute. */
export type TimeWindow =
  /** `occurs <cmp> N unit before now` (cmp '<' | '<=' = inside the last N units; '>' | '>=' = older than). */
  | { kind: 'relative'; cmp: '<' | '<=' | '>' | '>='; amount: number; unit: TimeUnit }
  /** `occurs today` / `occurs yesterday` (UTC calendar day). */
  | { kind: 'day'; which: 'today' | 'yesterday' }
  /** `occurs between A and B` (inclusive), `occurs before A` (ts < A), `occurs after A` (ts > A). */
  | { kind: 'absolute'; from?: ValueExpr; to?: ValueExpr; inclusive: boolean };

export interface ChainStep {
  label: string;
  what: Condition;
  /** Relative to now, or to an earlier step's event (`after C0`). */
  when?: TimeWindow | { kind: 'afterStep'; step: number; cmp: '<' | '<='; amount: number; unit: TimeUnit };
}

/** A boolean-producing expression. */
export type Condition =
  | { kind: 'bool'; value: boolean; span?: Span }
  | { kind: 'and'; items: Condition[]; span?: Span }
  | { kind: 'or'; items: Condition[]; span?: Span }
  | { kind: 'not'; item: Condition; span?: Span }
  | { kind: 'compare'; op: CompareOp; left: ValueExpr; right: ValueExpr; span?: Span }
  /** `x in [..]` / `x notIn [..]` (negate). */
  | { kind: 'in'; value: ValueExpr; list: ValueExpr[]; negate: boolean; span?: Span }
  /** `x.isNull()` (negate=false) / `x.isNotNull()`, `exists x` (negate=true). Missing = null. */
  | { kind: 'isNull'; value: ValueExpr; negate: boolean; span?: Span }
  /** `x.startsWith("a"[, caseSensitive])`, `x like "%a_"`, `x.matches("re")`; negate for doesNotStartWith etc. */
  | { kind: 'string'; test: StringTest; value: ValueExpr; arg: ValueExpr; caseSensitive: boolean; negate: boolean; span?: Span }
  /** `timestamp occurs …` on a datetime-valued expression (usually the event's `timestamp`). */
  | { kind: 'occurs'; value: ValueExpr; window: TimeWindow; span?: Span }
  /** An event set in boolean position (`xEvent[...]`, `xEvent[...].exists()`): count > 0. */
  | { kind: 'exists'; events: EventSet; span?: Span }
  | { kind: 'chain'; steps: ChainStep[]; span?: Span }
  | { kind: 'inSegment'; segmentId: string; span?: Span };

/** A parsed definition: the condition over one profile. */
export interface SegmentAst {
  root: Condition;
  /** The PQL text it came from. */
  source: string;
}
