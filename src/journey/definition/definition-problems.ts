import { parsePql } from '../../segment/pql/parser.js';
import { badRequest, type Problem } from '../../shared/problem.js';

/** Names (of a journey, a node, an exit criterion) and the other texts that name things: at most this long. */
export const MAX_NAME = 256;

/** One problem of a journey definition (validate-definition.ts). */
export interface DefinitionProblem {
  /** Where, as a JSON path into the definition: `nodes[2].action.url`, `entry.next`. */
  path: string;
  message: string;
  /** PQL-SYNTAX / PQL-UNSUPPORTED for a condition that does not parse. */
  code?: string;
}

/** Collects problems; its checks answer the value when it is good, undefined otherwise. */
export class Problems {
  readonly list: DefinitionProblem[] = [];
  add(path: string, message: string, code?: string): void {
    this.list.push({ path, message, ...(code ? { code } : {}) });
  }
  /** Fields of `o` that are not in `known`: a typo reported rather than silently ignored. */
  unknown(o: Record<string, unknown>, path: string, known: readonly string[]): void {
    for (const k of Object.keys(o)) if (!known.includes(k)) this.add(at(path, k), `unknown field "${k}"`);
  }
  text(o: Record<string, unknown>, key: string, path: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
    const v = o[key];
    const p = at(path, key);
    if (v === undefined) {
      if (opts.required) this.add(p, 'is required');
      return undefined;
    }
    if (typeof v !== 'string') return void this.add(p, 'must be a string');
    if (opts.required && v.trim() === '') return void this.add(p, 'must not be empty');
    if (v.length > (opts.max ?? 10_000)) return void this.add(p, `must be at most ${opts.max ?? 10_000} characters`);
    return v;
  }
  number(o: Record<string, unknown>, key: string, path: string, rule: { min?: number; above?: number; max: number; integer?: boolean; required?: boolean }): number | undefined {
    const v = o[key];
    const p = at(path, key);
    if (v === undefined) {
      if (rule.required) this.add(p, 'is required');
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) return void this.add(p, 'must be a number');
    if (rule.integer && !Number.isInteger(v)) return void this.add(p, 'must be an integer');
    const lower = rule.above !== undefined ? `> ${rule.above}` : `>= ${rule.min}`;
    if ((rule.above !== undefined && v <= rule.above) || (rule.min !== undefined && v < rule.min) || v > rule.max) return void this.add(p, `must be ${lower} and <= ${rule.max}`);
    return v;
  }
  pql(o: Record<string, unknown>, key: string, path: string, required: boolean): void {
    const text = this.text(o, key, path, { required, max: 100_000 });
    if (text === undefined) return;
    if (!required && text.trim() === '') return this.add(at(path, key), 'must not be empty (leave the field out for no condition)');
    const r = parsePql(text);
    if (!r.ok) this.add(at(path, key), `Invalid PQL: ${r.error.message}`, r.error.construct ? 'PQL-UNSUPPORTED' : 'PQL-SYNTAX');
  }
}

export const at = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);

/** The 400 of a definition with problems: every problem listed (`problems`), and in one line (`detail`). */
export function invalidDefinition(problems: DefinitionProblem[]): Problem {
  const shown = problems.slice(0, 20).map((x) => (x.path ? `${x.path}: ${x.message}` : x.message));
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
  return badRequest(`The journey definition has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}`, { code: 'JOURNEY-INVALID', problems });
}
