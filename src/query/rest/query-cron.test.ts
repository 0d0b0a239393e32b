import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextFire } from '../../segment/schedule/cron.js';
import { parseQuerySchedule } from './query-cron.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0); // a Thursday
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

describe('scheduled query expressions', () => {
  it('reads five-field cron, shorthands and Quartz, firing when cron would', () => {
    const cases: Array<[string, string]> = [
      ['30 * * * *', '2026-01-01T00:30:00.000Z'],
      ['*/15 9 * * *', '2026-01-01T09:00:00.000Z'],
      ['0 8 * * 1-5', '2026-01-01T08:00:00.000Z'],
      ['0 8 * * 0', '2026-01-04T08:00:00.000Z'],
      ['0 8 * * 7', '2026-01-04T08:00:00.000Z'],
      ['0 8 * * SAT,SUN', '2026-01-03T08:00:00.000Z'],
      ['0 0 15 * *', '2026-01-15T00:00:00.000Z'],
      ['@hourly', '2026-01-01T01:00:00.000Z'],
      ['@daily', '2026-01-02T00:00:00.000Z'],
      ['@weekly', '2026-01-04T00:00:00.000Z'],
      ['@monthly', '2026-02-01T00:00:00.000Z'],
      ['@yearly', '2027-01-01T00:00:00.000Z'],
      ['0 15 10 ? * MON', '2026-01-05T10:15:00.000Z'],
    ];
    for (const [text, want] of cases) {
      const s = parseQuerySchedule(text);
      assert.ok(s.ok && !s.value.once, `${text}: ${JSON.stringify(s)}`);
      assert.equal(iso(nextFire(s.value.cron, T0)), want, text);
    }
  });

  it('reads @once', () => {
    assert.deepEqual(parseQuerySchedule('@once'), { ok: true, value: { once: true } });
  });

  it('refuses what it cannot read, saying why', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['', /cron expression/],
      [42, /cron expression/],
      ['@sometimes', /not one of/],
      ['60 * * * *', /minutes/],
      ['0 0 1 * 1', /not both/],
      ['0 0 * * 8', /day-of-week/],
      ['* * *', /5 fields/],
    ];
    for (const [text, re] of cases) {
      const s = parseQuerySchedule(text);
      assert.equal(s.ok, false, String(text));
      if (!s.ok) assert.match(s.error, re, String(text));
    }
  });
});
