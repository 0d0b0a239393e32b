/**
 * The PQL lexer: text → tokens with offsets. Whitespace separates tokens and is otherwise ignored.
 *
 *   ident   = ( letter | "_" | "$" ) { letter | digit | "_" | "$" }      (e.g. homeAddress, _tenant, $1, xEvent)
 *   qident  = "`" { any char except "`" | "``" } "`"                      (a quoted path segment, never a keyword)
 *   string  = '"' { char | "\" ( '"' | "\" | "/" | "b" | "f" | "n" | "r" | "t" | "u" hex hex hex hex ) } '"'
 *   number  = digit { digit } [ "." digit { digit } ] [ ( "e" | "E" ) [ "+" | "-" ] digit { digit } ]
 *   punct   = "<=" | ">=" | "!=" | "=>" | "==" | "&&" | "||" | "(" | ")" | "[" | "]" | "{" | "}" | "," | "." | ":"
 *           | "=" | "<" | ">" | "!" | "+" | "-" | "*" | "/" | "%" | "^"
 */

export type TokenType = 'ident' | 'qident' | 'string' | 'number' | 'punct' | 'eof';

export interface Token {
  type: TokenType;
  /** The identifier / punctuation text, or the decoded string value. */
  text: string;
  /** For numbers. */
  num?: number;
  start: number;
  end: number;
}

/** A located error raised while lexing/parsing; `parsePql` turns it into a `PqlError` value. */
export class PqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
    readonly construct?: string,
  ) {
    super(message);
  }
}

const PUNCT2 = ['<=', '>=', '!=', '=>', '==', '&&', '||'];
const PUNCT1 = '()[]{},.:=<>!+-*/%^';
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

const isIdentStart = (c: string): boolean => /[A-Za-z_$]/.test(c);
const isIdentPart = (c: string): boolean => /[A-Za-z0-9_$]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

export function lex(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(text[i])) i++;
      out.push({ type: 'ident', text: text.slice(start, i), start, end: i });
      continue;
    }
    if (isDigit(c)) {
      while (isDigit(text[i])) i++;
      if (text[i] === '.' && isDigit(text[i + 1])) {
        i++;
        while (isDigit(text[i])) i++;
      }
      if ((text[i] === 'e' || text[i] === 'E') && (isDigit(text[i + 1]) || ((text[i + 1] === '+' || text[i + 1] === '-') && isDigit(text[i + 2])))) {
        i += 2;
        while (isDigit(text[i])) i++;
      }
      if (i < n && isIdentStart(text[i]) && !/\s/.test(text[i])) {
        // `3days` is not a number followed by a word: require a space.
        throw new PqlSyntaxError(`Invalid number '${text.slice(start, i + 1)}'`, start);
      }
      const raw = text.slice(start, i);
      out.push({ type: 'number', text: raw, num: Number(raw), start, end: i });
      continue;
    }
    if (c === '"') {
      i++;
      let value = '';
      for (;;) {
        if (i >= n) throw new PqlSyntaxError('Unterminated string literal', start);
        const d = text[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = text[i + 1];
          if (e === 'u') {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new PqlSyntaxError('Invalid \\u escape in string literal (expected 4 hex digits)', i);
            value += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            continue;
          }
          if (e === undefined || !(e in ESCAPES)) {
            throw new PqlSyntaxError(`Invalid escape '\\${e ?? ''}' in string literal (write a backslash as \\\\)`, i);
          }
          value += ESCAPES[e];
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      out.push({ type: 'string', text: value, start, end: i });
      continue;
    }
    if (c === '`') {
      i++;
      let value = '';
      for (;;) {
        if (i >= n) throw new PqlSyntaxError('Unterminated quoted field name', start);
        if (text[i] === '`') {
          if (text[i + 1] === '`') {
            value += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      if (value === '') throw new PqlSyntaxError('Empty quoted field name', start);
      out.push({ type: 'qident', text: value, start, end: i });
      continue;
    }
    if (c === "'") throw new PqlSyntaxError('Strings are written in double quotes ("…")', start);
    const two = text.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      out.push({ type: 'punct', text: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if (PUNCT1.includes(c)) {
      out.push({ type: 'punct', text: c, start, end: i + 1 });
      i++;
      continue;
    }
    throw new PqlSyntaxError(`Unexpected character '${c}'`, start);
  }
  out.push({ type: 'eof', text: '', start: n, end: n });
  return out;
}

/** 1-based line and column of an offset (lines end at "\n"). */
export function lineColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: position - lineStart + 1 };
}
