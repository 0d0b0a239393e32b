import { err, ok, type Result } from '../../shared/result.js';

/**
 * SQL text handling the REST API does before the engine sees a statement: AEP's `$name` parameter substitution
 * (`queryParameters`), splitting a request's `sql` into statements, and reading `dbName`. All of them skip string
 * literals, quoted identifiers, dollar-quoted strings and comments, so a `;` or `$x` inside them is left alone.
 */

/** The spans of `sql` that are code (not inside literals or comments), as [start, end) pairs, in order. */
function codeSpans(sql: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let start = 0;
  let i = 0;
  const skipTo = (end: number) => {
    if (i > start) spans.push([start, i]);
    i = end;
    start = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      // doubled quotes ('it''s') stay inside the literal
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      skipTo(Math.min(j + 1, sql.length));
    } else if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      skipTo(nl < 0 ? sql.length : nl);
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      skipTo(close < 0 ? sql.length : close + 2);
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_]\w*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        skipTo(close < 0 ? sql.length : close + tag[0].length);
      } else i++;
    } else i++;
  }
  if (start < sql.length) spans.push([start, sql.length]);
  return spans;
}


const PLACEHOLDER = /\$([A-Za-z_]\w*)(?!\w|\$)/g;

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
  let out = '';
  let last = 0;
  const missing = new Set<string>();
  for (const [a, b] of codeSpans(sql)) {
    const code = sql.slice(a, b);
    out += sql.slice(last, a);
    out += code.replace(PLACEHOLDER, (whole, name: string) => {
      const v = values.get(name);
      if (v === undefined) missing.add(name);
      return v ?? whole;
    });
    last = b;
  }
  out += sql.slice(last);
  if (missing.size) return err(`queryParameters has no value for ${[...missing].map((m) => `$${m}`).join(', ')}`);
  return ok(out);
}

/** `dbName` as AEP writes it: `<sandbox>:all`, optionally `?FLATTEN`. */
export interface DbName {
  sandbox: string;
  flatten: boolean;
}

export function parseDbName(text: string): Result<DbName, string> {
  const m = /^([a-z0-9][a-z0-9-]*):([A-Za-z_]\w*)(\?FLATTEN)?$/i.exec(text.trim());
  if (!m) return err(`dbName "${text}" must look like "<sandbox>:all" (optionally "<sandbox>:all?FLATTEN")`);
  if (m[2]!.toLowerCase() !== 'all') return err(`dbName "${text}": only the "all" database exists (use "${m[1]}:all")`);
  return ok({ sandbox: m[1]!.toLowerCase(), flatten: m[3] !== undefined });
}

/** The statement's table when it is `CREATE TABLE x … AS` (CTAS) or `INSERT INTO x`, for its dataset link. */
export function targetTable(stmt: string): { kind: 'ctas' | 'insert'; table: string } | undefined {
  const ctas = /^\s*create\s+table\s+(?:if\s+not\s+exists\s+)?("?)([\w.]+)\1[\s\S]*\bas\b/i.exec(stmt);
  if (ctas) return { kind: 'ctas', table: ctas[2]!.split('.').at(-1)!.toLowerCase() };
  const ins = /^\s*insert\s+into\s+("?)([\w.]+)\1/i.exec(stmt);
  if (ins) return { kind: 'insert', table: ins[2]!.split('.').at(-1)!.toLowerCase() };
  return undefined;
}
