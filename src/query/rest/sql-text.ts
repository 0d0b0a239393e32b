import { err, ok, type Result } from '../../shared/result.js';
import { lex } from '../engine/sql-lexer.js';
import { classify } from '../engine/statement-classifier.js';

/**
 * SQL text handling the REST API does before the engine sees a statement: AEP's `$name` parameter substitution
 * (`queryParameters`) and the CTAS / INSERT INTO target, both read through the engine's lexer and classifier, so a
 * `$x` inside a literal, a quoted identifier, a dollar-quoted string or a comment is left alone.
 */

/**
 * AEP's parameter replacement: every `$name` in code (not in literals or comments) is replaced by the text of
 * `params[name]` (keys may be given with or without their `$`; values are inserted as written, as AEP does: no type
 * checking, quote strings in the SQL or in the value). A `$name` without a value is an error naming it.
 */
export function substituteParameters(sql: string, params: Record<string, unknown> | undefined): Result<string, string> {
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v !== null && typeof v === 'object') return err(`queryParameters.${k} must be a string, number or boolean`);
    values.set(k.startsWith('$') ? k.slice(1) : k, String(v));
  }
  // `$name` is a `$` the lexer left alone (not a `$1` parameter, not a dollar quote) right before a word
  const tokens = lex(sql);
  let out = '';
  let last = 0;
  const missing = new Set<string>();
  tokens.forEach((t, k) => {
    const word = tokens[k + 1];
    if (t.kind !== 'symbol' || t.value !== '$' || word?.kind !== 'word' || word.start !== t.end) return;
    const name = sql.slice(word.start, word.end);
    if (name.includes('$')) return;
    const v = values.get(name);
    if (v === undefined) return void missing.add(name);
    out += sql.slice(last, t.start) + v;
    last = word.end;
  });
  out += sql.slice(last);
  if (missing.size) return err(`queryParameters has no value for ${[...missing].map((m) => `$${m}`).join(', ')}`);
  return ok(out);
}

/** The statement's table when it is `CREATE TABLE x … AS` (CTAS) or `INSERT INTO x`, for its dataset link. */
export function targetTable(stmt: string): { kind: 'ctas' | 'insert'; table: string } | undefined {
  const c = classify(stmt);
  return c.ok && (c.value.kind === 'ctas' || c.value.kind === 'insert') ? { kind: c.value.kind, table: c.value.table } : undefined;
}
