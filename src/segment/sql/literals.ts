/**
 * Safe SQL text for values that come from a segment definition: string literals (single quotes doubled, NUL refused),
 * numbers (finite, exact `toString` spelling), JSON pointers for paths (RFC 6901, `~0`/`~1` escaped, passed as a
 * string literal) and identifiers for table names. Nothing from a definition ever reaches the SQL text another way.
 */
import { err, ok, type Result } from '../../shared/result.js';

export class CompileError extends Error {}

/** A SQL string literal. NUL cannot be represented in a DuckDB VARCHAR literal: refused (caller falls back to JS). */
export function sqlString(s: string): string {
  if (s.includes('\u0000')) throw new CompileError('strings containing NUL cannot be compiled to SQL');
  // Lone surrogates cannot be encoded as UTF-8: the JS evaluator sees them, DuckDB could not.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)) throw new CompileError('strings with lone surrogates cannot be compiled to SQL');
  return `'${s.replace(/'/g, "''")}'`;
}

/** A DOUBLE literal: finite numbers only (the AST never holds NaN/Infinity literals; refuse them if it does). */
export function sqlNumber(n: number): string {
  if (!Number.isFinite(n)) throw new CompileError(`non-finite number ${n} cannot be compiled`);
  // `toString` may give exponent notation (1e+21), which DuckDB reads as DOUBLE; the cast keeps every literal DOUBLE.
  return `CAST(${Object.is(n, -0) ? '-0.0' : String(n)} AS DOUBLE)`;
}

/** A JSON pointer (RFC 6901) for a path of keys: every key is allowed, including '' and keys with '/', '~', quotes. */
export function jsonPointer(path: readonly string[]): string {
  return path.map((k) => '/' + k.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** A table name: `name` or `schema.name`, each part a plain identifier or a double-quoted one (quotes doubled). */
export function tableName(name: string): Result<string, string> {
  const part = /^(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"\u0000]|"")+")$/;
  const parts = splitQualified(name);
  if (!parts || parts.length > 3 || !parts.every((p) => part.test(p))) return err(`invalid table name ${JSON.stringify(name)}`);
  return ok(parts.join('.'));
}

function splitQualified(name: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (ch === '"') {
      if (quoted && name[i + 1] === '"') {
        cur += '""';
        i++;
        continue;
      }
      quoted = !quoted;
      cur += ch;
    } else if (ch === '.' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) return undefined;
  out.push(cur);
  return out;
}
