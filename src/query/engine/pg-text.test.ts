import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dateText, floatText, intervalText, timestampText, timeText } from './pg-text.js';
import { numericBinary } from './value-codecs.js';

describe('PostgreSQL text output', () => {
  const floats: Array<[number, boolean, string]> = [
    [0.1, false, '0.1'],
    [1.5, false, '1.5'],
    [123, false, '123'],
    [1e20, false, '1e+20'],
    [1e15, false, '1e+15'],
    [123456789012345, false, '123456789012345'],
    [1.5e-7, false, '1.5e-07'],
    [0.0001, false, '0.0001'],
    [0.00001234, false, '1.234e-05'],
    [-2.5, false, '-2.5'],
    [0, false, '0'],
    [-0, false, '-0'],
    [NaN, false, 'NaN'],
    [Infinity, false, 'Infinity'],
    [-Infinity, true, '-Infinity'],
    [Math.fround(1.1), true, '1.1'],
    [Math.fround(1234567), true, '1.234567e+06'],
    [Math.fround(123456), true, '123456'],
    [Math.fround(0.3), true, '0.3'],
  ];
  for (const [v, f4, want] of floats) it(`float${f4 ? 4 : 8} ${v} → ${want}`, () => assert.equal(floatText(v, f4), want));

  const dates: Array<[number, string]> = [
    [0, '1970-01-01'],
    [19724, '2024-01-02'],
    [-719162, '0001-01-01'],
    [-719163, '0001-12-31 BC'],
    [2_147_483_647, 'infinity'],
    [-2_147_483_647, '-infinity'],
  ];
  for (const [d, want] of dates) it(`date ${d} → ${want}`, () => assert.equal(dateText(d), want));

  it('time and timestamps', () => {
    assert.equal(timeText(11_045_500_000n), '03:04:05.5');
    assert.equal(timeText(0n), '00:00:00');
    assert.equal(timestampText(1_704_164_645_123_000n, false), '2024-01-02 03:04:05.123');
    assert.equal(timestampText(1_704_164_645_123_456n, true), '2024-01-02 03:04:05.123456+00');
    assert.equal(timestampText(-1n, false), '1969-12-31 23:59:59.999999');
    assert.equal(timestampText(9_223_372_036_854_775_807n, true), 'infinity');
  });

  const intervals: Array<[number, number, bigint, string]> = [
    [14, 3, 14_706_700_000n, '1 year 2 mons 3 days 04:05:06.7'],
    [0, 1, 0n, '1 day'],
    [0, 0, 0n, '00:00:00'],
    [0, -1, 7_200_000_000n, '-1 days +02:00:00'],
    [0, 1, -7_200_000_000n, '1 day -02:00:00'],
    [0, 0, 100n * 3_600_000_000n, '100:00:00'],
    [-1, 0, 0n, '-1 mons'],
  ];
  for (const [m, d, us, want] of intervals) it(`interval → ${want}`, () => assert.equal(intervalText(m, d, us), want));

  const numerics: Array<[bigint, number, string]> = [
    // ndigits, weight, sign, dscale, digits… as hex of int16s
    [0n, 0, '0000 0000 0000 0000'],
    [1n, 0, '0001 0000 0000 0000 0001'],
    [12345n, 0, '0002 0001 0000 0000 0001 0929'],
    [1250n, 2, '0002 0000 0000 0002 000c 1388'],
    [-5n, 1, '0001 ffff 4000 0001 1388'],
    [100000000n, 0, '0001 0002 0000 0000 0001'],
  ];
  for (const [v, scale, hex] of numerics)
    it(`numeric binary ${v}e-${scale}`, () => {
      const b = Buffer.from(numericBinary(v, scale)).toString('hex').match(/.{4}/g)!.join(' ');
      assert.equal(b, hex);
    });
});
