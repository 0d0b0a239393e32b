import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evictSecondChance } from './second-chance.js';

const mapOf = (entries: Array<[string, boolean]>) => new Map(entries.map(([k, used]) => [k, { used }]));

describe('evictSecondChance', () => {
  const cases: Array<[string, Array<[string, boolean]>, number, string[]]> = [
    ['under the bound nothing goes', [['a', false], ['b', false]], 2, ['a', 'b']],
    ['the oldest unused go first', [['a', false], ['b', false], ['c', false]], 2, ['b', 'c']],
    ['a used entry gets a second chance (moved to the end, unmarked)', [['a', true], ['b', false], ['c', false]], 2, ['c', 'a']],
    ['when every entry was used, eviction still ends (the chances are bounded)', [['a', true], ['b', true], ['c', true]], 1, ['b']],
  ];
  for (const [name, entries, max, keys] of cases)
    it(name, () => {
      const m = mapOf(entries);
      evictSecondChance(m, max);
      assert.deepEqual([...m.keys()], keys);
    });

  describe('invalid input', () => {
    it('an empty map and a bound of 0 are harmless', () => {
      const m = mapOf([]);
      evictSecondChance(m, 0);
      assert.equal(m.size, 0);
      const n = mapOf([['a', true]]);
      evictSecondChance(n, 0);
      assert.equal(n.size, 0);
    });
  });
});
