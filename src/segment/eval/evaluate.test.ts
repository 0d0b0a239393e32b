import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition, ValueExpr } from '../pql/ast.js';
import { DateTime, evaluate, evaluateValue, type EventView } from './evaluate.js';
import {
  DAY,
  NOW,
  agg,
  and,
  ar,
  chain,
  cmp,
  ctxAt,
  dt,
  dur,
  ev,
  evt,
  exists,
  lit,
  not,
  now,
  occurs,
  or,
  p,
  rel,
  step,
  str,
  today,
  ts,
  typeIs,
  view,
} from './test-helpers.js';

const entity = {
  s: 'abc',
  n: 3,
  b: true,
  z: null,
  empty: '',
  arr: [1, 2],
  obj: { a: 1 },
  iso: '2024-06-15T12:00:00Z',
  isoDate: '2024-06-15',
  badDate: 'June 15 2024',
  name: { first: 'Ann' },
};
const prof = view(entity);
const ctx = ctxAt(NOW);
const run = (c: Condition, v = prof, at = NOW, segs: string[] = []): boolean => evaluate(c, v, ctxAt(at, segs));

function table(name: string, rows: [string, Condition, boolean][], v = prof): void {
  describe(name, () => {
    for (const [label, c, want] of rows) it(label, () => assert.equal(run(c, v), want));
  });
}

table('comparisons', [
  ['string = string', cmp(p('s'), '=', lit('abc')), true],
  ['number = number', cmp(p('n'), '=', lit(3)), true],
  ['boolean = boolean', cmp(p('b'), '=', lit(true)), true],
  ['"3" = 3 is false (mixed)', cmp(lit('3'), '=', lit(3)), false],
  ['"3" != 3 is true (mixed, both non-null)', cmp(lit('3'), '!=', lit(3)), true],
  ['null = null is false', cmp(p('z'), '=', lit(null)), false],
  ['null != 1 is false', cmp(p('z'), '!=', lit(1)), false],
  ['missing != "x" is false', cmp(p('nope'), '!=', lit('x')), false],
  ['string < string (code units)', cmp(lit('B'), '<', lit('a')), true],
  ['number < number', cmp(p('n'), '<', lit(4)), true],
  ['number >= number', cmp(p('n'), '>=', lit(3)), true],
  ['"3" < 4 is false (mixed)', cmp(lit('3'), '<', lit(4)), false],
  ['boolean < boolean is false', cmp(lit(false), '<', lit(true)), false],
  ['boolean != boolean', cmp(lit(false), '!=', lit(true)), true],
  ['array = array is false', cmp(p('arr'), '=', p('arr')), false],
  ['array != number is true', cmp(p('arr'), '!=', lit(1)), true],
  ['object < number is false', cmp(p('obj'), '<', lit(1)), false],
  ['nested path', cmp(p('name.first'), '=', lit('Ann')), true],
  ['path below a scalar is null', cmp(p('s.length'), '=', lit(3)), false],
  ['arrays are not traversed', cmp(p('arr.0'), '=', lit(1)), false],
  ['not(null = 1) is true (two-valued)', not(cmp(p('z'), '=', lit(1))), true],
]);

