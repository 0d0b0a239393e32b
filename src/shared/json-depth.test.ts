import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exceedsDepth, nested, MAX_JSON_DEPTH } from './json-depth.js';

describe('exceedsDepth', () => {
  const cases: Array<[string, unknown, number, boolean]> = [
    ['scalar', 1, 0, false],
    ['null', null, 0, false],
    ['empty object is 1 deep', {}, 1, false],
    ['empty object over 0', {}, 0, true],
    ['array of object is 2 deep', [{}], 2, false],
    ['array of object over 1', [{}], 1, true],
    ['wide shallow', { a: 1, b: [1, 2, 3], c: { d: 'x' } }, 2, false],
    ['deep branch after shallow siblings', { a: 1, b: {}, c: nested(5) }, 5, true],
    ['exactly the limit', nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH, false],
    ['one past the limit', nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH, true],
  ];
  for (const [name, value, limit, want] of cases) it(name, () => assert.equal(exceedsDepth(value, limit), want));

  describe('invalid input', () => {
    it('a value far deeper than the stack allows is found without overflow', () => {
      const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)) as unknown;
      assert.equal(exceedsDepth(deep), true);
      assert.throws(() => JSON.stringify(nested(200_000)), RangeError); // what the check keeps away from consumers
    });
    it('deep arrays and objects mixed', () => {
      let v: unknown = 'leaf';
      for (let i = 0; i < 10_000; i++) v = i % 2 ? [v] : { k: v };
      assert.equal(exceedsDepth(v), true);
    });
  });
});
