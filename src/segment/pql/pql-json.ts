/**
 * Our AST ↔ AEP's `pql/json` (the shape of `POST /segment/conversion`, reference §6.2):
 *
 *   {"nodeType":"fnApply","fnName":"=","params":[
 *     {"nodeType":"fieldLookup","fieldName":"country","object":{"nodeType":"fieldLookup","fieldName":"workAddress",
 *       "object":{"nodeType":"parameterReference","position":1}}},
 *     {"nodeType":"literal","literalType":"String","value":"US"}]}
 *
 * Covered: comparisons (fnName = != < <= > >=), and/or (n-ary params), not, in/notIn (second param a literal of
 * literalType "List" whose value is an array of literal nodes), isNull/isNotNull, string tests (fnName = the PQL
 * method, e.g. startsWith / doesNotContain / like, optional third Boolean param = caseSensitive), arithmetic
 * (fnName + - * / %), lower/upper/trim/length, inSegment, date(…) (fnName "date", Integer params), literals
 * (literalType String / Integer / Double / Boolean / Null) and profile field lookups. Only the fnApply/fieldLookup/
 * parameterReference/literal node shapes and literalType "String" are documented; the rest of the encoding is ours.
 * Event sets, occurs, CHAIN, now/today and durations give an error value.
 */
import { err, ok, type Result } from '../../shared/result.js';
import type { ArithOp, CompareOp, Condition, StringTest, ValueExpr } from './ast.js';
import { STRING_TESTS } from './methods.js';
import { isObj } from '../../shared/objects.js';

export type PqlJson =
  | { nodeType: 'fnApply'; fnName: string; params: PqlJson[] }
  | { nodeType: 'fieldLookup'; fieldName: string; object: PqlJson }
  | { nodeType: 'parameterReference'; position: number }
  | { nodeType: 'literal'; literalType: 'String' | 'Integer' | 'Double' | 'Boolean' | 'Null' | 'List'; value: unknown };

export interface PqlJsonError {
  message: string;
  /** JSON Pointer to the offending node (pql/json → AST) or a description of the AST node (AST → pql/json). */
  at: string;
}

class Fail extends Error {
  constructor(
    message: string,
    readonly at: string,
  ) {
    super(message);
  }
}

const COMPARE = new Set<string>(['=', '!=', '<', '<=', '>', '>=']);
const ARITH = new Set<string>(['+', '-', '*', '/', '%']);
const FNS = new Set<string>(['lower', 'upper', 'trim', 'length']);
const STRING_FNS: Record<string, { test: StringTest; negate: boolean }> = { ...STRING_TESTS, like: { test: 'like', negate: false } };
const NEGATED: Record<string, string> = { startsWith: 'doesNotStartWith', endsWith: 'doesNotEndWith', contains: 'doesNotContain', equals: 'notEqualTo' };

const fn = (fnName: string, params: PqlJson[]): PqlJson => ({ nodeType: 'fnApply', fnName, params });
const lit = (v: string | number | boolean | null): PqlJson => ({
  nodeType: 'literal',
  literalType: v === null ? 'Null' : typeof v === 'string' ? 'String' : typeof v === 'boolean' ? 'Boolean' : Number.isInteger(v) ? 'Integer' : 'Double',
  value: v,
});

/** AST → pql/json. */
export function toPqlJson(c: Condition): Result<PqlJson, PqlJsonError> {
  try {
    return ok(condJson(c));
  } catch (e) {
    if (e instanceof Fail) return err({ message: e.message, at: e.at });
    throw e;
  }
}

