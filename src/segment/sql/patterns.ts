/**
 * Pattern translation, mirroring the evaluator (`../eval/values.ts`): PQL `like` patterns to SQL LIKE (with `\` as
 * the escape character) and JS regular expressions (unicode mode, for `matches`) to RE2 — a conservative subset
 * only; anything outside it is refused (CompileError: the caller then falls back to the JS evaluator for that
 * definition), so the two back ends never disagree on a pattern.
 */
import { CompileError, sqlString } from './literals.js';

/** PQL like: `%` any run, `_` one code point, `\x` a literal x, a trailing `\` a literal `\`. Returns a SQL literal. */
export function likeToSql(pattern: string): string {
  const cps = [...pattern];
  let out = '';
  for (let i = 0; i < cps.length; i++) {
    let c = cps[i]!;
    let literal = false;
    if (c === '\\' && i + 1 < cps.length) {
      c = cps[++i]!;
      literal = true;
    } else if (c === '\\') literal = true;
    if (literal || (c !== '%' && c !== '_')) out += c === '%' || c === '_' || c === '\\' ? `\\${c}` : c;
    else out += c;
  }
  return sqlString(out);
}

/** JS `.` (no `s` flag): anything but line terminators. */
const DOT = '[^\\n\\r\\x{2028}\\x{2029}]';
/** JS `\s` */
const SPACE = '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';

/**
 * A `matches` pattern -> an RE2 pattern with the same meaning as the evaluator's `new RegExp(src, 'u' | 'iu')`
 * searched with `test` (a leading `(?i)` = case-insensitive). Undefined when the JS pattern is invalid (the evaluator
 * then answers false). CompileError for constructs whose meaning could differ: backreferences, lookaround, named
 * groups, property escapes, control escapes, `\0`, `\b` in classes, empty classes, repetitions above 1000.
 */
export function regexToRe2(pattern: string, caseInsensitive: boolean): string | undefined {
  let src = pattern;
  let ci = caseInsensitive;
  if (src.startsWith('(?i)')) {
    src = src.slice(4);
    ci = true;
  }
  try {
    new RegExp(src, ci ? 'iu' : 'u');
  } catch {
    return undefined;
  }
  const cps = [...src];
  let out = '';
  let i = 0;
  let inClass = false;
  const refuse = (what: string): never => {
    throw new CompileError(`regular expression construct not supported in SQL: ${what}`);
  };
  const hex = (from: number, n: number): string | undefined => {
    const h = cps.slice(from, from + n).join('');
    return new RegExp(`^[0-9A-Fa-f]{${n}}$`).test(h) ? h : undefined;
  };
  while (i < cps.length) {
    const ch = cps[i]!;
    if (ch === '\\') {
      const n = cps[i + 1];
      if (n === undefined) refuse('trailing backslash');
      if ('dDwW'.includes(n!)) out += `\\${n}`;
      else if (n === 's') out += inClass ? SPACE : `[${SPACE}]`;
      else if (n === 'S') {
        if (inClass) refuse('\\S inside a class');
        out += `[^${SPACE}]`;
      } else if (n === 'b' || n === 'B') {
        if (inClass) refuse('\\b inside a class');
        out += `\\${n}`;
      } else if ('tnrf'.includes(n!)) out += `\\${n}`;
      else if (n === 'v') out += '\\x{0B}';
      else if (n === 'x' && hex(i + 2, 2)) {
        out += `\\x{${hex(i + 2, 2)}}`;
        i += 4;
        continue;
      } else if (n === 'u' && hex(i + 2, 4)) {
        const cp = parseInt(hex(i + 2, 4)!, 16);
        if (cp >= 0xd800 && cp <= 0xdfff) refuse('surrogate escapes');
        out += `\\x{${hex(i + 2, 4)}}`;
        i += 6;
        continue;
      } else if (/^[\^$\\.*+?()[\]{}|/-]$/.test(n!)) out += `\\${n}`;
      else refuse(`\\${n}`);
      i += 2;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch === '[' ? '\\[' : ch;
      i++;
      continue;
    }
    switch (ch) {
      case '[':
        inClass = true;
        out += '[';
        i++;
        if (cps[i] === '^') {
          out += '^';
          i++;
        }
        if (cps[i] === ']') refuse('empty class');
        continue;
      case '(':
        if (cps[i + 1] === '?') {
          if (cps[i + 2] !== ':') refuse('group modifiers');
          out += '(?:';
          i += 3;
        } else {
          out += '(';
          i++;
        }
        continue;
      case '.':
        out += DOT;
        i++;
        continue;
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(cps.slice(i, i + 24).join(''));
        if (!m) refuse('a literal {');
        if (Number(m![1]) > 1000 || (m![3] && Number(m![3]) > 1000)) refuse('repetition above 1000');
        out += m![0];
        i += m![0].length;
        continue;
      }
      default:
        out += ch;
        i++;
    }
  }
  return (ci ? '(?i)' : '') + out;
}
