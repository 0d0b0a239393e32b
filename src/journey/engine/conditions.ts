import type { Condition, ValueExpr } from '../../segment/pql/ast.js';
import { parsePql } from '../../segment/pql/parser.js';
import { evaluateCondition, type EventView } from '../../segment/eval/evaluate.js';
import type { Person } from '../journey-ports.js';

/**
 * Journey conditions in the project's PQL. At top level PQL reads the profile, so a journey condition's
 * `event.<path>` is rewritten once at parse to a path rooted at the current event (the evaluator's `event` scope):
 * `event.commerce.order.priceTotal > 100`, `event.timestamp` (the event's time), `event.eventType = "x"`. A profile
 * attribute literally named `event` stays reachable as `$1.event.…`. Inside `xEvent[…]` nothing is rewritten (bare
 * paths there already read each history event).
 */

const MAX_CACHE = 10_000;
const cache = new Map<string, Condition | null>();

/** The parsed (and rewritten) condition, or null when the text does not parse. Cached per text. */
export function parseJourneyCondition(text: string): Condition | null {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const r = typeof text === 'string' ? parsePql(text) : null;
  const cond = r && r.ok ? rewriteCondition(r.value.root, text) : null;
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(text, cond);
  return cond;
}

/** An ExperienceEvent record as the evaluator's event view (`_id`, `timestamp` as epoch ms). */
export function eventView(record: Record<string, unknown> | undefined): EventView | undefined {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return undefined;
  const t = record.timestamp;
  const ts = typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : NaN;
  return { id: typeof record._id === 'string' ? record._id : '', ts, event: record };
}

/** `true`/`false`, or `error` when the text does not parse (the caller treats it as false and flags the step). */
export function holds(text: string, person: Person, now: number, event: Record<string, unknown> | undefined): boolean | 'error' {
  const cond = parseJourneyCondition(text);
  if (!cond) return 'error';
  const view = { entity: person.profile ?? {}, events: Array.isArray(person.events) ? person.events : [] };
  const segments = person.segments instanceof Set ? person.segments : new Set<string>();
  return evaluateCondition(cond, view, { now, inSegment: (id) => segments.has(id) }, eventView(event));
}

function rewriteValue(v: ValueExpr, src: string): ValueExpr {
  switch (v?.kind) {
    case 'path': {
      const explicitProfile = v.span !== undefined && src.slice(v.span.start, v.span.start + 2) === '$1';
      if (v.root === 'profile' && v.path[0] === 'event' && v.path.length > 1 && !explicitProfile) return { ...v, root: 'event', path: v.path.slice(1) };
      return v;
    }
    case 'arith':
      return { ...v, left: rewriteValue(v.left, src), right: rewriteValue(v.right, src) };
    case 'fn':
      return { ...v, arg: rewriteValue(v.arg, src) };
    default:
      // aggregates are event scopes: left as they are
      return v;
  }
}

function rewriteCondition(c: Condition, src: string): Condition {
  switch (c?.kind) {
    case 'and':
    case 'or':
      return { ...c, items: c.items.map((x) => rewriteCondition(x, src)) };
    case 'not':
      return { ...c, item: rewriteCondition(c.item, src) };
    case 'compare':
      return { ...c, left: rewriteValue(c.left, src), right: rewriteValue(c.right, src) };
    case 'in':
      return { ...c, value: rewriteValue(c.value, src), list: c.list.map((x) => rewriteValue(x, src)) };
    case 'isNull':
      return { ...c, value: rewriteValue(c.value, src) };
    case 'string':
      return { ...c, value: rewriteValue(c.value, src), arg: rewriteValue(c.arg, src) };
    case 'occurs':
      if (c.window.kind === 'absolute') {
        const w = c.window;
        return { ...c, value: rewriteValue(c.value, src), window: { ...w, ...(w.from ? { from: rewriteValue(w.from, src) } : {}), ...(w.to ? { to: rewriteValue(w.to, src) } : {}) } };
      }
      return { ...c, value: rewriteValue(c.value, src) };
    default:
      // exists / chain are event scopes; bool / inSegment have no paths
      return c;
  }
}
