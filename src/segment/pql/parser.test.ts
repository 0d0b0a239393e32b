import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from './ast.js';
import { parsePql } from './parser.js';
import { and, cmp, count, D, E, ev, exists, L, not, or, P, str, strip, within } from './test-helpers.js';

const parse = (q: string): Condition => {
  const r = parsePql(q);
  if (!r.ok) throw new Error(`parse failed for ${q}: ${r.error.message}`);
  return strip(r.value.root);
};
const ms = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number => Date.UTC(y, mo - 1, d, h, mi, s);
const purchase = cmp('=', E('eventType'), L('commerce.purchases'));

const VALID: Array<[string, Condition]> = [
  // literals and comparisons
  ['homeAddress.country = "US"', cmp('=', P('homeAddress', 'country'), L('US'))],
  ['person.name.firstName != "Jo\\"e\\n\\u00e9"', cmp('!=', P('person', 'name', 'firstName'), L('Jo"e\né'))],
  ['_tenant.x.y < 3', cmp('<', P('_tenant', 'x', 'y'), L(3))],
  ['a <= -2.5', cmp('<=', P('a'), L(-2.5))],
  ['a > 1e3', cmp('>', P('a'), L(1000))],
  ['a >= 0', cmp('>=', P('a'), L(0))],
  ['flag = true', cmp('=', P('flag'), L(true))],
  ['x = null', cmp('=', P('x'), L(null))],
  ['$1.homeAddress.x = false', cmp('=', P('homeAddress', 'x'), L(false))],
  ['`my-field`.`a``b` = 1', cmp('=', P('my-field', 'a`b'), L(1))],
  ['computedAttributes.ltv > 100', cmp('>', P('computedAttributes', 'ltv'), L(100))],
  ['true', { kind: 'bool', value: true }],
  ['birth = date(2020, 3, 14)', cmp('=', P('birth'), { kind: 'datetime', ms: ms(2020, 3, 14) })],
  ['birth < date(2020,3,14,10,30)', cmp('<', P('birth'), { kind: 'datetime', ms: ms(2020, 3, 14, 10, 30) })],
  ['birth < date(2020,3,14,10,30,15)', cmp('<', P('birth'), { kind: 'datetime', ms: ms(2020, 3, 14, 10, 30, 15) })],
  ['t < now', cmp('<', P('t'), { kind: 'now' })],
  ['t < now()', cmp('<', P('t'), { kind: 'now' })],
  ['t >= today', cmp('>=', P('t'), { kind: 'today' })],
  ['t > now - 3 days', cmp('>', P('t'), { kind: 'arith', op: '-', left: { kind: 'now' }, right: D(3, 'day') })],
  ['t > today + 1 hour', cmp('>', P('t'), { kind: 'arith', op: '+', left: { kind: 'today' }, right: D(1, 'hour') })],
  // boolean structure and precedence
  ['a = 1 and b = 2 or c = 3', or(and(cmp('=', P('a'), L(1)), cmp('=', P('b'), L(2))), cmp('=', P('c'), L(3)))],
  ['a = 1 and (b = 2 or c = 3)', and(cmp('=', P('a'), L(1)), or(cmp('=', P('b'), L(2)), cmp('=', P('c'), L(3))))],
  ['a = 1 and b = 2 and c = 3', and(cmp('=', P('a'), L(1)), cmp('=', P('b'), L(2)), cmp('=', P('c'), L(3)))],
  ['not a = 1 and b = 2', and(not(cmp('=', P('a'), L(1))), cmp('=', P('b'), L(2)))],
  ['not (a = 1 or b = 2)', not(or(cmp('=', P('a'), L(1)), cmp('=', P('b'), L(2))))],
  ['!(a = 1)', not(cmp('=', P('a'), L(1)))],
  ['((a = 1))', cmp('=', P('a'), L(1))],
  // arithmetic
  ['a + b * c - 4 % 3 > 0', cmp('>', { kind: 'arith', op: '-', left: { kind: 'arith', op: '+', left: P('a'), right: { kind: 'arith', op: '*', left: P('b'), right: P('c') } }, right: { kind: 'arith', op: '%', left: L(4), right: L(3) } }, L(0))],
  ['(a + b) / 2 = -c', cmp('=', { kind: 'arith', op: '/', left: { kind: 'arith', op: '+', left: P('a'), right: P('b') }, right: L(2) }, { kind: 'arith', op: '-', left: L(0), right: P('c') })],
  // in / notIn / null tests
  ['homeAddress.country in ["US", "CA"]', { kind: 'in', value: P('homeAddress', 'country'), list: [L('US'), L('CA')], negate: false }],
  ['x notIn [3, 6, 9]', { kind: 'in', value: P('x'), list: [L(3), L(6), L(9)], negate: true }],
  ['x in []', { kind: 'in', value: P('x'), list: [], negate: false }],
  ['person.homeAddress.isNull()', { kind: 'isNull', value: P('person', 'homeAddress'), negate: false }],
  ['x.isNotNull()', { kind: 'isNull', value: P('x'), negate: true }],
  ['exists x.y', { kind: 'isNull', value: P('x', 'y'), negate: true }],
  // strings
  ['x.startsWith("a")', str('startsWith', P('x'), 'a')],
  ['x.startsWith("a", false)', str('startsWith', P('x'), 'a', false)],
  ['x.doesNotStartWith("a", true)', str('startsWith', P('x'), 'a', true, true)],
  ['x.endsWith("a")', str('endsWith', P('x'), 'a')],
  ['x.doesNotEndWith("a")', str('endsWith', P('x'), 'a', true, true)],
  ['x.contains("a")', str('contains', P('x'), 'a')],
  ['x.doesNotContain("a", false)', str('contains', P('x'), 'a', false, true)],
  ['homeAddress.country.equals("Canada", false)', str('equals', P('homeAddress', 'country'), 'Canada', false)],
  ['x.notEqualTo("a")', str('equals', P('x'), 'a', true, true)],
  ['x.matches("(?i)^John\\\\w+")', str('matches', P('x'), '(?i)^John\\w+')],
  ['x like "%a_"', str('like', P('x'), '%a_')],
  ['lower(x) = "a"', cmp('=', { kind: 'fn', fn: 'lower', arg: P('x') }, L('a'))],
  ['x.upper().trim().length() > 2', cmp('>', { kind: 'fn', fn: 'length', arg: { kind: 'fn', fn: 'trim', arg: { kind: 'fn', fn: 'upper', arg: P('x') } } }, L(2))],
  // events
  ['xEvent[eventType = "commerce.purchases" and timestamp occurs <= 30 days before now].count() >= 3', cmp('>=', count(and(purchase, within(E('timestamp'), '<=', 30, 'day'))), L(3))],
  ['xEvent.count() > 0', cmp('>', count(), L(0))],
  ['xEvent[eventType = "commerce.purchases"]', exists(purchase)],
  ['xEvent[eventType = "commerce.purchases"].exists()', exists(purchase)],
  ['xEvent', exists()],
  ['xEvent[$1.tier = "gold"]', exists(cmp('=', P('tier'), L('gold')))],
  ['xEvent[eventType = "a"].sum(commerce.order.priceTotal) > 100', cmp('>', { kind: 'aggregate', fn: 'sum', events: ev(cmp('=', E('eventType'), L('a'))), value: E('commerce', 'order', 'priceTotal') }, L(100))],
  ['xEvent.min(a) < 1 or xEvent.max(a) > 9', or(cmp('<', { kind: 'aggregate', fn: 'min', events: ev(), value: E('a') }, L(1)), cmp('>', { kind: 'aggregate', fn: 'max', events: ev(), value: E('a') }, L(9)))],
  ['xEvent.avg(a) = xEvent.average(a)', cmp('=', { kind: 'aggregate', fn: 'avg', events: ev(), value: E('a') }, { kind: 'aggregate', fn: 'avg', events: ev(), value: E('a') })],
  ['select X from xEvent where X.eventType = "commerce.purchases" and X.timestamp occurs <= 7 days before now', exists(and(purchase, within(E('timestamp'), '<=', 7, 'day')))],
  ['select X from xEvent where X.eventType = "a" and tier = "gold"', exists(and(cmp('=', E('eventType'), L('a')), cmp('=', P('tier'), L('gold'))))],
  ['(select X from xEvent where X.eventType = "commerce.purchases").count() >= 3', cmp('>=', count(purchase), L(3))],
  ['exists E from xEvent where (E.eventType = "commerce.purchases")', exists(purchase)],
  ['a = 1 and exists E from xEvent where E.eventType = "commerce.purchases"', and(cmp('=', P('a'), L(1)), exists(purchase))],
  // occurs
  ['timestamp occurs < 2 hours before now', within(P('timestamp'), '<', 2, 'hour')],
  ['t occurs >= 1 year before now', within(P('t'), '>=', 1, 'year')],
  ['t occurs > 5 minutes before now()', within(P('t'), '>', 5, 'minute')],
  ['t occurs within 30 days', within(P('t'), '<=', 30, 'day')],
  ['t occurs within 2 weeks before now', within(P('t'), '<=', 2, 'week')],
  ['t occurs <= 1 millisecond before now or t occurs <= 3 seconds before now', or(within(P('t'), '<=', 1, 'millisecond'), within(P('t'), '<=', 3, 'second'))],
  ['t occurs <= 6 months before now', within(P('t'), '<=', 6, 'month')],
  ['t occurs today', { kind: 'occurs', value: P('t'), window: { kind: 'day', which: 'today' } }],
  ['t occurs yesterday', { kind: 'occurs', value: P('t'), window: { kind: 'day', which: 'yesterday' } }],
  ['t occurs between date(2015,1,8) and date(2017,7,1)', { kind: 'occurs', value: P('t'), window: { kind: 'absolute', from: { kind: 'datetime', ms: ms(2015, 1, 8) }, to: { kind: 'datetime', ms: ms(2017, 7, 1) }, inclusive: true } }],
  ['t occurs before date(2020,1,1) and x = 1', and({ kind: 'occurs', value: P('t'), window: { kind: 'absolute', to: { kind: 'datetime', ms: ms(2020, 1, 1) }, inclusive: false } }, cmp('=', P('x'), L(1)))],
  ['t occurs after date(2020,1,1)', { kind: 'occurs', value: P('t'), window: { kind: 'absolute', from: { kind: 'datetime', ms: ms(2020, 1, 1) }, inclusive: false } }],
  // CHAIN and segments
  [
    'CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(<= 24 hours before now), C1: WHAT(eventType = "a") WHEN(<= 1 hours after C0), C2: WHAT(eventType = "b")])',
    {
      kind: 'chain',
      steps: [
        { label: 'C0', what: str('equals', E('eventType'), 'commerce.checkouts', false), when: { kind: 'relative', cmp: '<=', amount: 24, unit: 'hour' } },
        { label: 'C1', what: cmp('=', E('eventType'), L('a')), when: { kind: 'afterStep', step: 0, cmp: '<=', amount: 1, unit: 'hour' } },
        { label: 'C2', what: cmp('=', E('eventType'), L('b')) },
      ],
    },
  ],
  ['CHAIN(xEvent, timestamp, [C0: WHAT(eventType = "a") WHEN(today)])', { kind: 'chain', steps: [{ label: 'C0', what: cmp('=', E('eventType'), L('a')), when: { kind: 'day', which: 'today' } }] }],
  ['inSegment("e3be6d7f-1727-401f-a41e-c296b45f607a") and not inSegment("x")', and({ kind: 'inSegment', segmentId: 'e3be6d7f-1727-401f-a41e-c296b45f607a' }, not({ kind: 'inSegment', segmentId: 'x' }))],
  ['  a\n  =\r\n  1  ', cmp('=', P('a'), L(1))],
];

