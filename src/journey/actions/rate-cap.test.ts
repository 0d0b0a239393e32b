import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/clock.js';
import { RateCap } from './rate-cap.js';

describe('RateCap', () => {
  it('allows a second of calls, then refills at the rate', () => {
    const clock = new ManualClock();
    const cap = new RateCap(clock);
    const takes = () => Array.from({ length: 4 }, () => cap.take('sb', 'http://a.test', 2));
    assert.deepEqual(takes(), [true, true, false, false]);
    clock.advance(500);
    assert.deepEqual(takes(), [true, false, false, false]);
    clock.advance(10_000);
    assert.deepEqual(takes(), [true, true, false, false]); // never more than one second's worth
  });

  it('a rate below one still lets one call through, then one per 1/rate seconds', () => {
    const clock = new ManualClock();
    const cap = new RateCap(clock);
    assert.equal(cap.take('sb', 'o', 0.5), true);
    assert.equal(cap.take('sb', 'o', 0.5), false);
    clock.advance(1000);
    assert.equal(cap.take('sb', 'o', 0.5), false);
    clock.advance(1000);
    assert.equal(cap.take('sb', 'o', 0.5), true);
  });

  const separate: Array<[string, [string, string], [string, string]]> = [
    ['origins are separate', ['sb', 'http://a.test'], ['sb', 'http://b.test']],
    ['sandboxes are separate', ['sb1', 'http://a.test'], ['sb2', 'http://a.test']],
  ];
  for (const [name, a, b] of separate) {
    it(name, () => {
      const cap = new RateCap(new ManualClock());
      assert.equal(cap.take(a[0], a[1], 1), true);
      assert.equal(cap.take(a[0], a[1], 1), false);
      assert.equal(cap.take(b[0], b[1], 1), true);
    });
  }

  it('forgets the least recently used bucket past its size', () => {
    const cap = new RateCap(new ManualClock(), 2);
    assert.equal(cap.take('sb', 'a', 1), true);
    assert.equal(cap.take('sb', 'b', 1), true);
    assert.equal(cap.take('sb', 'c', 1), true); // 'a' forgotten
    assert.equal(cap.take('sb', 'a', 1), true);
    assert.equal(cap.take('sb', 'c', 1), false);
  });

  describe('invalid input', () => {
    for (const rate of [undefined, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      it(`rate ${String(rate)} means no cap`, () => {
        const cap = new RateCap(new ManualClock());
        for (let i = 0; i < 100; i++) assert.equal(cap.take('sb', 'o', rate), true);
      });
    }
    it('a clock going backwards does not mint tokens', () => {
      const clock = new ManualClock();
      const cap = new RateCap(clock);
      assert.equal(cap.take('sb', 'o', 1), true);
      clock.advance(-5000);
      assert.equal(cap.take('sb', 'o', 1), false);
    });
  });
});