table('datetime coercion', [
  ['ISO string = datetime', cmp(p('iso'), '=', dt('2024-06-15T12:00:00Z')), true],
  ['ISO date = datetime', cmp(p('isoDate'), '=', dt('2024-06-15T00:00:00Z')), true],
  ['number (epoch ms) = datetime', cmp(lit(NOW), '=', now), true],
  ['unparseable string is null (=)', cmp(p('badDate'), '=', now), false],
  ['unparseable string is null (!=)', cmp(p('badDate'), '!=', now), false],
  ['boolean is null', cmp(p('b'), '!=', now), false],
  ['offset +02:00', cmp(lit('2024-06-15T14:00:00+02:00'), '=', now), true],
  ['no offset = UTC', cmp(lit('2024-06-15T12:00:00'), '=', now), true],
  ['space separator, no seconds', cmp(lit('2024-06-15 12:00'), '=', now), true],
  ['fraction truncated to ms', cmp(lit('2024-06-15T12:00:00.0009Z'), '=', now), true],
  ['fraction .5 = 500 ms', cmp(lit('2024-06-15T12:00:00.5Z'), '>', now), true],
  ['invalid day', cmp(lit('2024-02-30'), '<', now), false],
  ['leap day', cmp(lit('2024-02-29'), '<', now), true],
  ['hour 24', cmp(lit('2024-06-15T24:00:00Z'), '<', now), false],
  ['string < datetime', cmp(lit('2000-01-01'), '<', today), true],
  ['today is midnight', cmp(today, '=', dt('2024-06-15T00:00:00Z')), true],
  ['birthDate <= now - 18 years', cmp(lit('2000-01-01'), '<=', ar('-', now, dur(18, 'year'))), true],
  ['birthDate + 18 years <= now (coerced)', cmp(ar('+', lit('2000-01-01'), dur(18, 'year')), '<=', now), true],
  ['duration + datetime', cmp(ar('+', dur(1, 'day'), today), '>', now), true],
  ['durations are fixed (month = 30 days)', cmp(ar('+', dt('2024-01-01T00:00:00Z'), dur(1, 'month')), '=', dt('2024-01-31T00:00:00Z')), true],
  ['year = 365 days', cmp(ar('+', dt('2024-01-01T00:00:00Z'), dur(1, 'year')), '=', dt('2024-12-31T00:00:00Z')), true],
]);

table('in / notIn', [
  ['in hit', { kind: 'in', value: p('n'), list: [lit(1), lit(3)], negate: false }, true],
  ['in miss', { kind: 'in', value: p('n'), list: [lit(1)], negate: false }, false],
  ['in mixed types', { kind: 'in', value: p('n'), list: [lit('3')], negate: false }, false],
  ['notIn miss', { kind: 'in', value: p('n'), list: [lit(1)], negate: true }, true],
  ['notIn hit', { kind: 'in', value: p('n'), list: [lit(3)], negate: true }, false],
  ['null in [null]', { kind: 'in', value: p('z'), list: [lit(null)], negate: false }, false],
  ['null notIn [1] (excludes null)', { kind: 'in', value: p('missing'), list: [lit(1)], negate: true }, false],
  ['x notIn [null]', { kind: 'in', value: p('n'), list: [lit(null)], negate: true }, true],
  ['x notIn []', { kind: 'in', value: p('n'), list: [], negate: true }, true],
  ['datetime in [ISO]', { kind: 'in', value: now, list: [lit('2024-06-15T12:00:00Z')], negate: false }, true],
]);

table('isNull / exists', [
  ['missing isNull', { kind: 'isNull', value: p('missing'), negate: false }, true],
  ['null isNull', { kind: 'isNull', value: p('z'), negate: false }, true],
  ['"" is not null', { kind: 'isNull', value: p('empty'), negate: false }, false],
  ['[] is not null', { kind: 'isNull', value: p('arr'), negate: false }, false],
  ['isNotNull of null', { kind: 'isNull', value: lit(null), negate: true }, false],
  ['isNotNull on object', { kind: 'isNull', value: p('obj'), negate: true }, true],
  ['isNull of ÷0', { kind: 'isNull', value: ar('/', lit(1), lit(0)), negate: false }, true],
  ['whole profile is not null', { kind: 'isNull', value: p(''), negate: true }, true],
]);

