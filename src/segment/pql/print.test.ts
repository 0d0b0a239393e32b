import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Condition } from './ast.js';
import { conditionArb } from './arbitraries.js';
import { parsePql } from './parser.js';
import { PqlPrintError, printPql } from './print.js';
import { cmp, E, L, P, str, strip } from './test-helpers.js';

const reparse = (c: Condition): Condition => {
  const text = printPql(c);
  const r = parsePql(text);
  if (!r.ok) throw new Error(`printed PQL does not parse: ${text}\n${r.error.message}`);
  return strip(r.value.root);
};

describe('printPql', () => {
  const CANONICAL: Array<[string, string]> = [
    ['homeAddress.country = "US"', 'homeAddress.country = "US"'],
    ['(a = 1 or b = 2) and not (c = 3)', '(a = 1 or b = 2) and not c = 3'],
    ['a = 1 and (b = 2 and c = 3)', 'a = 1 and (b = 2 and c = 3)'],
    ['(a + b) * -c - (d - e) = 1', '(a + b) * (0 - c) - (d - e) = 1'],
    ['x.startsWith("a", false) and x.notEqualTo("b") and x like "%a"', 'x.startsWith("a", false) and x.notEqualTo("b") and x like "%a"'],
    ['exists x', 'x.isNotNull()'],
    ['select X from xEvent where X.eventType = "a" and tier = "gold"', 'xEvent[eventType = "a" and $1.tier = "gold"]'],
    ['(select X from xEvent where X.a = 1).average(X.b) > 2', 'xEvent[a = 1].average(X.b) > 2'],
    ['t occurs within 3 days', 't occurs <= 3 days before now'],
    ['t occurs before date(2020, 1, 1, 10, 30, 5)', 't occurs before date(2020, 1, 1, 10, 30, 5)'],
    ['CHAIN(xEvent, timestamp, [C0: WHAT(eventType = "a") WHEN(today), C1: WHAT(eventType = "b") WHEN(<= 1 hour after C0)])', 'CHAIN(xEvent, timestamp, [C0: WHAT(eventType = "a") WHEN(today), C1: WHAT(eventType = "b") WHEN(<= 1 hour after C0)])'],
    ['`and`.`a b` = lower(x)', '`and`.`a b` = lower(x)'],
    ['t > now - 1 day', 't > now - 1 day'],
  ];
  for (const [input, want] of CANONICAL) {
    it(input, () => {
      const r = parsePql(input);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      if (r.ok) assert.equal(printPql(r.value), want);
    });
  }

  it('round-trips random ASTs (print → parse gives the same AST)', () => {
    fc.assert(
      fc.property(conditionArb(), (c) => {
        assert.deepStrictEqual(reparse(c), strip(c));
      }),
      { numRuns: 1500 },
    );
  });

  it('printing is idempotent on printed text', () => {
    fc.assert(
      fc.property(conditionArb({}, 2), (c) => {
        const once = printPql(c);
        const r = parsePql(once);
        assert.ok(r.ok);
        if (r.ok) assert.equal(printPql(r.value.root), once);
      }),
      { numRuns: 300 },
    );
  });
});

describe('invalid input', () => {
  const UNPRINTABLE: Array<[string, Condition]> = [
    ['an event path at profile level', cmp('=', E('eventType'), L('a'))],
    ['a negated like', str('like', P('x'), '%a', true, true)],
    ['a case-insensitive matches', str('matches', P('x'), 'a', false)],
    ['an open-ended inclusive window', { kind: 'occurs', value: P('t'), window: { kind: 'absolute', from: L(1), inclusive: true } }],
    ['a datetime with milliseconds', cmp('=', P('t'), { kind: 'datetime', ms: 1001 })],
    ['an infinite number', cmp('=', P('t'), L(Infinity))],
    ['an empty path', cmp('=', { kind: 'path', root: 'profile', path: [] }, L(1))],
    ['nested event sets', { kind: 'exists', events: { kind: 'events', where: { kind: 'exists', events: { kind: 'events' } } } }],
  ];
  for (const [name, c] of UNPRINTABLE) {
    it(`refuses ${name}`, () => assert.throws(() => printPql(c), PqlPrintError));
  }
});
