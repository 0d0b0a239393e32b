import { ok, err, type Result } from '../../shared/result.js';
import { evaluate, parseExpression, type Expr } from './expression.js';

export interface MappingInput {
  sourceType?: string;
  source?: unknown;
  sourceAttribute?: unknown;
  destination?: unknown;
  destinationXdmPath?: unknown;
  identity?: boolean;
}

interface CompiledMapping {
  destination: Array<string | number>;
  expr: Expr;
}

export type MapFn = (raw: unknown) => Result<Record<string, unknown>, string>;

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);
const MAX_INDEX = 10_000;

/** `a.b[0].c` -> ['a', 'b', 0, 'c']; undefined when malformed or naming a prototype key. */
export function parseDestination(d: string): Array<string | number> | undefined {
  const out: Array<string | number> = [];
  for (const part of d.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m || FORBIDDEN.has(m[1]!)) return undefined;
    out.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) {
      const n = Number(idx[1]);
      if (n > MAX_INDEX) return undefined;
      out.push(n);
    }
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: Array<string | number>, value: unknown): void {
  let cur: Record<string | number, unknown> = target;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    const nextIsIndex = typeof path[i + 1] === 'number';
    if (cur[seg] === undefined || typeof cur[seg] !== 'object' || cur[seg] === null) cur[seg] = nextIsIndex ? [] : {};
    cur = cur[seg] as Record<string | number, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/**
 * Compiles a Data Prep mapping set (ATTRIBUTE copy/rename of nested paths, STATIC constants, EXPRESSION with
 * functions) into a function raw JSON -> XDM entity. Absent or null sources produce no key (AEP rejects nulls).
 */
export function compileMappingSet(mappings: unknown, now: () => number = Date.now): Result<MapFn, string> {
  if (!Array.isArray(mappings) || mappings.length === 0) return err('mappings must be a non-empty array');
  const compiled: CompiledMapping[] = [];
  for (let i = 0; i < mappings.length; i++) {
    const m = mappings[i] as MappingInput;
    const name = (d: unknown) => `mappings[${i}]${typeof d === 'string' && d !== '' ? ` (destination "${d}")` : ''}`;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return err(`mappings[${i}]: must be an object`);
    const dest = m.destination ?? m.destinationXdmPath;
    const source = m.source ?? m.sourceAttribute;
    if (typeof dest !== 'string' || dest === '') return err(`${name(dest)}: destination is required`);
    const destination = parseDestination(dest);
    if (!destination) return err(`${name(dest)}: invalid destination "${dest}"`);
    const type = String(m.sourceType ?? 'ATTRIBUTE').toUpperCase();
    let expr: Expr;
    if (type === 'STATIC' || type === 'CONSTANT') {
      if (source === undefined || source === null)
        return err(`${name(dest)}: a STATIC mapping needs a source value`);
      if (typeof source === 'object') return err(`${name(dest)}: a STATIC source must be a string, number or boolean`);
      expr = { kind: 'lit', value: source as string | number | boolean };
    } else if (type === 'ATTRIBUTE' || type === 'EXPRESSION') {
      if (typeof source !== 'string' || source === '') return err(`${name(dest)}: source is required`);
      const p = parseExpression(source);
      if (!p.ok) return err(`${name(dest)}: ${p.error}`);
      if (type === 'ATTRIBUTE' && p.value.kind !== 'path')
        return err(`${name(dest)}: an ATTRIBUTE source must be a field path; use sourceType EXPRESSION for functions`);
      expr = p.value;
    } else return err(`${name(dest)}: unknown sourceType "${type}" (ATTRIBUTE, STATIC, EXPRESSION)`);
    compiled.push({ destination, expr });
  }
  return ok((raw: unknown) => {
    const out: Record<string, unknown> = {};
    for (const m of compiled) {
      const v = evaluate(m.expr, raw, now);
      if (!v.ok) return err(`mapping to ${m.destination.join('.')}: ${v.error}`);
      if (v.value === undefined || v.value === null) continue;
      // Objects and arrays are copied so later mappings never write into the raw record.
      setPath(out, m.destination, typeof v.value === 'object' ? structuredClone(v.value) : v.value);
    }
    return ok(out);
  });
}