table('string tests', [
  ['startsWith', str('startsWith', p('s'), 'ab'), true],
  ['startsWith case-sensitive', str('startsWith', p('s'), 'AB'), false],
  ['startsWith case-insensitive', str('startsWith', p('s'), 'AB', false), true],
  ['doesNotStartWith', str('startsWith', p('s'), 'x', true, true), true],
  ['doesNotStartWith on null is false', str('startsWith', p('z'), 'x', true, true), false],
  ['doesNotStartWith on number is false', str('startsWith', p('n'), 'x', true, true), false],
  ['endsWith', str('endsWith', p('s'), 'bc'), true],
  ['endsWith ci', str('endsWith', p('s'), 'BC', false), true],
  ['contains', str('contains', p('s'), 'b'), true],
  ['contains ""', str('contains', p('s'), ''), true],
  ['doesNotContain', str('contains', p('s'), 'B', true, true), true],
  ['doesNotContain ci', str('contains', p('s'), 'B', false, true), false],
  ['equals', str('equals', p('s'), 'abc'), true],
  ['equals ci', str('equals', p('s'), 'ABC', false), true],
  ['notEqualTo', str('equals', p('s'), 'ABC', true, true), true],
  ['equals on number is false', str('equals', p('n'), '3'), false],
  ['like %', str('like', p('s'), '%c'), true],
  ['like _', str('like', p('s'), 'a_c'), true],
  ['like _ is one char', str('like', p('s'), '_c'), false],
  ['like anchored', str('like', p('s'), 'b'), false],
  ['like case-sensitive', str('like', p('s'), 'A%'), false],
  ['like ci', str('like', p('s'), 'A%', false), true],
  ['like \\% literal', str('like', lit('50%'), '50\\%'), true],
  ['like \\% does not match other', str('like', lit('500'), '50\\%'), false],
  ['like \\_ literal', str('like', lit('a_b'), 'a\\_b'), true],
  ['like \\_ not any', str('like', lit('axb'), 'a\\_b'), false],
  ['like \\\\ literal backslash', str('like', lit('a\\b'), 'a\\\\b'), true],
  ['like trailing \\ literal', str('like', lit('a\\'), 'a\\'), true],
  ['like regex metachars literal', str('like', lit('a.c'), 'a.c'), true],
  ['like . is not any', str('like', lit('abc'), 'a.c'), false],
  ['like _ one code point', str('like', lit('a😀c'), 'a_c'), true],
  ['like % across newline', str('like', lit('a\nb'), 'a%b'), true],
  ['matches', str('matches', p('s'), '^a.c$'), true],
  ['matches searches', str('matches', p('s'), 'b'), true],
  ['matches case-sensitive', str('matches', p('s'), 'B'), false],
  ['matches ci flag', str('matches', p('s'), 'B', false), true],
  ['matches (?i)', str('matches', p('s'), '(?i)^ABC'), true],
  ['invalid regex is false', str('matches', p('s'), '(['), false],
  ['invalid regex negated is false', str('matches', p('s'), '([', true, true), false],
  ['lower()', cmp({ kind: 'fn', fn: 'lower', arg: lit('AbC') }, '=', lit('abc')), true],
  ['upper()', cmp({ kind: 'fn', fn: 'upper', arg: lit('AbC') }, '=', lit('ABC')), true],
  ['trim() spaces', cmp({ kind: 'fn', fn: 'trim', arg: lit('  a b  ') }, '=', lit('a b')), true],
  ['trim() keeps tabs', cmp({ kind: 'fn', fn: 'trim', arg: lit('\ta ') }, '=', lit('\ta')), true],
  ['length() code points', cmp({ kind: 'fn', fn: 'length', arg: lit('a😀') }, '=', lit(2)), true],
  ['length() of number is null', { kind: 'isNull', value: { kind: 'fn', fn: 'length', arg: lit(3) }, negate: false }, true],
]);

