import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastFire, nextFire, onceADay, parseCron } from './cron.js';

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
const at = (s: string) => Date.parse(s);

describe('parseCron and nextFire (UTC)', () => {
  const cases: Array<[string, string, string | undefined]> = [
    // expression, after, next fire
    ['0 0 1 * * ?', '2026-03-10T00:30:00Z', '2026-03-10T01:00:00.000Z'],
    ['0 0 1 * * ?', '2026-03-10T01:00:00Z', '2026-03-11T01:00:00.000Z'], // strictly after
    ['0 0 2 * * ?', '2026-12-31T03:00:00Z', '2027-01-01T02:00:00.000Z'],
    ['30 15 10 ? * MON-FRI', '2026-12-05T00:00:00Z', '2026-12-07T10:15:30.000Z'], // Saturday -> Monday
    ['0 0 12 ? * 1', '2026-12-02T00:00:00Z', '2026-12-06T12:00:00.000Z'], // 1 = Sunday
    ['0 0 6 L * ?', '2026-02-03T00:00:00Z', '2026-02-28T06:00:00.000Z'], // last day of February
    ['0 0 6 L * ?', '2028-02-03T00:00:00Z', '2028-02-29T06:00:00.000Z'], // leap year
    ['0 0 6 ? * 6L', '2026-12-01T00:00:00Z', '2026-12-25T06:00:00.000Z'], // last Friday of December 2026
    ['0 0 6 ? * MON#2', '2026-12-01T00:00:00Z', '2026-12-14T06:00:00.000Z'], // second Monday
    ['0 0 6 31 * ?', '2026-04-01T00:00:00Z', '2026-05-31T06:00:00.000Z'], // April has no 31st
    ['0 0 0 1 JAN,jul ?', '2026-02-01T00:00:00Z', '2026-07-01T00:00:00.000Z'],
    ['0 0 0 1/10 * ?', '2026-03-02T00:00:00Z', '2026-03-11T00:00:00.000Z'],
    ['0 0 0 1 1 ? 2030', '2026-01-01T00:00:00Z', '2030-01-01T00:00:00.000Z'],
    ['0 0 0 1 1 ? 2020', '2026-01-01T00:00:00Z', undefined], // only in the past
    ['0 0 0 30 2 ?', '2026-01-01T00:00:00Z', undefined], // never
    ['0 */30 * * * ?', '2026-03-10T00:10:00Z', '2026-03-10T00:30:00.000Z'],
  ];
  for (const [expr, after, next] of cases)
    it(`${expr} after ${after} -> ${next}`, () => {
      const c = parseCron(expr);
      assert.ok(c.ok, c.ok ? '' : c.error);
      assert.equal(iso(nextFire(c.value, at(after))), next);
    });

  it('lastFire: the last fire time in (after, upTo]', () => {
    const c = parseCron('0 0 1 * * ?');
    assert.ok(c.ok);
    const table: Array<[string, string, string | undefined]> = [
      ['2026-03-10T00:00:00Z', '2026-03-10T00:59:59Z', undefined],
      ['2026-03-10T00:00:00Z', '2026-03-10T01:00:00Z', '2026-03-10T01:00:00.000Z'],
      ['2026-03-10T01:00:00Z', '2026-03-15T12:00:00Z', '2026-03-15T01:00:00.000Z'], // five missed days: the last one
      ['2026-03-10T01:00:00Z', '2026-03-10T01:00:00Z', undefined], // the one handled is not again
    ];
    for (const [after, upTo, want] of table) assert.equal(iso(lastFire(c.value, at(after), at(upTo))), want, `${after} .. ${upTo}`);
  });

  it('once a day: one second, minute and hour', () => {
    const table: Array<[string, boolean]> = [
      ['0 0 1 * * ?', true],
      ['0 0 1 ? * MON-FRI', true],
      ['0 0 1,13 * * ?', false],
      ['0 */30 * * * ?', false],
      ['* 0 1 * * ?', false],
    ];
    for (const [expr, once] of table) {
      const c = parseCron(expr);
      assert.ok(c.ok);
      assert.equal(onceADay(c.value), once, expr);
    }
  });

  describe('invalid input', () => {
    const bad: Array<[unknown, RegExp]> = [
      [undefined, /must be a cron expression string/],
      ['', /must be a cron expression string/],
      ['0 0 1 * *', /6 or 7 fields/],
      ['0 0 1 * * ? 2030 x', /6 or 7 fields/],
      ['0 0 24 * * ?', /hours: "24" is not within 0-23/],
      ['60 0 1 * * ?', /seconds: "60"/],
      ['0 0 1 * * *', /one of day-of-month and day-of-week must be "\?"/],
      ['0 0 1 ? * ?', /one of day-of-month and day-of-week must be "\?"/],
      ['0 0 1 15W * ?', /"W" \(nearest weekday\) in "15W" is not supported/],
      ['0 0 1 * FOO ?', /month: "FOO"/],
      ['0 0 1 ? * FUN', /day-of-week: "FUN"/],
      ['0 0 1 5-2 * ?', /day-of-month: "5-2" is not a range/],
      ['0 0 1 */0 * ?', /step must be 1 or more/],
      ['0 0 1 1 1 ? 1969', /year: "1969"/],
      ['0 0 1 ? * MON-TUEL', /day-of-week: "MON-TUEL"/],
      ['0 0 1 ? * 9L', /day-of-week: "9L" needs one day before L/],
    ];
    for (const [expr, re] of bad)
      it(`${JSON.stringify(expr)} is refused`, () => {
        const c = parseCron(expr);
        assert.equal(c.ok, false);
        if (!c.ok) assert.match(c.error, re);
      });
  });
});