describe('parsePql: valid input', () => {
  for (const [q, want] of VALID) {
    it(q.replace(/\s+/g, ' '), () => assert.deepStrictEqual(parse(q), want));
  }
  it('keeps the source text', () => {
    const r = parsePql('a = 1');
    assert.ok(r.ok && r.value.source === 'a = 1');
  });
});

describe('parsePql: spans', () => {
  it('records start/end offsets of nodes', () => {
    const r = parsePql('x = 1 and homeAddress.country in ["US"]');
    assert.ok(r.ok);
    const root = r.value.root;
    assert.equal(root.kind, 'and');
    if (root.kind !== 'and') return;
    assert.deepEqual(root.span, { start: 0, end: 39 });
    assert.deepEqual(root.items[0].span, { start: 0, end: 5 });
    const inc = root.items[1];
    assert.ok(inc.kind === 'in');
    if (inc.kind !== 'in') return;
    assert.deepEqual(inc.span, { start: 10, end: 39 });
    assert.deepEqual(inc.value.span, { start: 10, end: 29 });
    assert.deepEqual(inc.list[0].span, { start: 34, end: 38 });
  });
  it('spans a duration and an event aggregate', () => {
    const r = parsePql('xEvent[a = 1].count() > 2 and t < now - 3 days');
    assert.ok(r.ok && r.value.root.kind === 'and');
    if (!r.ok || r.value.root.kind !== 'and') return;
    const [c0, c1] = r.value.root.items;
    assert.ok(c0.kind === 'compare' && c1.kind === 'compare');
    if (c0.kind !== 'compare' || c1.kind !== 'compare') return;
    assert.deepEqual(c0.left.span, { start: 0, end: 21 });
    assert.ok(c1.right.kind === 'arith');
    if (c1.right.kind === 'arith') assert.deepEqual(c1.right.right.span, { start: 40, end: 46 });
  });
});

