import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Condition } from '../pql/ast.js';
import { agg, and, ar, chain, cmp, dt, dur, ev, exists, lit, not, now, occurs, p, rel, step, str, ts, typeIs } from '../eval/test-helpers.js';
import { openBatchDb, runBoth, type BatchDb } from './batch-harness.js';
import type { SnapshotRow } from './run-batch.js';

const NOW = Date.parse('2024-06-15T12:00:00Z');
const DAY = 86_400_000;
const e = (id: string, at: number, body: Record<string, unknown>) => ({ id, ts: at, event: { _id: id, timestamp: new Date(at).toISOString(), ...body } });

const PROFILES: SnapshotRow[] = [
  {
    pid: 'alice',
    entity: { name: 'Alice', age: 30, vip: true, birth: '1990-05-01', home: { country: 'US' }, score: '3', tags: ['a', 'b'], email: "o'neil@x.io", pad: '  hi ' },
    events: [
      e('a1', NOW - DAY, { eventType: 'buy', commerce: { order: { priceTotal: 10 } } }),
      e('a2', NOW - 3 * DAY, { eventType: 'view' }),
      e('a3', NOW - 40 * DAY, { eventType: 'buy', commerce: { order: { priceTotal: 5 } } }),
    ],
  },
  {
    pid: 'bob',
    entity: { name: 'bob', age: '30', vip: false, birth: '2010-02-30', home: { country: 'fr' }, score: 3 },
    events: [e('b1', NOW - 2 * 3_600_000, { eventType: 'view' }), e('b2', NOW - DAY - 1, { eventType: 'buy', commerce: { order: { priceTotal: 'x' } } })],
  },
  { pid: 'carl', entity: { name: null, age: 17.5, birth: 1_700_000_000_000, home: 'none', score: { x: 1 } }, events: [] },
  { pid: 'empty', entity: {}, events: [] },
];
const MEMBERSHIPS = [
  { pid: 'alice', segmentId: 's1' },
  { pid: 'bob', segmentId: "o'k" },
];
const price = ev('commerce.order.priceTotal');
const cond = (c: Condition): Condition => c;

