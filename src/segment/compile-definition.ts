import { problem, type Problem } from '../shared/problem.js';
import type { Condition, ValueExpr } from './pql/ast.js';
import type { PqlError } from './pql/parser.js';
import { eventPaths, eventPrefilter, referencedSegments, streamingEligibility, usesEvents, usesNow } from './eval/analyze.js';
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

/** Profile paths a condition reads (outside event scopes too: a value read at profile root). */
export function profilePaths(root: Condition): string[][] {
  const out: string[][] = [];
  const v = (x: ValueExpr | undefined): void => {
    if (!x) return;
    switch (x.kind) {
      case 'path':
        if (x.root === 'profile') out.push(x.path);
        return;
      case 'arith':
        v(x.left);
        v(x.right);
        return;
      case 'fn':
        v(x.arg);
        return;
      case 'aggregate':
        if (x.events.where) c(x.events.where);
        v(x.value);
        return;
      default:
        return;
    }
  };
  const c = (x: Condition): void => {
    switch (x.kind) {
      case 'and':
      case 'or':
        x.items.forEach(c);
        return;
      case 'not':
        c(x.item);
        return;
      case 'compare':
        v(x.left);
        v(x.right);
        return;
      case 'in':
        v(x.value);
        x.list.forEach(v);
        return;
      case 'isNull':
        v(x.value);
        return;
      case 'string':
        v(x.value);
        v(x.arg);
        return;
      case 'occurs':
        v(x.value);
        if (x.window.kind === 'absolute') {
          v(x.window.from);
          v(x.window.to);
        }
        return;
      case 'exists':
        if (x.events.where) c(x.events.where);
        return;
      case 'chain':
        for (const s of x.steps) c(s.what);
        return;
      default:
        return;
    }
  };
  c(root);
  return out;
}

/** Analyses a parsed definition once: eligibility, what it reads, how to prefilter events for its state. */
export function compileDefinition(def: SegmentDefinition, root: Condition): { compiled: CompiledDefinition; dependencies: string[]; eligibility: { eligible: boolean; reason?: string } } {
  const eligibility = streamingEligibility(root);
  const paths = profilePaths(root);
  const compiled: CompiledDefinition = {
    def,
    root,
    streaming: def.evaluationInfo?.continuous?.enabled ?? eligibility.eligible,
    usesEvents: usesEvents(root),
    usesNow: usesNow(root),
    usesProfile: paths.length > 0,
    readsComputedAttributes: paths.some((p) => p[0] === 'computedAttributes'),
    prefilter: eventPrefilter(root),
    eventPaths: eventPaths(root),
  };
  return { compiled, dependencies: referencedSegments(root), eligibility };
}