describe('invalid input', () => {
  const INVALID: Array<[string, number, number, string | undefined]> = [
    // [text, line, column, construct]
    ['', 1, 1, undefined],
    ['   \n  ', 1, 1, undefined],
    ['a = ', 1, 5, undefined],
    ['a = "abc', 1, 5, undefined],
    ['a = "\\q"', 1, 6, undefined],
    ["a = 'x'", 1, 5, undefined],
    ['a == 1', 1, 3, undefined],
    ['a = 1 && b = 2', 1, 7, undefined],
    ['a = 1 b = 2', 1, 7, undefined],
    ['a < b < c', 1, 7, undefined],
    ['(a = 1', 1, 7, undefined],
    ['a.b', 1, 1, undefined],
    ['a = [1, 2]', 1, 5, undefined],
    ['a in b', 1, 6, undefined],
    ['a = 1 and 3', 1, 11, undefined],
    ['(a = 1) = true', 1, 1, undefined],
    ['x = 3 days', 1, 5, undefined],
    ['x = 3days', 1, 5, undefined],
    ['a # 1', 1, 3, undefined],
    ['date(2020, 2, 30) = x', 1, 1, undefined],
    ['date(2020, 2) = x', 1, 1, undefined],
    ['x.startsWith("a", "b")', 1, 19, undefined],
    ['x.matches("a", false)', 1, 16, undefined],
    ['x.unknownThing()', 1, 3, undefined],
    ['nothing(1)', 1, 1, undefined],
    ['xEvent.count(a) > 1', 1, 14, undefined],
    ['xEvent[a = 1].count()', 1, 1, undefined],
    ['t occurs <= 3 days', 1, 19, undefined],
    ['t occurs <= 3 fortnights before now', 1, 15, undefined],
    ['inSegment(3)', 1, 1, undefined],
    ['CHAIN(xEvent, timestamp, [C0: WHAT(a = 1), C0: WHAT(b = 1)])', 1, 44, undefined],
    ['CHAIN(xEvent, timestamp, [C0: WHAT(a = 1) WHEN(<= 1 hours after C1), C1: WHAT(b = 1)])', 1, 65, undefined],
    ['CHAIN(xEvent, timestamp, [C0: WHAT(a = 1) WHEN(<= 1 hours after C0)])', 1, 65, undefined],
    ['t occurs <= 1 hours after C0', 1, 21, undefined],
    ['a = 1 and\n  b.c ==\n 2', 2, 7, undefined],
    ['forall X from xEvent where X.a = 1', 1, 1, 'forall'],
    ['a = 1 and forall X from xEvent where X.a = 1', 1, 11, 'forall'],
    ['xEvent.groupBy(a)', 1, 8, 'groupBy'],
    ['x.topN(a, 3)', 1, 3, 'topN'],
    ['x.regexGroup("@(\\\\w+)", 1) = "a"', 1, 3, 'regexGroup'],
    ['x.intersects(["a"])', 1, 3, 'intersects'],
    ['let S = 1 in S > 0', 1, 1, 'let … in'],
    ['birth.getMonth() = 3', 1, 7, 'getMonth'],
    ['currentMonth() = 3', 1, 1, 'currentMonth'],
    ['orders.count() > 1', 1, 8, 'count on a profile array (aggregates apply to xEvent)'],
    ['t occurs <= 3 days before today', 1, 20, 'before today'],
    ['t occurs before today', 1, 10, 'before today'],
    ['t occurs last week', 1, 10, 'last week'],
    ['t occurs this month', 1, 10, 'this month'],
    ['t occurs next year', 1, 10, 'next year'],
    ['t occurs tomorrow', 1, 10, 'occurs tomorrow'],
    ['t occurs = 3 days before now', 1, 10, 'occurs ='],
    ['t occurs <= 3 days after now', 1, 20, 'after now'],
    ['t occurs <= 3 decades before now', 1, 15, 'decades'],
    ['t occurs on date(2019, 12, 31)', 1, 10, 'occurs on'],
    ['t = yesterday', 1, 5, 'yesterday'],
    ['xEvent[productListItems[SKU = "PS"]]', 1, 24, 'array filter [...]'],
    ['xEvent[a = 1]^', 1, 14, '^ (up operator)'],
    ['(Profile) => Profile.a = 1', 1, 1, 'lambda (x) => …'],
    ['$2.a = 1', 1, 1, '$2 (multi-entity parameters)'],
    ['xEvent[xEvent.count() > 1]', 1, 8, 'nested xEvent'],
    ['exists E from xEvent where (E.a = 1), I from E.items where I.sku = "x"', 1, 37, 'exists … , … from (several quantifier bindings)'],
    ['exists I from orders where I.sku = "x"', 1, 15, 'from orders (quantifiers over arrays other than xEvent)'],
    ['CHAIN(xEvent, ts, [C0: WHAT(a = 1)])', 1, 15, 'CHAIN on a field other than timestamp'],
    ['xEvent[CHAIN(xEvent, timestamp, [C0: WHAT(a = 1)])]', 1, 8, 'nested xEvent'],
    ['(('.repeat(20000) + 'a = 1', 1, 1, undefined],
  ];
  for (const [q, line, column, construct] of INVALID) {
    it(JSON.stringify(q.length > 80 ? `${q.slice(0, 40)}…` : q), () => {
      const r = parsePql(q);
      assert.equal(r.ok, false, 'should not parse');
      if (r.ok) return;
      assert.deepEqual({ line: r.error.line, column: r.error.column, construct: r.error.construct }, { line, column, construct }, r.error.message);
      assert.ok(r.error.message.endsWith(`at line ${line}, column ${column}`), r.error.message);
      if (construct) assert.ok(r.error.message.startsWith(`Unsupported PQL construct '${construct}'`), r.error.message);
    });
  }
  it('names the construct in the AEP style', () => {
    const r = parsePql('a = 1 or forall X from xEvent where X.a = 1');
    assert.ok(!r.ok);
    if (!r.ok) {
      assert.equal(r.error.message, "Unsupported PQL construct 'forall' at line 1, column 10");
      assert.equal(r.error.position, 9);
    }
  });
});
