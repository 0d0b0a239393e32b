/**
 * A PostgreSQL-flavoured lexer, just enough to route statements: splits a simple-query string at top-level `;` and
 * gives the words of a statement, skipping comments and never looking inside quotes, dollar quotes or identifiers.
 * It decides nothing about safety (DuckDB's parser and the gate do); it only has to never split inside a literal.
 */

export type TokenKind = 'word' | 'ident' | 'string' | 'number' | 'param' | 'symbol';

export interface Token {
  kind: TokenKind;
  /** Words uppercased; identifiers and strings unquoted; symbols as written. */
  value: string;
  /** Offsets into the text the lexer was given. */
  start: number;
  end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Tokens of `sql` (comments and whitespace dropped). An unterminated literal or comment runs to the end of the text. */
export function lex(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      // PostgreSQL block comments nest
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') (depth++, (i += 2));
        else if (sql[i] === '*' && sql[i + 1] === '/') (depth--, (i += 2));
        else i++;
      }
    } else if (c === "'" || ((c === 'E' || c === 'e' || c === 'B' || c === 'b' || c === 'X' || c === 'x') && sql[i + 1] === "'")) {
      const backslashes = c === 'E' || c === 'e';
      i = c === "'" ? i + 1 : i + 2;
      let value = '';
      while (i < n) {
        const d = sql[i]!;
        if (backslashes && d === '\\' && i + 1 < n) {
          value += sql[i + 1];
          i += 2;
        } else if (d === "'" && sql[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      out.push({ kind: 'string', value, start, end: i });
    } else if ((c === 'U' || c === 'u') && sql[i + 1] === '&' && (sql[i + 2] === "'" || sql[i + 2] === '"')) {
      // U&'…' / U&"…": kept opaque (the escapes are DuckDB's business); only the extent matters here
      const q = sql[i + 2]!;
      i += 3;
      while (i < n && !(sql[i] === q && sql[i + 1] !== q)) i += sql[i] === q ? 2 : 1;
      i++;
      out.push({ kind: q === "'" ? 'string' : 'ident', value: sql.slice(start, Math.min(i, n)), start, end: Math.min(i, n) });
    } else if (c === '"') {
      i++;
      let value = '';
      while (i < n) {
        if (sql[i] === '"' && sql[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (sql[i] === '"') {
          i++;
          break;
        } else value += sql[i++];
      }
      out.push({ kind: 'ident', value, start, end: i });
    } else if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      i++;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      out.push({ kind: 'param', value: sql.slice(start, i), start, end: i });
    } else if (c === '$') {
      // dollar quote $tag$ … $tag$ (tag may be empty); a lone `$` is a symbol
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i));
      if (m) {
        const close = sql.indexOf(m[0], i + m[0].length);
        const bodyEnd = close < 0 ? n : close;
        i = close < 0 ? n : close + m[0].length;
        out.push({ kind: 'string', value: sql.slice(start + m[0].length, bodyEnd), start, end: i });
      } else {
        i++;
        out.push({ kind: 'symbol', value: '$', start, end: i });
      }
    } else if (WORD_START.test(c)) {
      i++;
      while (i < n && WORD_PART.test(sql[i]!)) i++;
      out.push({ kind: 'word', value: sql.slice(start, i).toUpperCase(), start, end: i });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      i++;
      while (i < n && /[0-9.eE_]/.test(sql[i]!)) i++;
      out.push({ kind: 'number', value: sql.slice(start, i), start, end: i });
    } else {
      i++;
      out.push({ kind: 'symbol', value: c, start, end: i });
    }
  }
  return out;
}

/** One statement of a simple-query string. */
export interface SplitStatement {
  /** The statement text, trimmed, without its semicolon. */
  text: string;
  /** Offset of `text` in the whole string (error positions are reported against the whole query). */
  offset: number;
}

/**
 * Splits a simple-query string into its statements at top-level `;` (never inside quotes, dollar quotes or comments).
 * Statements that hold only whitespace or comments are dropped: `[]` means an empty query (EmptyQueryResponse).
 */
export function splitStatementsWithOffsets(sql: string): SplitStatement[] {
  const out: SplitStatement[] = [];
  // from the statement's first token to its `;`: trailing comments stay with the statement
  let first = -1;
  for (const t of lex(sql)) {
    if (t.kind === 'symbol' && t.value === ';') {
      if (first >= 0) out.push({ text: sql.slice(first, t.start).trimEnd(), offset: first });
      first = -1;
    } else if (first < 0) first = t.start;
  }
  if (first >= 0) out.push({ text: sql.slice(first).trimEnd(), offset: first });
  return out;
}

export function splitStatements(sql: string): string[] {
  return splitStatementsWithOffsets(sql).map((s) => s.text);
}
