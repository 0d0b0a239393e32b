import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromPgText, schemaPrefix, toPgText } from './pg-text.js';

describe('toPgText / fromPgText (U+0000 kept out of PostgreSQL TEXT)', () => {
  const cases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['', ''],
    ['a\0b', '\u0001a\u00010b'],
    ['\u0001x', '\u0001\u0001\u0001x'],
    ['x\u0001', 'x\u0001'],
  ];
  for (const [s, stored] of cases)
    it(`${JSON.stringify(s)} is stored as ${JSON.stringify(stored)} and read back`, () => {
      assert.equal(toPgText(s), stored);
      assert.equal(fromPgText(stored), s);
    });

  it('round-trips every string, never stores NUL, and is injective', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('\0', '\u0001', '0', 'a', '\\') }), fc.string({ unit: fc.constantFrom('\0', '\u0001', '0', 'a') }), (a, b) => {
        assert.equal(fromPgText(toPgText(a)), a);
        assert.ok(!toPgText(a).includes('\0'));
        if (a !== b) assert.notEqual(toPgText(a), toPgText(b));
      }),
    );
  });

  describe('invalid input', () => {
    for (const bad of ['Bad', '1abc', 'a-b', 'a.b', 'a;drop'])
      it(`schema name ${JSON.stringify(bad)} is refused`, () => assert.throws(() => schemaPrefix(bad), /invalid schema name/));
    it('no schema: unqualified', () => assert.equal(schemaPrefix(undefined), ''));
  });
});