describe('arithmetic', () => {
  const rows: [string, ValueExpr, unknown][] = [
    ['+', ar('+', lit(1), lit(2)), 3],
    ['-', ar('-', lit(1), lit(2)), -1],
    ['*', ar('*', p('n'), lit(2)), 6],
    ['/', ar('/', lit(7), lit(2)), 3.5],
    ['%', ar('%', lit(-7), lit(2)), -1],
    ['÷0 → null', ar('/', lit(1), lit(0)), null],
    ['%0 → null', ar('%', lit(1), lit(0)), null],
    ['overflow → null', ar('*', lit(1e308), lit(10)), null],
    ['string + number → null', ar('+', lit('1'), lit(1)), null],
    ['string + string → null', ar('+', lit('a'), lit('b')), null],
    ['null + 1 → null', ar('+', p('z'), lit(1)), null],
    ['now + 1 → null', ar('+', now, lit(1)), null],
    ['now - now → null', ar('-', now, now), null],
    ['duration - now → null', ar('-', dur(1, 'day'), now), null],
    ['duration alone → null', dur(1, 'day'), null],
    ['duration + duration → null', ar('+', dur(1, 'day'), dur(1, 'day')), null],
    ['now - 1 day', ar('-', now, dur(1, 'day')), new DateTime(NOW - DAY)],
    ['ISO + 1 hour', ar('+', lit('2024-01-01'), dur(1, 'hour')), new DateTime(Date.parse('2024-01-01T01:00:00Z'))],
    ['bad ISO + 1 hour → null', ar('+', lit('nope'), dur(1, 'hour')), null],
    ['datetime out of range → null', ar('+', now, dur(1e9, 'year')), null],
  ];
  for (const [label, e, want] of rows) it(label, () => assert.deepEqual(evaluateValue(e, prof, ctx), want));
});

const E = (id: string, daysAgo: number, body: Record<string, unknown> = {}): EventView => evt(id, NOW - daysAgo * DAY, body);
const withEvents = (evs: EventView[]) => view(entity, evs);

describe('windows at the boundaries', () => {
  const rows: [string, number, Condition, boolean][] = [
    ['<= 7 days: exactly 7 days ago is in', NOW - 7 * DAY, occurs(ts, rel('<=', 7, 'day')), true],
    ['<= 7 days: 1 ms older is out', NOW - 7 * DAY - 1, occurs(ts, rel('<=', 7, 'day')), false],
    ['< 7 days: exactly 7 days ago is out', NOW - 7 * DAY, occurs(ts, rel('<', 7, 'day')), false],
    ['< 7 days: 1 ms newer is in', NOW - 7 * DAY + 1, occurs(ts, rel('<', 7, 'day')), true],
    ['>= 7 days: exactly 7 days ago is in', NOW - 7 * DAY, occurs(ts, rel('>=', 7, 'day')), true],
    ['>= 7 days: 1 ms newer is out', NOW - 7 * DAY + 1, occurs(ts, rel('>=', 7, 'day')), false],
    ['> 7 days: exactly is out', NOW - 7 * DAY, occurs(ts, rel('>', 7, 'day')), false],
    ['> 7 days: 1 ms older is in', NOW - 7 * DAY - 1, occurs(ts, rel('>', 7, 'day')), true],
    ['future event is inside <= window', NOW + DAY, occurs(ts, rel('<=', 1, 'hour')), true],
    ['future event is not older than', NOW + DAY, occurs(ts, rel('>=', 1, 'hour')), false],
    ['today: midnight is in', Date.parse('2024-06-15T00:00:00Z'), occurs(ts, { kind: 'day', which: 'today' }), true],
    ['today: 1 ms before midnight is out', Date.parse('2024-06-15T00:00:00Z') - 1, occurs(ts, { kind: 'day', which: 'today' }), false],
    ['today: later today (future) is in', Date.parse('2024-06-15T23:59:59.999Z'), occurs(ts, { kind: 'day', which: 'today' }), true],
    ['yesterday: 1 ms before midnight is in', Date.parse('2024-06-15T00:00:00Z') - 1, occurs(ts, { kind: 'day', which: 'yesterday' }), true],
    ['yesterday: its midnight is in', Date.parse('2024-06-14T00:00:00Z'), occurs(ts, { kind: 'day', which: 'yesterday' }), true],
    ['yesterday: today midnight is out', Date.parse('2024-06-15T00:00:00Z'), occurs(ts, { kind: 'day', which: 'yesterday' }), false],
    ['between inclusive: from', Date.parse('2024-01-01T00:00:00Z'), occurs(ts, { kind: 'absolute', from: dt('2024-01-01T00:00:00Z'), to: dt('2024-02-01T00:00:00Z'), inclusive: true }), true],
    ['between inclusive: to', Date.parse('2024-02-01T00:00:00Z'), occurs(ts, { kind: 'absolute', from: dt('2024-01-01T00:00:00Z'), to: dt('2024-02-01T00:00:00Z'), inclusive: true }), true],
    ['before A: A is out', Date.parse('2024-01-01T00:00:00Z'), occurs(ts, { kind: 'absolute', to: dt('2024-01-01T00:00:00Z'), inclusive: false }), false],
    ['before A: A - 1 is in', Date.parse('2024-01-01T00:00:00Z') - 1, occurs(ts, { kind: 'absolute', to: dt('2024-01-01T00:00:00Z'), inclusive: false }), true],
    ['after A: A is out', Date.parse('2024-01-01T00:00:00Z'), occurs(ts, { kind: 'absolute', from: dt('2024-01-01T00:00:00Z'), inclusive: false }), false],
    ['after A: A + 1 is in', Date.parse('2024-01-01T00:00:00Z') + 1, occurs(ts, { kind: 'absolute', from: dt('2024-01-01T00:00:00Z'), inclusive: false }), true],
    ['null bound is false', NOW, occurs(ts, { kind: 'absolute', from: p('nope'), inclusive: false }), false],
    ['bound relative to now', NOW - DAY, occurs(ts, { kind: 'absolute', from: ar('-', now, dur(2, 'day')), to: now, inclusive: true }), true],
  ];
  for (const [label, at, where, want] of rows) it(label, () => assert.equal(run(exists(where), withEvents([evt('e', at)])), want));
  it('profile ISO string occurs within', () => assert.equal(run(occurs(p('iso'), rel('<=', 1, 'day'))), true));
  it('unparseable profile value never occurs', () => assert.equal(run(occurs(p('badDate'), rel('>=', 0, 'day'))), false));
});

