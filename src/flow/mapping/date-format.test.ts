import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileDatePattern, toIsoDate } from './date-format.js';

describe('to_date formats', () => {
  const cases: Array<[unknown, string | undefined, string]> = [
    ['31/12/2025', 'dd/MM/yyyy', '2025-12-31T00:00:00.000Z'],
    ['2025-01-02 03:04:05', 'yyyy-MM-dd HH:mm:ss', '2025-01-02T03:04:05.000Z'],
    ['2025-01-02T03:04:05.678', "yyyy-MM-dd'T'HH:mm:ss.SSS", '2025-01-02T03:04:05.678Z'],
    ['2025-01-02T03:04:05+02:00', "yyyy-MM-dd'T'HH:mm:ssXXX", '2025-01-02T01:04:05.000Z'],
    ['2025-01-02T03:04:05Z', "yyyy-MM-dd'T'HH:mm:ssXXX", '2025-01-02T03:04:05.000Z'],
    ['20250102 0304 -0130', 'yyyyMMdd HHmm Z', '2025-01-02T04:34:00.000Z'],
    ['1/2/25', 'M/d/yy', '2025-01-02T00:00:00.000Z'],
    ["it's 2025", "'it''s' yyyy", '2025-01-01T00:00:00.000Z'],
    ['2024-02-29', 'yyyy-MM-dd', '2024-02-29T00:00:00.000Z'],
    ['2025-06-01', undefined, '2025-06-01T00:00:00.000Z'],
    ['2025-06-01T10:00:00Z', undefined, '2025-06-01T10:00:00.000Z'],
    ['2025-06-01 10:00', undefined, '2025-06-01T10:00:00.000Z'],
    ['2025-06-01T10:00:00.5-0100', undefined, '2025-06-01T11:00:00.500Z'],
    ['1700000000000', undefined, '2023-11-14T22:13:20.000Z'],
    [0, undefined, '1970-01-01T00:00:00.000Z'],
  ];
  for (const [value, pattern, iso] of cases) it(`${String(value)} ${pattern ?? '(ISO)'}`, () => assert.equal(toIsoDate(value, pattern), iso));

  describe('invalid input', () => {
    const bad: Array<[unknown, string | undefined]> = [
      ['2025-13-01', 'yyyy-MM-dd'],
      ['2025-02-29', 'yyyy-MM-dd'],
      ['2025-02-30', undefined],
      ['2025-01-01 24:00:00', 'yyyy-MM-dd HH:mm:ss'],
      ['2025-01-01T10:61', undefined],
      ['31/12/2025', 'yyyy-MM-dd'],
      ['Dec 5 2025', undefined],
      ['', undefined],
      [true, undefined],
      [null, undefined],
      [Number.NaN, undefined],
      ['2025', 'yyyy-QQ'],
    ];
    for (const [value, pattern] of bad) it(`${String(value)} ${pattern ?? '(ISO)'}`, () => assert.equal(toIsoDate(value, pattern), undefined));
    it('names the unsupported letter', () => assert.match(String(compileDatePattern('yyyy-QQ')), /unsupported letter "Q"/));
    it('reports an unterminated quote', () => assert.match(String(compileDatePattern("yyyy'T")), /unterminated quote/));
  });
});