function condJson(c: Condition): PqlJson {
  switch (c.kind) {
    case 'bool':
      return lit(c.value);
    case 'and':
    case 'or':
      return fn(c.kind, c.items.map(condJson));
    case 'not':
      return fn('not', [condJson(c.item)]);
    case 'compare':
      return fn(c.op, [valueJson(c.left), valueJson(c.right)]);
    case 'in':
      return fn(c.negate ? 'notIn' : 'in', [valueJson(c.value), { nodeType: 'literal', literalType: 'List', value: c.list.map(valueJson) }]);
    case 'isNull':
      return fn(c.negate ? 'isNotNull' : 'isNull', [valueJson(c.value)]);
    case 'string': {
      if ((c.test === 'like' || c.test === 'matches') && c.negate) throw new Fail(`A negated '${c.test}' has no pql/json form`, c.kind);
      const name = c.negate ? NEGATED[c.test] : c.test;
      return fn(name, [valueJson(c.value), valueJson(c.arg), ...(c.caseSensitive ? [] : [lit(false)])]);
    }
    case 'inSegment':
      return fn('inSegment', [lit(c.segmentId)]);
    default:
      throw new Fail(`'${c.kind}' conditions are not supported in pql/json; use pql/text`, c.kind);
  }
}

function valueJson(v: ValueExpr): PqlJson {
  switch (v.kind) {
    case 'literal':
      return lit(v.value);
    case 'path': {
      if (v.root !== 'profile') throw new Fail('Event fields are not supported in pql/json; use pql/text', v.path.join('.'));
      let node: PqlJson = { nodeType: 'parameterReference', position: 1 };
      for (const f of v.path) node = { nodeType: 'fieldLookup', fieldName: f, object: node };
      return node;
    }
    case 'arith':
      return fn(v.op, [valueJson(v.left), valueJson(v.right)]);
    case 'fn':
      return fn(v.fn, [valueJson(v.arg)]);
    case 'datetime': {
      const d = new Date(v.ms);
      const parts = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
      return fn('date', parts.map(lit));
    }
    default:
      throw new Fail(`'${v.kind}' values are not supported in pql/json; use pql/text`, v.kind);
  }
}

/** pql/json → AST (a condition over the profile). */
export function fromPqlJson(json: unknown): Result<Condition, PqlJsonError> {
  try {
    return ok(jsonCond(json, ''));
  } catch (e) {
    if (e instanceof Fail) return err({ message: e.message, at: e.at === '' ? '/' : e.at });
    throw e;
  }
}


function params(n: Record<string, unknown>, at: string, count?: number[]): unknown[] {
  const p = n.params;
  if (!Array.isArray(p)) throw new Fail(`fnApply '${String(n.fnName)}' needs a params array`, `${at}/params`);
  if (count && !count.includes(p.length)) throw new Fail(`fnApply '${String(n.fnName)}' takes ${count.join(' or ')} params, got ${p.length}`, `${at}/params`);
  return p;
}

function jsonCond(n: unknown, at: string): Condition {
  if (!isObj(n)) throw new Fail('Expected a pql/json node object', at);
  if (n.nodeType === 'literal' && typeof n.value === 'boolean') return { kind: 'bool', value: n.value };
  if (n.nodeType !== 'fnApply' || typeof n.fnName !== 'string') throw new Fail(`Expected a condition (fnApply), found nodeType ${JSON.stringify(n.nodeType)}`, at);
  const name = n.fnName;
  const p = (i: number): string => `${at}/params/${i}`;
  if (name === 'and' || name === 'or') {
    const items = params(n, at).map((x, i) => jsonCond(x, p(i)));
    if (items.length === 1) return items[0];
    return { kind: name, items };
  }
  if (name === 'not') return { kind: 'not', item: jsonCond(params(n, at, [1])[0], p(0)) };
  if (COMPARE.has(name)) {
    const [l, r] = params(n, at, [2]);
    return { kind: 'compare', op: name as CompareOp, left: jsonValue(l, p(0)), right: jsonValue(r, p(1)) };
  }
  if (name === 'in' || name === 'notIn') {
    const [v, list] = params(n, at, [2]);
    if (!isObj(list) || list.nodeType !== 'literal' || list.literalType !== 'List' || !Array.isArray(list.value))
      throw new Fail(`The second param of '${name}' must be a List literal`, p(1));
    return { kind: 'in', value: jsonValue(v, p(0)), list: list.value.map((x, i) => jsonValue(x, `${p(1)}/value/${i}`)), negate: name === 'notIn' };
  }
  if (name === 'isNull' || name === 'isNotNull') return { kind: 'isNull', value: jsonValue(params(n, at, [1])[0], p(0)), negate: name === 'isNotNull' };
  const st = Object.prototype.hasOwnProperty.call(STRING_FNS, name) ? STRING_FNS[name] : undefined;
  if (st) {
    const args = params(n, at, st.test === 'like' || st.test === 'matches' ? [2] : [2, 3]);
    let caseSensitive = true;
    if (args.length === 3) {
      const cs = args[2];
      if (!isObj(cs) || cs.nodeType !== 'literal' || typeof cs.value !== 'boolean') throw new Fail('The case-sensitivity param must be a Boolean literal', p(2));
      caseSensitive = cs.value;
    }
    return { kind: 'string', test: st.test, value: jsonValue(args[0], p(0)), arg: jsonValue(args[1], p(1)), caseSensitive, negate: st.negate };
  }
  if (name === 'inSegment') {
    const [id] = params(n, at, [1]);
    if (!isObj(id) || typeof id.value !== 'string') throw new Fail('inSegment takes a String literal', p(0));
    return { kind: 'inSegment', segmentId: id.value };
  }
  throw new Fail(`The pql/json function '${name}' is not supported as a condition`, at);
}