describe('aggregates and exists', () => {
  const evs = [E('a', 1, { eventType: 'buy', v: 10 }), E('b', 2, { eventType: 'buy', v: '5' }), E('c', 3, { eventType: 'buy', v: 4 }), E('d', 4, { eventType: 'view' })];
  const buy = typeIs('buy');
  const rows: [string, ValueExpr, EventView[], unknown][] = [
    ['count none', agg('count', buy), [], 0],
    ['sum none', agg('sum', buy, ev('v')), [], 0],
    ['min none', agg('min', buy, ev('v')), [], null],
    ['max none', agg('max', buy, ev('v')), [], null],
    ['avg none', agg('avg', buy, ev('v')), [], null],
    ['count some', agg('count', buy), evs, 3],
    ['count all (no where)', agg('count'), evs, 4],
    ['sum ignores non-numbers', agg('sum', buy, ev('v')), evs, 14],
    ['min', agg('min', buy, ev('v')), evs, 4],
    ['max', agg('max', buy, ev('v')), evs, 10],
    ['avg', agg('avg', buy, ev('v')), evs, 7],
    ['max of timestamps is null (datetimes ignored)', agg('max', buy, ts), evs, null],
    ['count with window', agg('count', and(buy, occurs(ts, rel('<=', 2, 'day')))), evs, 2],
  ];
  for (const [label, e, es, want] of rows) it(label, () => assert.deepEqual(evaluateValue(e, withEvents(es), ctx), want));
  const conds: [string, Condition, EventView[], boolean][] = [
    ['exists none', exists(buy), [], false],
    ['exists some', exists(buy), evs, true],
    ['exists unfiltered', exists(), evs, true],
    ['not exists', not(exists(typeIs('refund'))), evs, true],
    ['count > 2', cmp(agg('count', buy), '>', lit(2)), evs, true],
    ['event path outside event scope is null', { kind: 'isNull', value: ev('eventType'), negate: false }, evs, true],
    ['profile path inside event scope (missing)', exists(cmp(ev('eventType'), '=', p('fav'))), evs, false],
  ];
  for (const [label, c, es, want] of conds) it(label, () => assert.equal(run(c, withEvents(es)), want));
  it('profile path inside event scope reads the profile', () =>
    assert.equal(run(exists(cmp(ev('eventType'), '=', p('fav'))), view({ fav: 'view' }, evs)), true));
});

