/**
 * Segment definitions -> ONE DuckDB query returning `(pid VARCHAR, segment_id VARCHAR)`, a row per profile
 * qualifying for each definition. Shape (see README.md): profile values extracted once per profile row, one
 * `GROUP BY pid` pass over events for every aggregate/exists of every definition, one pass over memberships, a CTE
 * per CHAIN, then every definition evaluated on the joined profile row and unpivoted with `unnest`.
 * Semantics are those of the streaming evaluator (`../eval/evaluate.ts`, `../pql/ast.ts`).
 */
import type { Condition } from '../pql/ast.js';
import { err, ok, type Result } from '../../shared/result.js';
import { compileAggregate, compileExists } from './aggregates.js';
import { compileChain } from './chain.js';
import { compileCondition, setConditionHooks } from './conditions.js';
import { QueryContext } from './context.js';
import { CompileError, sqlString, tableName } from './literals.js';
import { setAggregateCompiler } from './values.js';

setAggregateCompiler(compileAggregate);
setConditionHooks({ exists: compileExists, chain: compileChain });

export interface SegmentDef {
  id: string;
  root: Condition;
}
export interface BatchTables {
  profiles: string;
  events: string;
  memberships: string;
  /** the evaluation instant, epoch ms */
  now: number;
}
export interface CompiledBatch {
  sql: string;
  /** the definitions the query evaluates, in order */
  segmentIds: string[];
  /** definitions that could not be compiled (the caller evaluates them with the JS evaluator) */
  unsupported: Array<{ id: string; error: string }>;
}

/**
 * Compiles every definition it can into one query. A definition that cannot be compiled is listed in `unsupported`
 * (and left out of the query); err only for invalid tables/`now`/ids.
 */
export function compileSegments(defs: ReadonlyArray<SegmentDef>, t: BatchTables): Result<CompiledBatch, string> {
  const tables: Record<'profiles' | 'events' | 'memberships', string> = { profiles: '', events: '', memberships: '' };
  for (const k of ['profiles', 'events', 'memberships'] as const) {
    const r = tableName(t?.[k]);
    if (!r.ok) return err(`${k}: ${r.error}`);
    tables[k] = r.value;
  }
  if (typeof t.now !== 'number' || !Number.isFinite(t.now) || Math.abs(t.now) > 8.64e15) return err('now must be a valid epoch-ms instant');
  if (!Array.isArray(defs)) return err('definitions must be an array');
  const ctx = new QueryContext(t.now);
  const compiled: Array<{ id: string; cond: string }> = [];
  const unsupported: CompiledBatch['unsupported'] = [];
  const seen = new Set<string>();
  for (const d of defs) {
    if (typeof d?.id !== 'string') return err('every definition needs a string id');
    if (seen.has(d.id)) return err(`duplicate definition id ${JSON.stringify(d.id)}`);
    seen.add(d.id);
    const mark = ctx.mark();
    try {
      sqlString(d.id);
      compiled.push({ id: d.id, cond: compileCondition(d.root, { kind: 'profile' }, ctx) });
    } catch (e) {
      ctx.rollback(mark);
      if (!(e instanceof CompileError) && !(e instanceof TypeError)) throw e;
      unsupported.push({ id: d.id, error: e instanceof CompileError ? e.message : `malformed definition: ${(e as Error).message}` });
    }
  }
  return ok({ sql: assemble(ctx, compiled, tables), segmentIds: compiled.map((c) => c.id), unsupported });
}

/** One definition: err when it cannot be compiled. */
export function compileSegment(def: SegmentDef, t: BatchTables): Result<{ sql: string }, string> {
  const r = compileSegments([def], t);
  if (!r.ok) return r;
  if (r.value.unsupported.length) return err(r.value.unsupported[0]!.error);
  return ok({ sql: r.value.sql });
}

function assemble(ctx: QueryContext, defs: Array<{ id: string; cond: string }>, t: Record<'profiles' | 'events' | 'memberships', string>): string {
  if (defs.length === 0) return 'SELECT CAST(NULL AS VARCHAR) AS pid, CAST(NULL AS VARCHAR) AS segment_id WHERE false';
  const ctes: string[] = [];
  const pv = QueryContext.extractList('entity', ctx.profilePaths);
  ctes.push(`p AS (SELECT pid, entity${pv ? `, ${pv} AS pv` : ''} FROM ${t.profiles})`);
  if (ctx.aggregates.size > 0 || ctx.chains.size > 0) {
    const ev = QueryContext.extractList('event', ctx.eventPaths);
    ctes.push(`ev AS (SELECT pid, ts, event${ev ? `, ${ev} AS ev` : ''} FROM ${t.events})`);
  }
  const joins: string[] = [];
  if (ctx.aggregates.size > 0) {
    const cols = [...ctx.aggregates.entries()].map(([sql, c]) => `${sql} AS ${c}`);
    const from = ctx.aggReadsProfile ? 'ev e JOIN p ON p.pid = e.pid' : 'ev e';
    ctes.push(`agg AS (SELECT e.pid AS pid, ${cols.join(', ')} FROM ${from} GROUP BY e.pid)`);
    joins.push('LEFT JOIN agg ON agg.pid = p.pid');
  }
  if (ctx.segments.size > 0) {
    const cols = [...ctx.segments.entries()].map(([id, c]) => `bool_or(segment_id = ${sqlString(id)}) AS ${c}`);
    ctes.push(`mem AS (SELECT pid, ${cols.join(', ')} FROM ${t.memberships} GROUP BY pid)`);
    joins.push('LEFT JOIN mem ON mem.pid = p.pid');
  }
  for (const [name, body] of ctx.chains) {
    ctes.push(`${name} AS (${body})`);
    joins.push(`LEFT JOIN ${name} ON ${name}.pid = p.pid`);
  }
  const list = defs.map((d) => `CASE WHEN ${d.cond} THEN ${sqlString(d.id)} END`);
  return [
    `WITH ${ctes.join(',\n')}`,
    `SELECT pid, segment_id FROM (`,
    `  SELECT p.pid AS pid, unnest([${list.join(',\n    ')}]) AS segment_id`,
    `  FROM p ${joins.join(' ')}`,
    `) WHERE segment_id IS NOT NULL`,
  ].join('\n');
}
