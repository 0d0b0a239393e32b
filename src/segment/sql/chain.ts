/**
 * CHAIN -> one CTE per distinct chain (`SELECT DISTINCT pid` of the profiles with a matching sequence), joined to the
 * profile row. Same search as the evaluator, as relational steps:
 * - `st<i>`: the events admissible for step i (its `what`, its now-relative/absolute `when`, a valid ts);
 * - `s<i>`: the partial sequences after step i, joined on pid and `ts > previous ts` (+ the afterStep bound). A
 *   sequence only carries the ts of the earlier steps some later step refers to; among sequences with the same
 *   carried values only the smallest current ts matters (a later one only shrinks what can follow), so each state
 *   keeps `min(ts)` per (pid, carried values) — without afterStep this is the greedy earliest match.
 */
import type { ChainStep, Condition } from '../pql/ast.js';
import { UNIT_MS } from '../pql/ast.js';
import { compileCondition, windowSql } from './conditions.js';
import type { QueryContext, Scope } from './context.js';
import { CompileError, sqlNumber } from './literals.js';

type AfterStep = Extract<NonNullable<ChainStep['when']>, { kind: 'afterStep' }>;

export function compileChain(c: Extract<Condition, { kind: 'chain' }>, scope: Scope, ctx: QueryContext): string {
  if (scope.kind !== 'profile') throw new CompileError('CHAIN inside an event condition is not supported in SQL');
  const steps = c.steps;
  if (!Array.isArray(steps)) throw new CompileError('CHAIN without steps');
  if (steps.length === 0) return 'true';
  const n = steps.length;
  const after: Array<AfterStep | undefined> = steps.map((s) => (s?.when?.kind === 'afterStep' ? s.when : undefined));
  for (let i = 0; i < n; i++) {
    const a = after[i];
    if (a && !(Number.isInteger(a.step) && a.step >= 0 && a.step < i)) return 'false';
    if (a && a.cmp !== '<' && a.cmp !== '<=') return 'false';
  }
  // needed[i]: the earlier steps (< i) referred to by a step >= i (carried in the state entering step i).
  const needed = steps.map((_, i) => [...new Set(after.filter((a, j) => a && j >= i && a.step < i).map((a) => a!.step))].sort((x, y) => x - y));

  const ctes: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = steps[i]!;
    const evScope: Scope = { kind: 'event', alias: 'e' };
    const reads = ctx.profileReadsInEvents;
    const what = compileCondition(s.what, evScope, ctx);
    const when = s.when && s.when.kind !== 'afterStep' ? `coalesce(${windowSql('CAST(e.ts AS DOUBLE)', s.when, evScope, ctx)}, false)` : 'true';
    // Profile paths inside a step's conditions: that step's relation reads the profile values too.
    const from = ctx.profileReadsInEvents > reads ? 'ev e JOIN p ON p.pid = e.pid' : 'ev e';
    ctes.push(`st${i} AS (SELECT e.pid, CAST(e.ts AS DOUBLE) AS ts FROM ${from} WHERE abs(e.ts) <= 8.64e15 AND ${what} AND ${when})`);
  }

  for (let i = 0; i < n; i++) {
    const carry = needed[i + 1] ?? []; // what the state after step i must hold
    const keepSelf = carry.includes(i);
    const carried = carry.filter((k) => k < i).map((k) => `s.r${k}`);
    const cols = [...carried.map((c) => `${c} AS ${c.slice(2)}`), ...(keepSelf ? [`t.ts AS r${i}`] : [])];
    const group = ['t.pid', ...carried, ...(keepSelf ? ['t.ts'] : [])];
    const cur = keepSelf ? 't.ts' : 'min(t.ts)';
    let from: string;
    if (i === 0) from = `st0 t`;
    else {
      const conds = [`t.pid = s.pid`, `t.ts > s.cur`];
      const a = after[i];
      if (a) {
        const lim = typeof a.amount === 'number' && Object.hasOwn(UNIT_MS, a.unit) ? a.amount * UNIT_MS[a.unit] : NaN;
        if (!Number.isFinite(lim)) return 'false';
        conds.push(`t.ts - s.r${a.step} > 0`, `t.ts - s.r${a.step} ${a.cmp} ${sqlNumber(lim)}`);
      }
      from = `s${i - 1} s JOIN st${i} t ON ${conds.join(' AND ')}`;
    }
    ctes.push(`s${i} AS (SELECT ${['t.pid AS pid', ...cols, `${cur} AS cur`].join(', ')} FROM ${from} GROUP BY ${group.join(', ')})`);
  }
  const body = `WITH ${ctes.join(',\n  ')}\n  SELECT DISTINCT pid FROM s${n - 1}`;
  const name = ctx.chain(body);
  return `(${name}.pid IS NOT NULL)`;
}
