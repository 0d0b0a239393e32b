/**
 * Event sets and their aggregates. Every aggregate of every definition becomes one column of the single events pass
 * (`agg`: `SELECT e.pid, count(*) FILTER (WHERE …) AS a0, sum(…) FILTER (WHERE …) AS a1, … FROM ev e GROUP BY
 * e.pid`), read back in the profile row through a LEFT JOIN (no events: count/sum 0, min/max/avg NULL). Semantics as
 * in the evaluator: sum/min/max/avg take finite numbers only (datetimes ignored), avg = sum / count of those.
 */
import type { EventSet, ValueExpr } from '../pql/ast.js';
import { compileCondition } from './conditions.js';
import type { QueryContext, Scope } from './context.js';
import { CompileError } from './literals.js';
import { asNum, compileValue, type V } from './values.js';

/** The alias of the event row inside the events pass. */
export const EVENT_ALIAS = 'e';

function filterOf(events: EventSet, scope: Scope, ctx: QueryContext): string {
  if (scope.kind !== 'profile') throw new CompileError('an event set inside an event condition is not supported in SQL');
  if (!events || events.kind !== 'events') throw new CompileError('invalid event set');
  return events.where ? tracked(ctx, () => compileCondition(events.where!, { kind: 'event', alias: EVENT_ALIAS }, ctx)) : 'true';
}

/** Compiles an event-scope expression of the events pass, noting whether it reads profile values. */
function tracked<T>(ctx: QueryContext, f: () => T): T {
  const before = ctx.profileReadsInEvents;
  const out = f();
  if (ctx.profileReadsInEvents > before) ctx.aggReadsProfile = true;
  return out;
}

function countCol(filter: string, ctx: QueryContext): string {
  return ctx.aggregate(filter === 'true' ? 'count(*)' : `count(*) FILTER (WHERE ${filter})`);
}

/** `xEvent[…]` in boolean position: count > 0. */
export function compileExists(events: EventSet, scope: Scope, ctx: QueryContext): string {
  return `coalesce(${countCol(filterOf(events, scope, ctx), ctx)} > 0, false)`;
}

export function compileAggregate(x: Extract<ValueExpr, { kind: 'aggregate' }>, scope: Scope, ctx: QueryContext): V {
  const filter = filterOf(x.events, scope, ctx);
  if (x.fn === 'count') return { k: 'num', sql: `CAST(coalesce(${countCol(filter, ctx)}, 0) AS DOUBLE)` };
  if (!['sum', 'min', 'max', 'avg'].includes(x.fn)) throw new CompileError(`unknown aggregate ${String(x.fn)}`);
  if (!x.value) return x.fn === 'sum' ? { k: 'num', sql: 'CAST(0 AS DOUBLE)' } : { k: 'num', sql: 'CAST(NULL AS DOUBLE)' };
  const num = tracked(ctx, () => asNum(compileValue(x.value!, { kind: 'event', alias: EVENT_ALIAS }, ctx)));
  const f = (fn: string): string => ctx.aggregate(filter === 'true' ? `${fn}(${num})` : `${fn}(${num}) FILTER (WHERE ${filter})`);
  switch (x.fn) {
    case 'sum':
      return { k: 'num', sql: `coalesce(${f('sum')}, CAST(0 AS DOUBLE))` };
    case 'min':
      return { k: 'num', sql: f('min') };
    case 'max':
      return { k: 'num', sql: f('max') };
    default:
      return { k: 'num', sql: `(${f('sum')} / nullif(${f('count')}, 0))` };
  }
}
