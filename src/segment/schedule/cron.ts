import { err, ok, type Result } from '../../shared/result.js';

/**
 * Quartz cron expressions as AEP schedules use them (UTC): `sec min hour day-of-month month day-of-week [year]`, with
 * `*`, `?`, ranges `a-b`, lists `a,b`, steps `a/n` and `*\/n`, month names JAN-DEC, day names SUN-SAT (SUN = 1), `L`
 * (last day of the month; in day-of-week, `L` is Saturday and `nL` the month's last day n), `n#k` (the k-th day n of
 * the month). One of day-of-month and day-of-week must be `?` (Quartz's rule). `W` (nearest weekday) is refused with
 * its position, not approximated.
 */
export interface Cron {
  text: string;
  seconds: number[];
  minutes: number[];
  hours: number[];
  months: Set<number>;
  years: Set<number> | undefined;
  /** Whether a UTC date (year, month 1-12, day 1-31) is one the expression names. */
  matchesDay(y: number, m: number, d: number): boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS = ['seconds', 'minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'] as const;

type FieldSpec = { min: number; max: number; names?: string[] };
const SPECS: Record<(typeof FIELDS)[number], FieldSpec> = {
  seconds: { min: 0, max: 59 },
  minutes: { min: 0, max: 59 },
  hours: { min: 0, max: 23 },
  'day-of-month': { min: 1, max: 31 },
  month: { min: 1, max: 12, names: MONTHS },
  'day-of-week': { min: 1, max: 7, names: DAYS },
  year: { min: 1970, max: 2099 },
};

const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
/** Quartz day of week: 1 = Sunday … 7 = Saturday. */
const dowOf = (y: number, m: number, d: number): number => new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;

/** Values of one plain field (`*`, lists, ranges, steps, names). */
function values(text: string, field: (typeof FIELDS)[number]): Result<number[], string> {
  const spec = SPECS[field];
  const num = (s: string): number | undefined => {
    const up = s.toUpperCase();
    const named = spec.names?.indexOf(up) ?? -1;
    if (named >= 0) return named + 1;
    if (!/^\d+$/.test(s)) return undefined;
    const n = Number(s);
    return n >= spec.min && n <= spec.max ? n : undefined;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) return err(`${field}: "${part}" is not a value, range or step`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) return err(`${field}: step must be 1 or more in "${part}"`);
    let lo: number | undefined, hi: number | undefined;
    if (m[1] === '*') [lo, hi] = [spec.min, spec.max];
    else if (m[1]!.includes('-')) {
      const [a, b] = m[1]!.split('-');
      [lo, hi] = [num(a!), num(b!)];
      if (lo === undefined || hi === undefined || lo > hi) return err(`${field}: "${m[1]}" is not a range within ${spec.min}-${spec.max}`);
    } else {
      lo = num(m[1]!);
      if (lo === undefined) return err(`${field}: "${m[1]}" is not within ${spec.min}-${spec.max}${spec.names ? ` (or ${spec.names[0]}-${spec.names.at(-1)})` : ''}`);
      hi = m[2] === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return ok([...out].sort((a, b) => a - b));
}

/** Parses a Quartz cron expression; the error names the field and the part it cannot read. */
export function parseCron(text: unknown): Result<Cron, string> {
  if (typeof text !== 'string' || text.trim() === '') return err('schedule must be a cron expression string');
  const parts = text.trim().split(/\s+/);
  if (parts.length < 6 || parts.length > 7) return err(`a cron expression has 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), got ${parts.length}`);
  const [sec, min, hour, dom, mon, dow, year] = parts as [string, string, string, string, string, string, string | undefined];
  if (/W/i.test(dom)) return err(`day-of-month: "W" (nearest weekday) in "${dom}" is not supported`);
  const s = values(sec, 'seconds'), mi = values(min, 'minutes'), h = values(hour, 'hours'), mo = values(mon, 'month');
  for (const r of [s, mi, h, mo]) if (!r.ok) return err(r.error);
  let years: Set<number> | undefined;
  if (year !== undefined && year !== '*') {
    const y = values(year, 'year');
    if (!y.ok) return err(y.error);
    years = new Set(y.value);
  }
  const domQ = dom === '?', dowQ = dow === '?';
  if (domQ === dowQ) return err('one of day-of-month and day-of-week must be "?" (and only one)');
  let matchesDay: Cron['matchesDay'];
  if (dowQ) {
    if (/^L$/i.test(dom)) matchesDay = (y, m, d) => d === daysIn(y, m);
    else {
      const v = values(dom, 'day-of-month');
      if (!v.ok) return err(v.error);
      const set = new Set(v.value);
      matchesDay = (_y, _m, d) => set.has(d);
    }
  } else {
    const last = /^(\w+)L$/i.exec(dow);
    const nth = /^(\w+)#([1-5])$/.exec(dow);
    if (/^L$/i.test(dow)) matchesDay = (y, m, d) => dowOf(y, m, d) === 7;
    else if (last || nth) {
      const v = values((last ?? nth)![1]!, 'day-of-week');
      if (!v.ok || v.value.length !== 1) return err(`day-of-week: "${dow}" needs one day before ${last ? 'L' : '#'}`);
      const day = v.value[0]!;
      if (last) matchesDay = (y, m, d) => dowOf(y, m, d) === day && d + 7 > daysIn(y, m);
      else {
        const k = Number(nth![2]);
        matchesDay = (y, m, d) => dowOf(y, m, d) === day && Math.ceil(d / 7) === k;
      }
    } else {
      const v = values(dow, 'day-of-week');
      if (!v.ok) return err(v.error);
      const set = new Set(v.value);
      matchesDay = (y, m, d) => set.has(dowOf(y, m, d));
    }
  }
  return ok({ text: parts.join(' '), seconds: s.ok ? s.value : [], minutes: mi.ok ? mi.value : [], hours: h.ok ? h.value : [], months: new Set(mo.ok ? mo.value : []), years, matchesDay });
}

/** Whether the expression fires at most once a day (one second, minute and hour): AEP's rule for schedules. */
export const onceADay = (c: Cron): boolean => c.seconds.length === 1 && c.minutes.length === 1 && c.hours.length === 1;

/** The first time (ms, UTC) strictly after `after` the expression names, or undefined (none before 2100). */
export function nextFire(c: Cron, after: number): number | undefined {
  const start = new Date(after);
  let y = start.getUTCFullYear(), m = start.getUTCMonth() + 1, d = start.getUTCDate();
  for (let i = 0; i < 366 * 130 && y < 2100; i++) {
    if (c.months.has(m) && (!c.years || c.years.has(y)) && c.matchesDay(y, m, d)) {
      const day = Date.UTC(y, m - 1, d);
      for (const h of c.hours)
        for (const mi of c.minutes)
          for (const s of c.seconds) {
            const t = day + ((h * 60 + mi) * 60 + s) * 1000;
            if (t > after) return t;
          }
    }
    // next day
    if (++d > daysIn(y, m)) {
      d = 1;
      if (++m > 12) {
        m = 1;
        y++;
      }
    }
  }
  return undefined;
}

/** The last time in (after, upTo] the expression names, or undefined when none. */
export function lastFire(c: Cron, after: number, upTo: number): number | undefined {
  let last: number | undefined;
  for (let t = nextFire(c, after); t !== undefined && t <= upTo; t = nextFire(c, t)) last = t;
  return last;
}