const CASES: Array<{ name: string; root: Condition; members: string[] }> = [
  { name: 'number compare is type-strict', root: cmp(p('age'), '>=', lit(18)), members: ['alice'] },
  { name: 'string equality', root: cmp(p('name'), '=', lit('Alice')), members: ['alice'] },
  { name: '!= on mixed types is true when both are non-null', root: cmp(p('age'), '!=', lit(30)), members: ['bob', 'carl'] },
  { name: '!= on objects is true', root: cmp(p('score'), '!=', lit(3)), members: ['alice', 'carl'] },
  { name: 'string order is code-unit order', root: cmp(p('name'), '<', lit('b')), members: ['alice'] },
  { name: 'booleans are not ordered', root: cmp(p('vip'), '>', lit(false)), members: [] },
  { name: 'in', root: { kind: 'in', value: p('home.country'), list: [lit('US'), lit('fr')], negate: false }, members: ['alice', 'bob'] },
  { name: 'notIn excludes null', root: { kind: 'in', value: p('home.country'), list: [lit('US')], negate: true }, members: ['bob'] },
  { name: 'path below a scalar is null', root: { kind: 'isNull', value: p('home.country'), negate: false }, members: ['carl', 'empty'] },
  { name: 'isNull (null and missing)', root: { kind: 'isNull', value: p('name'), negate: false }, members: ['carl', 'empty'] },
  { name: 'isNotNull', root: { kind: 'isNull', value: p('name'), negate: true }, members: ['alice', 'bob'] },
  { name: 'arrays are not traversed', root: { kind: 'isNull', value: p('tags.0'), negate: false }, members: ['alice', 'bob', 'carl', 'empty'] },
  { name: 'startsWith case-insensitive', root: str('startsWith', p('name'), 'AL', false), members: ['alice'] },
  { name: 'negated string test is false on non-strings', root: str('startsWith', p('name'), 'a', true, true), members: ['alice', 'bob'] },
  { name: 'endsWith / contains', root: and(str('endsWith', p('email'), '.io'), str('contains', p('email'), "'neil")), members: ['alice'] },
  { name: 'like with a quote', root: str('like', p('email'), "%'neil@%"), members: ['alice'] },
  { name: 'like escapes', root: str('like', p('email'), 'o\\_neil%'), members: [] },
  { name: 'matches (search, (?i))', root: str('matches', p('name'), '(?i)^[ab]'), members: ['alice', 'bob'] },
  { name: 'invalid regex is false, negated too', root: str('matches', p('name'), '(', true, true), members: [] },
  { name: 'datetime coercion of ISO strings', root: cmp(p('birth'), '<', dt('2000-01-01T00:00:00Z')), members: ['alice'] },
  { name: 'numbers are epoch ms next to a datetime', root: cmp(p('birth'), '>', dt('2023-01-01T00:00:00Z')), members: ['carl'] },
  { name: 'arithmetic', root: cmp(ar('*', p('age'), lit(2)), '>', lit(50)), members: ['alice'] },
  { name: 'division by zero is null', root: { kind: 'isNull', value: ar('/', p('age'), lit(0)), negate: false }, members: ['alice', 'bob', 'carl', 'empty'] },
  { name: 'datetime + duration', root: cmp(ar('+', p('birth'), dur(18, 'year')), '<=', now), members: ['alice'] },
  { name: 'datetime arithmetic without a duration is null', root: { kind: 'isNull', value: ar('-', now, now), negate: true }, members: [] },
  { name: 'length / upper / trim', root: { kind: 'or', items: [cmp({ kind: 'fn', fn: 'length', arg: p('name') }, '=', lit(5)), cmp({ kind: 'fn', fn: 'upper', arg: p('name') }, '=', lit('BOB'))] }, members: ['alice', 'bob'] },
  { name: 'trim strips spaces', root: cmp({ kind: 'fn', fn: 'trim', arg: p('pad') }, '=', lit('hi')), members: ['alice'] },
  { name: 'exists in a window', root: exists(and(typeIs('buy'), occurs(ts, rel('<=', 7, 'day')))), members: ['alice', 'bob'] },
  { name: 'window edge inclusive', root: exists(and(typeIs('buy'), occurs(ts, rel('<=', 1, 'day')))), members: ['alice'] },
  { name: 'window edge strict', root: exists(and(typeIs('buy'), occurs(ts, rel('<', 1, 'day')))), members: [] },
  { name: 'older than', root: exists(occurs(ts, rel('>', 30, 'day'))), members: ['alice'] },
  { name: 'occurs today / yesterday', root: { kind: 'or', items: [exists(occurs(ts, { kind: 'day', which: 'today' })), exists(and(typeIs('buy'), occurs(ts, { kind: 'day', which: 'yesterday' })))] }, members: ['alice', 'bob'] },
  { name: 'occurs between (absolute)', root: exists(occurs(ts, { kind: 'absolute', from: dt('2024-06-14T12:00:00Z'), to: now, inclusive: true })), members: ['alice', 'bob'] },
  { name: 'count', root: cmp(agg('count', typeIs('buy')), '=', lit(2)), members: ['alice'] },
  { name: 'sum ignores non-numbers, sum of none is 0', root: cmp(agg('sum', typeIs('buy'), price), '=', lit(0)), members: ['bob', 'carl', 'empty'] },
  { name: 'sum', root: cmp(agg('sum', typeIs('buy'), price), '>', lit(12)), members: ['alice'] },
  { name: 'avg / max', root: and(cmp(agg('avg', undefined, price), '=', lit(7.5)), cmp(agg('max', undefined, price), '=', lit(10))), members: ['alice'] },
  { name: 'min of none is null', root: { kind: 'isNull', value: agg('min', undefined, price), negate: false }, members: ['bob', 'carl', 'empty'] },
  { name: 'aggregates ignore datetimes', root: { kind: 'isNull', value: agg('max', undefined, ts), negate: false }, members: ['alice', 'bob', 'carl', 'empty'] },
  { name: 'profile attribute inside an event filter', root: exists(and(typeIs('buy'), cmp(p('age'), '>=', lit(18)))), members: ['alice'] },
  { name: 'CHAIN in order', root: chain(step(typeIs('view')), step(typeIs('buy'))), members: ['alice'] },
  { name: 'CHAIN afterStep too far', root: chain(step(typeIs('view')), step(typeIs('buy'), { kind: 'afterStep', step: 0, cmp: '<=', amount: 1, unit: 'day' })), members: [] },
  { name: 'CHAIN afterStep', root: chain(step(typeIs('view')), step(typeIs('buy'), { kind: 'afterStep', step: 0, cmp: '<=', amount: 2, unit: 'day' })), members: ['alice'] },
  { name: 'CHAIN step window', root: chain(step(typeIs('buy'), rel('>=', 30, 'day')), step(typeIs('buy'))), members: ['alice'] },
  { name: 'CHAIN with no steps is true', root: chain(), members: ['alice', 'bob', 'carl', 'empty'] },
  { name: 'CHAIN afterStep to itself is false', root: chain(step(typeIs('view'), { kind: 'afterStep', step: 0, cmp: '<=', amount: 2, unit: 'day' })), members: [] },
  { name: 'inSegment', root: { kind: 'or', items: [{ kind: 'inSegment', segmentId: 's1' }, { kind: 'inSegment', segmentId: "o'k" }] }, members: ['alice', 'bob'] },
  { name: 'not / and / or', root: and(not(cmp(p('age'), '>=', lit(18))), cond({ kind: 'bool', value: true })), members: ['bob', 'carl', 'empty'] },
];

describe('compileSegments: one case per construct (SQL = evaluator = expected)', () => {
  let db: BatchDb;
  before(async () => {
    db = await openBatchDb();
  });
  after(() => db.close());

  for (const c of CASES)
    it(c.name, async () => {
      const r = await runBoth(db, [{ id: 'x', root: c.root }], PROFILES, MEMBERSHIPS, NOW);
      assert.deepEqual(r.unsupported, []);
      assert.deepEqual(r.js.get('x'), [...c.members].sort(), 'evaluator');
      assert.deepEqual(r.sql.get('x'), [...c.members].sort(), 'sql');
    });

  it('evaluates all cases in one query', async () => {
    const defs = CASES.map((c, i) => ({ id: `d${i}`, root: c.root }));
    const r = await runBoth(db, defs, PROFILES, MEMBERSHIPS, NOW);
    for (const [i, c] of CASES.entries()) assert.deepEqual(r.sql.get(`d${i}`), [...c.members].sort(), c.name);
  });
});
