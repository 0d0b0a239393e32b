/**
 * Date parsing for the Data Prep `to_date` / `date` functions: a Java `DateTimeFormatter`-style pattern subset
 * (yyyy, yy, MM, M, dd, d, HH, H, mm, ss, SSS, X/XX/XXX/Z zone offsets, 'quoted literals'), or ISO-8601 and epoch
 * milliseconds without a pattern. Output is always ISO-8601 UTC (`2025-12-31T00:00:00.000Z`); anything that
 * does not match or names an impossible date (Feb 30, hour 25) gives `undefined`.
 */

const TOKENS = ['yyyy', 'SSS', 'XXX', 'XX', 'X', 'Z', 'yy', 'MM', 'dd', 'HH', 'mm', 'ss', 'M', 'd', 'H'] as const;
type Token = (typeof TOKENS)[number];

const TOKEN_RE: Record<Token, string> = {
  yyyy: '(\\d{4})',
  yy: '(\\d{2})',
  MM: '(\\d{2})',
  M: '(\\d{1,2})',
  dd: '(\\d{2})',
  d: '(\\d{1,2})',
  HH: '(\\d{2})',
  H: '(\\d{1,2})',
  mm: '(\\d{2})',
  ss: '(\\d{2})',
  SSS: '(\\d{3})',
  XXX: '(Z|[+-]\\d{2}:\\d{2})',
  XX: '(Z|[+-]\\d{4})',
  X: '(Z|[+-]\\d{2}(?:\\d{2})?)',
  Z: '([+-]\\d{4})',
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface CompiledPattern {
  re: RegExp;
  tokens: Token[];
}

const cache = new Map<string, CompiledPattern | string>();

/** Compiles a pattern; returns an error message for an unterminated quote or an unsupported letter. */
export function compileDatePattern(pattern: string): CompiledPattern | string {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let re = '';
  const tokens: Token[] = [];
  let i = 0;
  let out: CompiledPattern | string | undefined;
  while (i < pattern.length && out === undefined) {
    const c = pattern[i]!;
    if (c === "'") {
      // Java quoting: 'text' is literal, '' is one quote (also inside quoted text).
      if (pattern[i + 1] === "'") {
        re += "'";
        i += 2;
        continue;
      }
      let lit = '';
      let j = i + 1;
      for (; j < pattern.length; j++) {
        if (pattern[j] !== "'") lit += pattern[j];
        else if (pattern[j + 1] === "'") lit += pattern[j++];
        else break;
      }
      if (j >= pattern.length) out = `unterminated quote in date format "${pattern}"`;
      re += escape(lit);
      i = j + 1;
      continue;
    }
    const tok = TOKENS.find((t) => pattern.startsWith(t, i));
    if (tok) {
      re += TOKEN_RE[tok];
      tokens.push(tok);
      i += tok.length;
    } else if (/[A-Za-z]/.test(c)) out = `unsupported letter "${c}" in date format "${pattern}" (supported: ${TOKENS.join(', ')}; quote literals with ')`;
    else {
      re += escape(c);
      i++;
    }
  }
  out ??= { re: new RegExp(`^${re}$`), tokens };
  if (cache.size < 1000) cache.set(pattern, out);
  return out;
}

function offsetMinutes(z: string): number {
  if (z === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(z);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** `value` with an optional pattern -> ISO-8601 UTC, or undefined. Numbers are epoch milliseconds. */
export function toIsoDate(value: unknown, pattern?: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && Math.abs(value) <= 8.64e15 ? new Date(value).toISOString() : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (pattern === undefined) {
    if (/^-?\d{1,16}$/.test(v)) return toIsoDate(Number(v));
    if (!ISO.test(v)) return undefined;
    const [date, time = ''] = v.split(/[T ]/);
    const [y, mo, d] = date!.split('-').map(Number) as [number, number, number];
    if (!validDate(y, mo, d)) return undefined;
    if (time && !validTime(Number(time.slice(0, 2)), Number(time.slice(3, 5)), Number(time.slice(6, 8)) || 0)) return undefined;
    const t = Date.parse(v.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2') + (time ? '' : 'T00:00:00Z'));
    return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
  }
  const p = compileDatePattern(pattern);
  if (typeof p === 'string') return undefined;
  const m = p.re.exec(v);
  if (!m) return undefined;
  const get = (...names: Token[]): string | undefined => {
    const i = p.tokens.findIndex((t) => names.includes(t));
    return i < 0 ? undefined : m[i + 1];
  };
  const yy = get('yy');
  const y = get('yyyy') !== undefined ? Number(get('yyyy')) : yy !== undefined ? 2000 + Number(yy) : 1970;
  const mo = Number(get('MM', 'M') ?? 1);
  const d = Number(get('dd', 'd') ?? 1);
  const h = Number(get('HH', 'H') ?? 0);
  const mi = Number(get('mm') ?? 0);
  const s = Number(get('ss') ?? 0);
  const ms = Number(get('SSS') ?? 0);
  if (!validDate(y, mo, d) || !validTime(h, mi, s)) return undefined;
  const zone = get('XXX', 'XX', 'X', 'Z');
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms) - (zone ? offsetMinutes(zone) : 0) * 60_000;
  return new Date(t).toISOString();
}

function validDate(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}

function validTime(h: number, mi: number, s: number): boolean {
  return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59;
}
