import { err, ok, type Result } from '../../shared/result.js';
import { parseCron, type Cron } from '../../segment/schedule/cron.js';

/**
 * A scheduled query's `schedule.schedule` as AEP takes it: a five-field cron (`30 * * * *`: minute hour day-of-month
 * month day-of-week, Sunday 0 or 7), one of the shorthands `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`,
 * `@once` (runs once, at the start date), or a Quartz expression (six or seven fields, as the segmentation schedules
 * use). Everything but `@once` is turned into Quartz and read by the project's cron engine (`segment/schedule/cron.ts`).
 */
export type QuerySchedule = { once: true } | { once: false; cron: Cron };

const SHORTHANDS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A five-field day-of-week (0-7, names, lists, ranges, steps) as Quartz's 1-7 list. */
function quartzDow(field: string): Result<string, string> {
  const days = new Set<number>();
  const num = (s: string): number | undefined => {
    const named = DAY_NAMES.indexOf(s.toUpperCase());
    if (named >= 0) return named;
    return /^[0-7]$/.test(s) ? Number(s) : undefined;
  };
  for (const part of field.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) return err(`day-of-week: "${part}" is not a value, range or step`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) return err(`day-of-week: step must be 1 or more in "${part}"`);
    let lo: number | undefined, hi: number | undefined;
    if (m[1] === '*') [lo, hi] = [0, 6];
    else if (m[1]!.includes('-')) [lo, hi] = m[1]!.split('-').map(num) as [number | undefined, number | undefined];
    else [lo, hi] = [num(m[1]!), m[2] === undefined ? num(m[1]!) : 6];
    if (lo === undefined || hi === undefined || lo > hi) return err(`day-of-week: "${part}" is not within 0-7 (or SUN-SAT)`);
    for (let d = lo; d <= hi; d += step) days.add((d % 7) + 1);
  }
  return ok([...days].sort((a, b) => a - b).join(','));
}

/** Parses a schedule expression; the error says what is wrong with it. */
export function parseQuerySchedule(text: unknown): Result<QuerySchedule, string> {
  if (typeof text !== 'string' || text.trim() === '') return err('schedule.schedule must be a cron expression (e.g. "30 * * * *") or @hourly, @daily, @weekly, @monthly, @yearly, @once');
  const t = text.trim();
  if (t.toLowerCase() === '@once') return ok({ once: true });
  const unix = t.startsWith('@') ? SHORTHANDS[t.toLowerCase()] : t;
  if (unix === undefined) return err(`schedule.schedule: "${t}" is not one of @hourly, @daily, @weekly, @monthly, @yearly, @once`);
  const parts = unix.split(/\s+/);
  let quartz: string;
  if (parts.length === 5) {
    const [min, hour, dom, mon, dow] = parts as [string, string, string, string, string];
    if (dom !== '*' && dom !== '?' && dow !== '*' && dow !== '?') return err('schedule.schedule: give either a day of the month or a day of the week, not both');
    if (dow === '*' || dow === '?') quartz = `0 ${min} ${hour} ${dom === '?' ? '*' : dom} ${mon} ?`;
    else {
      const d = quartzDow(dow);
      if (!d.ok) return err(`schedule.schedule: ${d.error}`);
      quartz = `0 ${min} ${hour} ? ${mon} ${d.value}`;
    }
  } else if (parts.length === 6 || parts.length === 7) quartz = unix;
  else return err(`schedule.schedule: a cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6-7 in Quartz form, got ${parts.length}`);
  const c = parseCron(quartz);
  return c.ok ? ok({ once: false, cron: c.value }) : err(`schedule.schedule: ${c.error}`);
}
