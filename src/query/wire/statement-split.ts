/**
 * Splits a simple-query string into statements at top-level semicolons, as PostgreSQL's lexer sees them: quotes
 * ('…' with '' escapes, E'…' with backslash escapes), quoted identifiers ("…"), dollar quotes ($tag$…$tag$), line
 * comments (--) and nested block comments. Statements that are only whitespace/comments are dropped.
 */

export interface SplitStatement {
  /** The statement text, trimmed, without its semicolon. */
  text: string;
  /** Offset of `text` in the whole string (error positions are reported against the whole query). */
  offset: number;
}

const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Whether a slice holds anything but whitespace and comments. */
function hasCode(s: string): boolean {
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '-' && s[i + 1] === '-') {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? s.length : nl + 1;
    } else if (c === '/' && s[i + 1] === '*') i = skipBlockComment(s, i);
    else return true;
  }
  return false;
}

function skipBlockComment(s: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < s.length) {
    if (s[i] === '/' && s[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (s[i] === '*' && s[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return s.length;
}

/** Index just past the quoted run starting at `start` (an unterminated one runs to the end). */
function skipQuoted(s: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < s.length) {
    const c = s[i]!;
    if (backslash && c === '\\') i += 2;
    else if (c === quote) {
      if (s[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return s.length;
}

export function splitStatementsWithOffsets(sql: string): SplitStatement[] {
  const out: SplitStatement[] = [];
  let begin = 0;
  const emit = (end: number) => {
    const raw = sql.slice(begin, end);
    if (hasCode(raw)) {
      const lead = raw.length - raw.trimStart().length;
      out.push({ text: raw.trim(), offset: begin + lead });
    }
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const prevIdent = i > 0 && IDENT_CHAR.test(sql[i - 1]!);
    if (c === "'") {
      const escaped = i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !(i > 1 && IDENT_CHAR.test(sql[i - 2]!));
      i = skipQuoted(sql, i, "'", escaped);
    } else if (c === '"') i = skipQuoted(sql, i, '"', false);
    else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') i = skipBlockComment(sql, i);
    else if (c === '$' && !prevIdent) {
      DOLLAR_TAG.lastIndex = i;
      const m = DOLLAR_TAG.exec(sql);
      if (m) {
        const close = sql.indexOf(m[0], i + m[0].length);
        i = close < 0 ? sql.length : close + m[0].length;
      } else i++;
    } else if (c === ';') {
      emit(i);
      begin = i + 1;
      i++;
    } else i++;
  }
  emit(sql.length);
  return out;
}

/** The statements of a query string (see `splitStatementsWithOffsets`). */
export const splitStatements = (sql: string): string[] => splitStatementsWithOffsets(sql).map((s) => s.text);