describe('CHAIN', () => {
  const A = typeIs('A');
  const B = typeIs('B');
  const C = typeIs('C');
  const rows: [string, Condition, EventView[], boolean][] = [
    ['A then B', chain(step(A), step(B)), [E('1', 3, { eventType: 'A' }), E('2', 2, { eventType: 'B' })], true],
    ['B then A is not A then B', chain(step(A), step(B)), [E('1', 2, { eventType: 'A' }), E('2', 3, { eventType: 'B' })], false],
    ['same ts is not strictly increasing', chain(step(A), step(B)), [E('1', 2, { eventType: 'A' }), E('2', 2, { eventType: 'B' })], false],
    ['one event cannot fill two steps', chain(step(A), step(A)), [E('1', 2, { eventType: 'A' })], false],
    ['A A', chain(step(A), step(A)), [E('1', 2, { eventType: 'A' }), E('2', 1, { eventType: 'A' })], true],
    ['gaps allowed', chain(step(A), step(B)), [E('1', 3, { eventType: 'A' }), E('x', 2, { eventType: 'X' }), E('2', 1, { eventType: 'B' })], true],
    ['within window', chain(step(A, rel('<=', 1, 'day')), step(B)), [E('1', 2, { eventType: 'A' }), E('2', 0.5, { eventType: 'B' })], false],
    ['after step <= 1 hour: ok', chain(step(A), step(B, { kind: 'afterStep', step: 0, cmp: '<=', amount: 1, unit: 'hour' })), [evt('1', NOW - 3_600_000, { eventType: 'A' }), evt('2', NOW, { eventType: 'B' })], true],
    ['after step < 1 hour: boundary out', chain(step(A), step(B, { kind: 'afterStep', step: 0, cmp: '<', amount: 1, unit: 'hour' })), [evt('1', NOW - 3_600_000, { eventType: 'A' }), evt('2', NOW, { eventType: 'B' })], false],
    ['after step: later A rescues', chain(step(A), step(B, { kind: 'afterStep', step: 0, cmp: '<=', amount: 1, unit: 'hour' })), [evt('1', NOW - 5 * 3_600_000, { eventType: 'A' }), evt('3', NOW - 1800_000, { eventType: 'A' }), evt('2', NOW, { eventType: 'B' })], true],
    [
      'after non-adjacent step (backtracking)',
      chain(step(A), step(B), step(C, { kind: 'afterStep', step: 0, cmp: '<=', amount: 2, unit: 'hour' })),
      [evt('a1', NOW - 10 * 3_600_000, { eventType: 'A' }), evt('b1', NOW - 9 * 3_600_000, { eventType: 'B' }), evt('a2', NOW - 3 * 3_600_000, { eventType: 'A' }), evt('b2', NOW - 2 * 3_600_000, { eventType: 'B' }), evt('c', NOW - 3_600_000, { eventType: 'C' })],
      true,
    ],
    ['afterStep to itself never holds', chain(step(A), step(B, { kind: 'afterStep', step: 1, cmp: '<=', amount: 1, unit: 'day' })), [E('1', 2, { eventType: 'A' }), E('2', 1, { eventType: 'B' })], false],
    ['empty chain is true', chain(), [], true],
    ['step with no event', chain(step(A), step(C)), [E('1', 2, { eventType: 'A' })], false],
  ];
  for (const [label, c, es, want] of rows) it(label, () => assert.equal(run(c, withEvents(es)), want));
});

