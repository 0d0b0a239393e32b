/**
 * Values in PostgreSQL's text output format (DateStyle ISO, IntervalStyle postgres, TimeZone UTC,
 * extra_float_digits 1: shortest round-trip floats), so clients parse what they would get from PostgreSQL.
 */

const MICROS_PER_DAY = 86_400_000_000n;
const DATE_INFINITY = 2_147_483_647;
const TS_INFINITY = 9_223_372_036_854_775_807n;

/** Proleptic Gregorian civil date of days since 1970-01-01 (H. Hinnant's algorithm). */
export function civil(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: era * 400 + yoe + (m <= 2 ? 1 : 0), m, d };
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** `2024-01-02`, `0044-03-15 BC`, `infinity`. `suffix` goes between the date and the era (the time part). */
export function dateText(days: number, suffix = ''): string {
  if (days >= DATE_INFINITY) return 'infinity';
  if (days <= -DATE_INFINITY) return '-infinity';
  const { y, m, d } = civil(days);
  // PostgreSQL has no year 0: year 0 is 1 BC
  const bc = y <= 0;
  return `${pad(bc ? 1 - y : y, 4)}-${pad(m, 2)}-${pad(d, 2)}${suffix}${bc ? ' BC' : ''}`;
}

/** `03:04:05`, `03:04:05.5` (fraction without trailing zeros). */
export function timeText(micros: bigint): string {
  const us = Number(micros);
  const secs = Math.floor(us / 1_000_000);
  const frac = us - secs * 1_000_000;
  const base = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  return frac === 0 ? base : `${base}.${pad(frac, 6).replace(/0+$/, '')}`;
}

/** `2024-01-02 03:04:05.123` (`+00` appended for timestamptz, shown in UTC). */
export function timestampText(micros: bigint, tz: boolean): string {
  if (micros >= TS_INFINITY) return 'infinity';
  if (micros <= -TS_INFINITY) return '-infinity';
  let days = micros / MICROS_PER_DAY;
  let rest = micros % MICROS_PER_DAY;
  if (rest < 0n) {
    rest += MICROS_PER_DAY;
    days -= 1n;
  }
  return dateText(Number(days), ` ${timeText(rest)}${tz ? '+00' : ''}`);
}

/** ISO-8601 for JSON (`2024-01-02T03:04:05.123+00:00`, as PostgreSQL's to_json). */
export function timestampJson(micros: bigint, tz: boolean): string {
  const t = timestampText(micros, false);
  if (!/^\d{4}-/.test(t) || t.endsWith(' BC')) return t;
  return `${t.replace(' ', 'T')}${tz ? '+00:00' : ''}`;
}

/** PostgreSQL interval output (IntervalStyle postgres): `1 year 2 mons 3 days 04:05:06.7`. */
export function intervalText(months: number, days: number, micros: bigint): string {
  const parts: string[] = [];
  let negativeSeen = false;
  const add = (v: number, unit: string): void => {
    if (v === 0) return;
    parts.push(`${negativeSeen && v > 0 ? '+' : ''}${v} ${unit}${Math.abs(v) === 1 ? '' : 's'}`);
    if (v < 0) negativeSeen = true;
  };
  add(Math.trunc(months / 12), 'year');
  add(months % 12, 'mon');
  add(days, 'day');
  if (micros !== 0n || parts.length === 0) {
    const neg = micros < 0n;
    const t = timeText(neg ? -micros : micros);
    // hours may exceed 24 in an interval
    const hours = (neg ? -micros : micros) / 3_600_000_000n;
    const clock = `${hours < 10n ? '0' : ''}${hours}${t.slice(2)}`;
    parts.push(`${neg ? '-' : negativeSeen ? '+' : ''}${clock}`);
  }
  return parts.join(' ');
}

/** bytea hex output: `\x00ff`. */
export function byteaText(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/**
 * Shortest round-trip float text as PostgreSQL 12+ prints it (`1.1`, `1e+20`, `1.5e-07`, `NaN`, `Infinity`):
 * exponent notation below 1e-4 and from 10^digits up (15 for float8, 6 for float4).
 */
export function floatText(v: number, float4: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  let digits: string;
  let exp: number;
  const shortest = float4 ? shortestFloat4(v) : v.toExponential();
  // toExponential() without an argument is the shortest round-trip form: d.ddde±x
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest)!;
  const sign = m[1]!;
  digits = m[2]! + (m[3] ?? '');
  exp = Number(m[4]);
  digits = digits.replace(/0+$/, '') || '0';
  if (exp < -4 || exp >= (float4 ? 6 : 15)) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${pad(Math.abs(exp), 2)}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** The shortest exponent form that reads back as the same float32. */
function shortestFloat4(v: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = v.toExponential(p - 1);
    if (Math.fround(Number(s)) === v) return s;
  }
  return v.toExponential(8);
}
