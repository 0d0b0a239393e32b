/**
 * Static analysis of a definition for the streaming runtime: can it be kept current incrementally, what does it
 * read (segments, event filters, event fields), and which events can matter to it at all (prefilter).
 */
import type { Condition, EventSet, TimeWindow, ValueExpr } from '../pql/ast.js';
import { evaluateCondition, type EvalContext, type EventView, type ProfileView } from './evaluate.js';

type Node = { type: 'cond'; node: Condition } | { type: 'value'; node: ValueExpr };

/**
 * Visits every condition and value node (pre-order). `inEvent` = inside an event scope (an event set's `where`,
 * an aggregate's `value`, a CHAIN step's `what`/`when`).
 */
export function visit(root: Condition, fn: (n: Node, inEvent: boolean) => void): void {
  const v = (x: ValueExpr | undefined, inEvent: boolean): void => {
    if (!x || typeof x !== 'object') return;
    fn({ type: 'value', node: x }, inEvent);
    switch (x.kind) {
      case 'arith':
        v(x.left, inEvent);
        v(x.right, inEvent);
        return;
      case 'fn':
        v(x.arg, inEvent);
        return;
      case 'aggregate':
        set(x.events);
        v(x.value, true);
        return;
      default:
        return;
    }
  };
  const set = (s: EventSet | undefined): void => {
    if (s?.where) c(s.where, true);
  };
  const win = (w: TimeWindow | undefined, inEvent: boolean): void => {
    if (w?.kind === 'absolute') {
      v(w.from, inEvent);
      v(w.to, inEvent);
    }
  };
  const c = (x: Condition | undefined, inEvent: boolean): void => {
    if (!x || typeof x !== 'object') return;
    fn({ type: 'cond', node: x }, inEvent);
    switch (x.kind) {
      case 'and':
      case 'or':
        for (const i of x.items ?? []) c(i, inEvent);
        return;
      case 'not':
        c(x.item, inEvent);
        return;
      case 'compare':
        v(x.left, inEvent);
        v(x.right, inEvent);
        return;
      case 'in':
        v(x.value, inEvent);
        for (const i of x.list ?? []) v(i, inEvent);
        return;
      case 'isNull':
        v(x.value, inEvent);
        return;
      case 'string':
        v(x.value, inEvent);
        v(x.arg, inEvent);
        return;
      case 'occurs':
        v(x.value, inEvent);
        win(x.window, inEvent);
        return;
      case 'exists':
        set(x.events);
        return;
      case 'chain':
        for (const s of x.steps ?? []) {
          c(s.what, true);
          if (s.when && s.when.kind !== 'afterStep') win(s.when, true);
        }
        return;
      default:
        return;
    }
  };
  c(root, false);
}

const KNOWN_COND = new Set(['bool', 'and', 'or', 'not', 'compare', 'in', 'isNull', 'string', 'occurs', 'exists', 'chain', 'inSegment']);
const KNOWN_VALUE = new Set(['literal', 'datetime', 'now', 'today', 'duration', 'path', 'arith', 'fn', 'aggregate']);

/**
 * Can the streaming runtime keep this definition current? It keeps, per profile, the events passing
 * `eventPrefilter` (projected to `eventPaths`), re-evaluates on every profile/event change and at `nextChangeAt`.
 * That needs event filters that depend on the event alone (so the prefilter is fixed): no profile attributes, no
 * `inSegment` and no nested event sets inside an event scope. Windows and datetime bounds built from `now`/`today`
 * are always `now ± durations` (datetime arithmetic allows nothing else), which `nextChangeAt` tracks, so no
 * window kind is excluded.
 */
export function streamingEligibility(root: Condition): { eligible: boolean; reason?: string } {
  let reason: string | undefined;
  visit(root, (n, inEvent) => {
    if (reason) return;
    const k = n.node?.kind as string;
    if (n.type === 'cond' ? !KNOWN_COND.has(k) : !KNOWN_VALUE.has(k)) {
      reason = `Unsupported construct '${k}' for streaming evaluation.`;
      return;
    }
    if (!inEvent) return;
    const x = n.node;
    if (x.kind === 'path' && x.root === 'profile') {
      reason = `An event condition reads the profile attribute '${(x.path ?? []).join('.')}'; event conditions that refer to profile attributes are evaluated in batch.`;
    } else if (x.kind === 'inSegment') {
      reason = `An event condition uses inSegment("${x.segmentId}"); audience membership inside an event condition is evaluated in batch.`;
    } else if (x.kind === 'exists' || x.kind === 'aggregate' || x.kind === 'chain') {
      reason = 'An event condition contains another event query (nested xEvent); nested event queries are evaluated in batch.';
    }
  });
  return reason ? { eligible: false, reason } : { eligible: true };
}

/** Segment ids read through inSegment(), deduplicated, in order of first appearance. */
export function referencedSegments(root: Condition): string[] {
  const out = new Set<string>();
  visit(root, (n) => {
    if (n.type === 'cond' && n.node.kind === 'inSegment' && typeof n.node.segmentId === 'string') out.add(n.node.segmentId);
  });
  return [...out];
}

/**
 * Every event filter: the `where` of each event set and each CHAIN step's `what` (with its now-relative or
 * absolute `when` folded in as `timestamp occurs …`). An event set without `where` contributes `true`.
 */