describe('logic and inSegment', () => {
  const rows: [string, Condition, boolean][] = [
    ['inSegment member', { kind: 'inSegment', segmentId: 's1' }, true],
    ['inSegment not member', { kind: 'inSegment', segmentId: 's2' }, false],
    ['and', and(cmp(lit(1), '=', lit(1)), { kind: 'inSegment', segmentId: 's2' }), false],
    ['or', or(cmp(lit(1), '=', lit(2)), { kind: 'inSegment', segmentId: 's1' }), true],
    ['empty and', and(), true],
    ['empty or', or(), false],
    ['bool', { kind: 'bool', value: true }, true],
  ];
  for (const [label, c, want] of rows) it(label, () => assert.equal(run(c, prof, NOW, ['s1']), want));
});

describe('invalid input', () => {
  const weird: unknown[] = [undefined, null, NaN, Infinity, -Infinity, 10n, Symbol('x'), () => 1, new Date(NaN), [], {}, [[{}]], [null], [undefined, 1], 'x'.repeat(1000), -0, 1e308];
  const conds: Condition[] = [
    cmp(p('w'), '=', now),
    cmp(p('w'), '<', lit('a')),
    cmp(p('w'), '!=', p('w')),
    { kind: 'in', value: p('w'), list: [p('w'), lit(null)], negate: true },
    { kind: 'isNull', value: p('w.a.b'), negate: false },
    str('like', p('w'), '%', false),
    str('matches', p('w'), '(?i).*'),
    { kind: 'string', test: 'contains', value: lit('a'), arg: p('w'), caseSensitive: false, negate: true },
    cmp({ kind: 'fn', fn: 'length', arg: p('w') }, '>', lit(0)),
    cmp(ar('/', p('w'), p('w')), '>', lit(0)),
    cmp(ar('+', p('w'), dur(1, 'day')), '>', now),
    occurs(p('w'), rel('<=', 1, 'day')),
    occurs(p('w'), { kind: 'absolute', from: p('w'), to: p('w'), inclusive: true }),
    exists(cmp(ev('w'), '=', p('w'))),
    cmp(agg('sum', undefined, ev('w')), '>=', lit(0)),
    cmp(agg('avg', undefined, ev('w')), '>=', lit(0)),
    chain(step(cmp(ev('w'), '!=', lit(1)), rel('<=', 1, 'day')), step(exists(), { kind: 'afterStep', step: 0, cmp: '<=', amount: 1, unit: 'day' })),
  ];
  for (const [i, w] of weird.entries()) {
    it(`weird value #${i} (${typeof w}) never throws`, () => {
      const evs = [
        { id: 'a', ts: NOW, event: { w } as Record<string, unknown> },
        { id: 'b', ts: NaN, event: null as unknown as Record<string, unknown> },
        { id: 'c', ts: Infinity, event: [w] as unknown as Record<string, unknown> },
      ];
      for (const c of conds) {
        assert.equal(typeof evaluate(c, view({ w }, evs), ctx), 'boolean');
        assert.equal(typeof evaluate(c, { entity: w as Record<string, unknown>, events: w as EventView[] }, ctx), 'boolean');
      }
    });
  }
  it('prototype keys are not read', () => {
    assert.equal(run({ kind: 'isNull', value: p('constructor'), negate: false }), true);
    assert.equal(run({ kind: 'isNull', value: p('__proto__'), negate: false }), true);
    assert.equal(run({ kind: 'isNull', value: p('s.length'), negate: false }), true);
  });
  it('malformed AST nodes evaluate to false/null', () => {
    assert.equal(run({ kind: 'nope' } as unknown as Condition), false);
    assert.equal(evaluateValue({ kind: 'nope' } as unknown as ValueExpr, prof, ctx), null);
    assert.equal(run(occurs(now, { kind: 'relative', cmp: '<=', amount: 1, unit: 'fortnight' as 'day' })), false);
    assert.equal(run(cmp(ar('+', now, dur(Number.NaN, 'day')), '>', now)), false);
  });
  it('invalid now is null', () => assert.equal(evaluate(cmp(now, '=', now), prof, ctxAt(NaN)), false));
});
