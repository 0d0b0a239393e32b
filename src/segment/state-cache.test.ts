import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StateCache } from './state-cache.js';

const A = { namespace: 'Email', id: 'a@x' };
const B = { namespace: 'email', id: 'b@x' };
const ev = (id: string, ts: number) => ({ id, ts, event: { eventType: 'x' } });

describe('StateCache', () => {
  it('keeps the most recently used identities (LRU)', () => {
    const c = new StateCache(2, 10);
    c.set('sb', A, [ev('1', 1)]);
    c.set('sb', B, [ev('2', 2)]);
    assert.ok(c.get('sb', A)); // A is now the most recent
    c.set('sb', { namespace: 'ECID', id: 'e' }, []);
    assert.equal(c.get('sb', B), undefined, 'B was the least recently used');
    assert.ok(c.get('sb', A));
  });
  it('namespaces are case-insensitive, sandboxes apart', () => {
    const c = new StateCache(10, 10);
    c.set('sb', A, [ev('1', 1)]);
    assert.ok(c.get('sb', { namespace: 'EMAIL', id: 'a@x' }));
    assert.equal(c.get('other', A), undefined);
  });
  it('adds only to cached identities, replacing an event with the same id', () => {
    const c = new StateCache(10, 10);
    c.add('sb', A, ev('1', 1));
    assert.equal(c.get('sb', A), undefined, 'an uncached identity is rebuilt from the store when read');
    c.set('sb', A, [ev('1', 1)]);
    c.add('sb', A, ev('1', 5));
    c.add('sb', A, ev('2', 2));
    assert.deepEqual(c.get('sb', A)!.map((e) => [e.id, e.ts]), [['1', 5], ['2', 2]]);
  });
  it('a state set with an event id twice holds it once: the first one\'s place, the last one\'s value', () => {
    const c = new StateCache(10, 100);
    const e = (id: string, ts: number) => ({ id, ts, event: { v: ts } });
    const stored = c.set('sb', { namespace: 'Email', id: 'a' }, [e('x', 1), e('y', 2), e('x', 3)]);
    assert.deepEqual(stored, [e('x', 3), e('y', 2)]);
    assert.deepEqual(c.get('sb', { namespace: 'Email', id: 'a' }), stored);
    const plain = [e('p', 1), e('q', 2)];
    assert.equal(c.set('sb', { namespace: 'Email', id: 'b' }, plain), plain, 'without repeats the list is kept as given');
  });

  it('keeps the newest cap events', () => {
    const c = new StateCache(10, 3);
    c.set('sb', A, [ev('a', 1), ev('b', 4), ev('c', 2), ev('d', 3)]);
    assert.deepEqual(c.get('sb', A)!.map((e) => e.id).sort(), ['b', 'c', 'd']);
    for (let i = 0; i < 10; i++) c.add('sb', A, ev(`n${i}`, 100 + i));
    assert.ok(c.get('sb', A)!.length <= 4);
    assert.ok(c.get('sb', A)!.some((e) => e.id === 'n9'));
  });
  describe('invalid input', () => {
    it('forget and clear on unknown identities are harmless', () => {
      const c = new StateCache(1, 1);
      c.forget('sb', A);
      c.clear();
      assert.equal(c.size, 0);
    });
  });
});
