import { problem, type Problem } from '../shared/problem.js';
import type { Condition, ValueExpr } from './pql/ast.js';
import type { PqlError } from './pql/parser.js';
import { eventConditions, eventPaths, eventPrefilter, referencedSegments, streamingEligibility, usesEvents, usesNow, visit } from './eval/analyze.js';
import type { CompiledDefinition, SegmentDefinition } from './segment-types.js';

/** A PQL error as an AEP-style 400 naming the construct and its position. */
export function pqlProblem(e: PqlError): Problem {
  return problem(400, 'Bad Request', `Invalid PQL: ${e.message}`, {
    code: e.construct ? 'PQL-UNSUPPORTED' : 'PQL-SYNTAX',
    position: e.position,
    line: e.line,
    column: e.column,
    ...(e.construct ? { construct: e.construct } : {}),
  });
}

/** Profile paths a condition reads (anywhere, event scopes included). */
export function profilePaths(root: Condition): string[][] {
  const out: string[][] = [];
  visit(root, (n) => {
    if (n.type === 'value' && n.node.kind === 'path' && n.node.root === 'profile') out.push(n.node.path);
  });
  return out;
}

/**
 * The eventType values an event must have to pass a filter, when the filter requires one (`eventType = "x"`,
 * `eventType.equals("x")`, `eventType in ["x", "y"]` at the top of its `and`); undefined when it does not.
 */
function requiredEventTypes(c: Condition): Set<string> | undefined {
  const isType = (v: ValueExpr) => v.kind === 'path' && v.root === 'event' && v.path.length === 1 && v.path[0] === 'eventType';
  const lit = (v: ValueExpr) => (v.kind === 'literal' && typeof v.value === 'string' ? v.value : undefined);
  switch (c.kind) {
    case 'compare': {
      if (c.op !== '=') return undefined;
      const t = isType(c.left) ? lit(c.right) : isType(c.right) ? lit(c.left) : undefined;
      return t === undefined ? undefined : new Set([t]);
    }
    case 'string': {
      const t = lit(c.arg);
      return c.test === 'equals' && !c.negate && c.caseSensitive && isType(c.value) && t !== undefined ? new Set([t]) : undefined;
    }
    case 'in': {
      if (c.negate || !isType(c.value)) return undefined;
      const ts = c.list.map(lit);
      return ts.every((t) => t !== undefined) ? new Set(ts as string[]) : undefined;
    }
    case 'and':
      for (const x of c.items) {
        const r = requiredEventTypes(x);
        if (r) return r;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Every eventType some event filter of the definition accepts, or undefined when a filter accepts any type. */
export function eventTypesOf(root: Condition): Set<string> | undefined {
  const all = new Set<string>();
  for (const f of eventConditions(root)) {
    const r = requiredEventTypes(f);
    if (!r) return undefined;
    for (const t of r) all.add(t);
  }
  return all;
}

/** Analyses a parsed definition once: eligibility, what it reads, how to prefilter events for its state. */
export function compileDefinition(def: SegmentDefinition, root: Condition): { compiled: CompiledDefinition; dependencies: string[]; eligibility: { eligible: boolean; reason?: string } } {
  const eligibility = streamingEligibility(root);
  const paths = profilePaths(root);
  const types = eventTypesOf(root);
  const compiled: CompiledDefinition = {
    def,
    root,
    streaming: def.evaluationInfo?.continuous?.enabled ?? eligibility.eligible,
    usesEvents: usesEvents(root),
    usesNow: usesNow(root),
    usesProfile: paths.length > 0,
    readsComputedAttributes: paths.some((p) => p[0] === 'computedAttributes'),
    prefilter: prefilterByType(types, eventPrefilter(root)),
    eventPaths: eventPaths(root),
    ...(types && usesEvents(root) ? { eventTypes: types } : {}),
  };
  return { compiled, dependencies: referencedSegments(root), eligibility };
}

/** A cheap eventType check in front of the prefilter (most event filters name their eventType). */
function prefilterByType(types: Set<string> | undefined, prefilter: CompiledDefinition['prefilter']): CompiledDefinition['prefilter'] {
  if (!types) return prefilter;
  return (e) => typeof e.event.eventType === 'string' && types.has(e.event.eventType) && prefilter(e);
}