export function eventConditions(root: Condition): Condition[] {
  const out: Condition[] = [];
  const ts: ValueExpr = { kind: 'path', root: 'event', path: ['timestamp'] };
  const fromSet = (s: EventSet | undefined): void => {
    out.push(s?.where ?? { kind: 'bool', value: true });
  };
  visit(root, (n) => {
    if (n.type === 'value' && n.node.kind === 'aggregate') fromSet(n.node.events);
    if (n.type !== 'cond') return;
    const x = n.node;
    if (x.kind === 'exists') fromSet(x.events);
    if (x.kind === 'chain') {
      for (const s of x.steps ?? []) {
        out.push(s.when && s.when.kind !== 'afterStep' ? { kind: 'and', items: [s.what, { kind: 'occurs', value: ts, window: s.when }] } : s.what);
      }
    }
  });
  return out;
}

/** Does the definition read events at all (an event set, an aggregate or a CHAIN)? */
export function usesEvents(root: Condition): boolean {
  let found = false;
  visit(root, (n) => {
    const k = n.node?.kind;
    if (k === 'exists' || k === 'chain' || k === 'aggregate') found = true;
  });
  return found;
}

/** Does the answer depend on the evaluation instant (now, today, a relative or day window)? */
export function usesNow(root: Condition): boolean {
  let found = false;
  visit(root, (n) => {
    const x = n.node;
    if (x?.kind === 'now' || x?.kind === 'today') found = true;
    if (x?.kind === 'occurs' && x.window?.kind !== 'absolute') found = true;
    if (x?.kind === 'chain' && (x.steps ?? []).some((s) => s.when && (s.when.kind === 'relative' || s.when.kind === 'day'))) found = true;
  });
  return found;
}

/** Every event field path the definition reads (deduplicated), always with `['timestamp']` when it reads events. */
export function eventPaths(root: Condition): string[][] {
  const out = new Map<string, string[]>();
  if (usesEvents(root)) out.set('["timestamp"]', ['timestamp']);
  visit(root, (n, inEvent) => {
    if (inEvent && n.type === 'value' && n.node.kind === 'path' && n.node.root === 'event' && Array.isArray(n.node.path)) {
      out.set(JSON.stringify(n.node.path), [...n.node.path]);
    }
  });
  return [...out.values()];
}

/** Does this node depend on the event alone (no now/today, profile, segments, other events, relative windows)? */
function eventLocal(c: Condition): boolean {
  let local = true;
  visit(c, (n) => {
    const x = n.node;
    switch (x?.kind) {
      case 'now':
      case 'today':
      case 'inSegment':
      case 'exists':
      case 'aggregate':
      case 'chain':
        local = false;
        return;
      case 'path':
        if (x.root !== 'event') local = false;
        return;
      case 'occurs':
        if (x.window?.kind !== 'absolute') local = false;
        return;
      default:
        return;
    }
  });
  return local;
}

const NO_VIEW: ProfileView = { entity: {}, events: [] };
const NO_CTX: EvalContext = { now: 0, inSegment: () => false };

/** Kleene evaluation of a filter on one event: undefined = depends on something else (time, profile, …). */
function partial(c: Condition, e: EventView, memo: Map<Condition, boolean>): boolean | undefined {
  switch (c?.kind) {
    case 'and': {
      let unknown = false;
      for (const i of c.items ?? []) {
        const r = partial(i, e, memo);
        if (r === false) return false;
        if (r === undefined) unknown = true;
      }
      return unknown ? undefined : true;
    }
    case 'or': {
      let unknown = false;
      for (const i of c.items ?? []) {
        const r = partial(i, e, memo);
        if (r === true) return true;
        if (r === undefined) unknown = true;
      }
      return unknown ? undefined : false;
    }
    case 'not': {
      const r = partial(c.item, e, memo);
      return r === undefined ? undefined : !r;
    }
    default: {
      let local = memo.get(c);
      if (local === undefined) memo.set(c, (local = eventLocal(c)));
      return local ? evaluateCondition(c, NO_VIEW, NO_CTX, e) : undefined;
    }
  }
}

/**
 * True if the event could matter to the definition: some event filter is true, or undecided because it depends on
 * time windows relative to now (or anything else besides the event), on it. An unfiltered event set makes every
 * event matter; a definition without events needs none.
 */
export function eventPrefilter(root: Condition): (event: EventView) => boolean {
  if (!usesEvents(root)) return () => false;
  const filters = eventConditions(root);
  if (filters.some((f) => f.kind === 'bool' && f.value === true)) return () => true;
  const memo = new Map<Condition, boolean>();
  return (event) => {
    try {
      return filters.some((f) => partial(f, event, memo) !== false);
    } catch {
      return true;
    }
  };
}

/** Copies only `paths` of an event body (own keys; subtrees at a path's end are kept whole, by reference). */
export function project(event: Record<string, unknown>, paths: string[][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return out;
  for (const path of paths) {
    if (!Array.isArray(path)) continue;
    if (path.length === 0) return { ...event };
    let src: unknown = event;
    let dst: Record<string, unknown> = out;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (src === null || typeof src !== 'object' || Array.isArray(src) || !Object.hasOwn(src, seg)) break;
      src = (src as Record<string, unknown>)[seg];
      if (i === path.length - 1) {
        define(dst, seg, src);
      } else if (src !== null && typeof src === 'object' && !Array.isArray(src)) {
        const existing = Object.hasOwn(dst, seg) ? dst[seg] : undefined;
        if (existing === null || typeof existing !== 'object' || Array.isArray(existing) || existing === src) {
          if (existing === src) break; // an ancestor path already kept this subtree whole
          define(dst, seg, {});
        }
        dst = dst[seg] as Record<string, unknown>;
      } else {
        define(dst, seg, src); // the path ends early (scalar/array): keep what is there, reads give null anyway
        break;
      }
    }
  }
  return out;
}

/** Own enumerable property, safe for keys such as `__proto__`. */
function define(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}
