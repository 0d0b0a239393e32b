/**
 * Time words of PQL: units, and the window after `occurs` / inside a CHAIN step's `WHEN(…)`.
 *
 *   window   = ( "<" | "<=" | ">" | ">=" ) amount unit anchor
 *            | "within" amount unit [ anchor ]                  (→ relative "<=")
 *            | "today" | "yesterday"
 *            | "between" additive "and" additive               (inclusive)
 *            | "before" additive | "after" additive             (exclusive)
 *   anchor   = "before" "now"
 *            | "after" label                                    (CHAIN WHEN only: an earlier step, "<" / "<=" only)
 *   amount   = number
 *   unit     = millisecond(s) | second(s) | minute(s) | hour(s) | day(s) | week(s) | month(s) | year(s)
 *
 * Valid AEP time words we do not support (anchors `today`/`yesterday`/`tomorrow`/`from`/`after now`, `last|this|next
 * <unit>`, `occurs = …`, `occurs on …`, decades/centuries/millennia) fail with an error naming the construct.
 */
import type { ChainStep, TimeUnit, TimeWindow, ValueExpr } from './ast.js';
import { PqlSyntaxError, type Token } from './lexer.js';

const UNIT_WORDS: Record<string, TimeUnit> = {};
for (const u of ['millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'year'] as const) {
  UNIT_WORDS[u] = u;
  UNIT_WORDS[`${u}s`] = u;
}
const UNSUPPORTED_UNITS = new Set(['decade', 'decades', 'century', 'centuries', 'millennium', 'millennia']);

/** The unit named by a word (singular or plural), if any. */
export function unitOf(word: string): TimeUnit | undefined {
  return Object.prototype.hasOwnProperty.call(UNIT_WORDS, word) ? UNIT_WORDS[word] : undefined;
}

export function isUnsupportedUnit(word: string): boolean {
  return UNSUPPORTED_UNITS.has(word);
}

/** What the window parser needs from the expression parser. */
export interface WindowHost {
  peek(offset?: number): Token;
  next(): Token;
  isWord(word: string, offset?: number): boolean;
  isPunct(text: string, offset?: number): boolean;
  fail(message: string, at: Token | number): never;
  unsupported(construct: string, at: Token | number): never;
  /** A value expression (no comparisons, no `and`). */
  parseValue(): ValueExpr;
}

export type StepWhen = NonNullable<ChainStep['when']>;

/**
 * Parses a window. `steps` (labels of the earlier CHAIN steps) enables `after <label>`; outside CHAIN it is undefined.
 */
export function parseWindow(h: WindowHost, steps?: readonly string[]): StepWhen {
  const t = h.peek();
  if (t.type === 'punct' && ['<', '<=', '>', '>=', '=', '!=', '=='].includes(t.text)) {
    h.next();
    return relative(h, t, t.text, steps);
  }
  if (t.type !== 'ident') h.fail(`Expected a time window after 'occurs' (e.g. '<= 30 days before now', 'today', 'between …')`, t);
  switch (t.text) {
    case 'within':
      h.next();
      return relative(h, t, 'within', steps);
    case 'today':
    case 'yesterday':
      h.next();
      return { kind: 'day', which: t.text };
    case 'tomorrow':
      return h.unsupported('occurs tomorrow', t);
    case 'between': {
      h.next();
      const from = bound(h);
      if (!h.isWord('and')) h.fail(`Expected 'and' in 'between … and …'`, h.peek());
      h.next();
      const to = bound(h);
      return { kind: 'absolute', from, to, inclusive: true };
    }
    case 'before':
    case 'after': {
      h.next();
      const w = h.peek();
      if (w.type === 'ident' && ['today', 'yesterday', 'tomorrow'].includes(w.text)) h.unsupported(`${t.text} ${w.text}`, t);
      const v = bound(h);
      return t.text === 'before' ? { kind: 'absolute', to: v, inclusive: false } : { kind: 'absolute', from: v, inclusive: false };
    }
    case 'last':
    case 'this':
    case 'next': {
      const u = h.peek(1);
      return h.unsupported(u.type === 'ident' ? `${t.text} ${u.text}` : t.text, t);
    }
    case 'on':
      return h.unsupported('occurs on', t);
    case 'date':
      return h.unsupported('occurs on', t);
    default:
      return h.fail(`Expected a time window after 'occurs' (e.g. '<= 30 days before now', 'today', 'between …'), found '${t.text}'`, t);
  }
}

function bound(h: WindowHost): ValueExpr {
  return h.parseValue();
}

function relative(h: WindowHost, first: Token, cmp: string, steps: readonly string[] | undefined): StepWhen {
  const a = h.next();
  if (a.type !== 'number') h.fail(`Expected a number of time units after '${cmp}'`, a);
  const amount = a.num as number;
  const u = h.next();
  const unit = u.type === 'ident' ? unitOf(u.text) : undefined;
  if (u.type === 'ident' && isUnsupportedUnit(u.text)) h.unsupported(u.text, u);
  if (!unit) h.fail(`Expected a time unit (days, hours, …) after '${a.text}'`, u);
  const anchor = h.peek();
  const isAnchor = anchor.type === 'ident' && ['before', 'after', 'from'].includes(anchor.text);
  if (!isAnchor) {
    if (cmp === 'within') return { kind: 'relative', cmp: '<=', amount, unit };
    h.fail(`Expected 'before now' after '${a.text} ${u.text}'`, anchor);
  }
  h.next();
  const target = h.peek();
  if (anchor.text === 'after' && steps && target.type === 'ident' && target.text !== 'now') {
    h.next();
    const step = steps.indexOf(target.text);
    if (step < 0) h.fail(`'after ${target.text}' must reference an earlier CHAIN step`, target);
    const c = cmp === 'within' ? '<=' : cmp;
    if (c !== '<' && c !== '<=') h.unsupported(`${cmp} … after a step`, first);
    return { kind: 'afterStep', step, cmp: c, amount, unit };
  }
  if (anchor.text === 'after' && !steps && target.type === 'ident' && !['now', 'today', 'yesterday', 'tomorrow'].includes(target.text))
    h.fail(`'after ${target.text}' (relative to a step) is only valid in a CHAIN step's WHEN(…)`, anchor);
  if (anchor.text !== 'before' || !(target.type === 'ident' && target.text === 'now')) {
    const what = target.type === 'ident' || target.type === 'number' ? `${anchor.text} ${target.text}` : anchor.text;
    h.unsupported(what, anchor);
  }
  h.next();
  if (h.isPunct('(') && h.isPunct(')', 1)) {
    h.next();
    h.next();
  }
  if (cmp === 'within') return { kind: 'relative', cmp: '<=', amount, unit };
  if (cmp === '<' || cmp === '<=' || cmp === '>' || cmp === '>=') return { kind: 'relative', cmp, amount, unit };
  return h.unsupported(`occurs ${cmp}`, first);
}

/** Renders a window back to PQL (`printValue` prints a bound). Returns undefined for shapes PQL cannot express. */
export function printWindow(w: StepWhen, printValue: (v: ValueExpr) => string, labels: readonly string[]): string | undefined {
  const dur = (amount: number, unit: TimeUnit): string => `${fmtNum(amount)} ${unit}${amount === 1 ? '' : 's'}`;
  switch (w.kind) {
    case 'relative':
      return `${w.cmp} ${dur(w.amount, w.unit)} before now`;
    case 'afterStep': {
      const label = labels[w.step];
      return label === undefined ? undefined : `${w.cmp} ${dur(w.amount, w.unit)} after ${label}`;
    }
    case 'day':
      return w.which;
    case 'absolute': {
      // A bound must not start with a day word (`before today` is the unsupported anchor, not a value).
      const b = (v: ValueExpr): string => {
        const s = printValue(v);
        return /^(today|yesterday|tomorrow)\b/.test(s) ? `(${s})` : s;
      };
      if (w.from && w.to && w.inclusive) return `between ${b(w.from)} and ${b(w.to)}`;
      if (w.to && !w.from && !w.inclusive) return `before ${b(w.to)}`;
      if (w.from && !w.to && !w.inclusive) return `after ${b(w.from)}`;
      return undefined;
    }
  }
}

export function fmtNum(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}