function jsonValue(n: unknown, at: string): ValueExpr {
  if (!isObj(n)) throw new Fail('Expected a pql/json node object', at);
  switch (n.nodeType) {
    case 'literal': {
      const v = n.value;
      if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return { kind: 'literal', value: v };
      throw new Fail(`Unsupported literal (literalType ${JSON.stringify(n.literalType)})`, at);
    }
    case 'fieldLookup': {
      const path: string[] = [];
      let cur: unknown = n;
      let here = at;
      while (isObj(cur) && cur.nodeType === 'fieldLookup') {
        if (typeof cur.fieldName !== 'string' || cur.fieldName === '') throw new Fail('fieldLookup needs a fieldName', here);
        path.unshift(cur.fieldName);
        cur = cur.object;
        here += '/object';
      }
      if (!isObj(cur) || cur.nodeType !== 'parameterReference' || cur.position !== 1)
        throw new Fail('A fieldLookup chain must end at {"nodeType":"parameterReference","position":1} (the profile)', here);
      return { kind: 'path', root: 'profile', path };
    }
    case 'fnApply': {
      const name = String(n.fnName);
      const p = (i: number): string => `${at}/params/${i}`;
      if (ARITH.has(name)) {
        const [l, r] = params(n, at, [2]);
        return { kind: 'arith', op: name as ArithOp, left: jsonValue(l, p(0)), right: jsonValue(r, p(1)) };
      }
      if (FNS.has(name)) return { kind: 'fn', fn: name as 'lower', arg: jsonValue(params(n, at, [1])[0], p(0)) };
      if (name === 'date') {
        const args = params(n, at, [3, 5, 6]).map((x, i) => {
          if (!isObj(x) || typeof x.value !== 'number' || !Number.isInteger(x.value)) throw new Fail('date params must be Integer literals', p(i));
          return x.value;
        });
        const [y, mo, d, h = 0, mi = 0, s = 0] = args;
        const dt = new Date(0);
        dt.setUTCFullYear(y, mo - 1, d);
        dt.setUTCHours(h, mi, s, 0);
        if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d || h > 23 || mi > 59 || s > 59 || Math.min(h, mi, s) < 0)
          throw new Fail(`Invalid date(${args.join(', ')})`, at);
        return { kind: 'datetime', ms: dt.getTime() };
      }
      throw new Fail(`The pql/json function '${name}' is not supported as a value`, at);
    }
    default:
      throw new Fail(`Unsupported pql/json nodeType ${JSON.stringify(n.nodeType)}`, at);
  }
}
