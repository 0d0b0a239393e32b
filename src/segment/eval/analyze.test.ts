import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluate } from './evaluate.js';
import { arbCond, arbNow, arbOffset } from './test-arbitraries.js';
import type { Condition } from '../pql/ast.js';
import { eventConditions, eventPaths, eventPrefilter, project, referencedSegments, streamingEligibility, usesEvents, usesNow } from './analyze.js';
import { DAY, NOW, ctxAt, view, agg, and, ar, chain, cmp, dt, dur, ev, evt, exists, lit, not, now, occurs, or, p, rel, step, str, today, ts, typeIs } from './test-helpers.js';

const seg = (id: string): Condition => ({ kind: 'inSegment', segmentId: id });

describe('streamingEligibility', () => {
  const rows: [string, Condition, boolean, RegExp?][] = [
    ['profile only', cmp(p('homeAddress.country'), '=', lit('CA')), true],
    ['event with window', exists(and(typeIs('buy'), occurs(ts, rel('<=', 3, 'hour')))), true],
    ['event without window (Kith streams it)', exists(typeIs('buy')), true],
    ['event + profile + inSegment at top level', and(exists(typeIs('buy')), cmp(p('a'), '=', lit(1)), seg('s1')), true],
    ['count over 30 days', cmp(agg('count', and(typeIs('buy'), occurs(ts, rel('<=', 30, 'day')))), '>', lit(2)), true],
    ['chain with windows', chain(step(typeIs('A'), rel('<=', 1, 'day')), step(typeIs('B'), { kind: 'afterStep', step: 0, cmp: '<=', amount: 1, unit: 'hour' })), true],
    ['absolute window relative to now', exists(occurs(ts, { kind: 'absolute', from: ar('-', today, dur(7, 'day')), to: now, inclusive: true })), true],
    ['profile attribute inside an event filter', exists(cmp(ev('sku'), '=', p('favoriteSku'))), false, /profile attribute 'favoriteSku'/],
    ['profile attribute in an aggregate value', cmp(agg('sum', typeIs('buy'), p('x')), '>', lit(1)), false, /profile attribute 'x'/],
    ['profile attribute in a chain step', chain(step(cmp(ev('a'), '=', p('b')))), false, /profile attribute/],
    ['inSegment inside an event filter', exists(and(typeIs('buy'), seg('s9'))), false, /inSegment\("s9"\)/],
    ['nested event query', exists(cmp(agg('count'), '>', lit(1))), false, /nested xEvent/],
    ['unknown node', { kind: 'mystery' } as unknown as Condition, false, /Unsupported construct 'mystery'/],
  ];
  for (const [label, c, eligible, reason] of rows) {
    it(label, () => {
      const r = streamingEligibility(c);
      assert.equal(r.eligible, eligible);
      if (reason) assert.match(r.reason ?? '', reason);
      else assert.equal(r.reason, undefined);
    });
  }
});

describe('what a definition reads', () => {
  const def = and(
    seg('a'),
    or(seg('b'), seg('a')),
    exists(and(typeIs('buy'), str('startsWith', ev('commerce.order.id'), 'X'), occurs(ts, rel('<=', 7, 'day')))),
    cmp(agg('sum', typeIs('buy'), ev('commerce.order.total')), '>', lit(10)),
    chain(step(typeIs('A'), rel('<=', 1, 'day')), step(cmp(ev('web.url'), '=', lit('/x')))),
  );
  it('referencedSegments', () => assert.deepEqual(referencedSegments(def), ['a', 'b']));
  it('eventConditions', () => assert.equal(eventConditions(def).length, 4));
  it('eventConditions: unfiltered set is true', () => assert.deepEqual(eventConditions(exists()), [{ kind: 'bool', value: true }]));
  it('eventPaths', () =>
    assert.deepEqual(
      eventPaths(def).map((x) => x.join('.')).sort(),
      ['commerce.order.id', 'commerce.order.total', 'eventType', 'timestamp', 'web.url'],
    ));
  it('eventPaths of a profile-only definition', () => assert.deepEqual(eventPaths(cmp(p('a'), '=', lit(1))), []));
  const rows: [string, Condition, boolean, boolean][] = [
    ['profile only', cmp(p('a'), '=', lit(1)), false, false],
    ['profile vs now', cmp(p('birthDate'), '<=', ar('-', now, dur(18, 'year'))), false, true],
    ['today', cmp(p('d'), '=', today), false, true],
    ['event, no window', exists(typeIs('x')), true, false],
    ['event, absolute window', exists(occurs(ts, { kind: 'absolute', from: dt('2024-01-01T00:00:00Z'), inclusive: true })), true, false],
    ['event, relative window', exists(occurs(ts, rel('<', 1, 'day'))), true, true],
    ['event, day window', exists(occurs(ts, { kind: 'day', which: 'yesterday' })), true, true],
    ['aggregate', cmp(agg('count'), '>', lit(0)), true, false],
    ['chain with relative when', chain(step(typeIs('A'), rel('<=', 1, 'day'))), true, true],
  ];
  for (const [label, c, events, nowy] of rows) {
    it(`usesEvents/usesNow: ${label}`, () => {
      assert.equal(usesEvents(c), events);
      assert.equal(usesNow(c), nowy);
    });
  }
});

describe('eventPrefilter', () => {
  const e = (body: Record<string, unknown>, at = NOW) => evt('e', at, body);
  const rows: [string, Condition, Record<string, unknown>, boolean][] = [
    ['no events: nothing matters', cmp(p('a'), '=', lit(1)), { eventType: 'buy' }, false],
    ['unfiltered set: everything matters', or(exists(typeIs('buy')), cmp(agg('count'), '>', lit(3))), { eventType: 'view' }, true],
    ['matching filter', exists(typeIs('buy')), { eventType: 'buy' }, true],
    ['non-matching filter', exists(typeIs('buy')), { eventType: 'view' }, false],
    ['relative window ignored', exists(and(typeIs('buy'), occurs(ts, rel('<=', 1, 'hour')))), { eventType: 'buy' }, true],
    ['relative window does not rescue a mismatch', exists(and(typeIs('buy'), occurs(ts, rel('<=', 1, 'hour')))), { eventType: 'view' }, false],
    ['negated relative window is unknown', exists(and(typeIs('buy'), not(occurs(ts, rel('<=', 1, 'hour'))))), { eventType: 'buy' }, true],
    ['or with unknown', exists(or(typeIs('buy'), cmp(ts, '>', ar('-', now, dur(1, 'day'))))), { eventType: 'view' }, true],
    ['absolute window applies', exists(occurs(ts, { kind: 'absolute', to: dt('2020-01-01T00:00:00Z'), inclusive: false })), {}, false],
    ['second filter matches', and(exists(typeIs('buy')), cmp(agg('sum', typeIs('refund'), ev('v')), '>', lit(1))), { eventType: 'refund' }, true],
    ['chain step what', chain(step(typeIs('A')), step(typeIs('B'))), { eventType: 'B' }, true],
    ['chain step what (no match)', chain(step(typeIs('A')), step(typeIs('B'))), { eventType: 'C' }, false],
    ['chain absolute when applies', chain(step(typeIs('A'), { kind: 'absolute', from: dt('2030-01-01T00:00:00Z'), inclusive: true })), { eventType: 'A' }, false],
    ['profile attribute in filter is unknown', exists(and(typeIs('buy'), cmp(ev('sku'), '=', p('fav')))), { eventType: 'buy' }, true],
  ];
  for (const [label, c, body, want] of rows) it(label, () => assert.equal(eventPrefilter(c)(e(body)), want));
});

describe('eventPrefilter property: dropping the events it rejects never changes the answer', () => {
  it('holds for random definitions, events and instants', () => {
    fc.assert(
      fc.property(arbCond, arbNow, fc.array(fc.tuple(arbOffset, fc.constantFrom('A', 'B', 'C')), { maxLength: 6 }), (cond, t0, offs) => {
        const evs = offs.map(([o, type], i) => evt(`e${i}`, t0 + o, { eventType: type }));
        const keep = eventPrefilter(cond);
        const paths = eventPaths(cond);
        const kept = evs.filter(keep).map((e) => ({ ...e, event: project(e.event, paths) }));
        for (const t of [t0, t0 + DAY, t0 - 7 * DAY]) {
          assert.equal(evaluate(cond, view({ flag: true }, kept), ctxAt(t)), evaluate(cond, view({ flag: true }, evs), ctxAt(t)));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('project', () => {
  const event = { _id: '1', timestamp: 'T', commerce: { order: { id: 'o', total: 5, extra: 1 }, other: 2 }, web: { url: '/x' }, list: [1, 2] };
  const rows: [string, string[][], Record<string, unknown>][] = [
    ['nothing', [], {}],
    ['top-level', [['timestamp']], { timestamp: 'T' }],
    ['nested leaves', [['commerce', 'order', 'id'], ['timestamp']], { timestamp: 'T', commerce: { order: { id: 'o' } } }],
    ['subtree kept whole', [['commerce', 'order'], ['commerce', 'order', 'id']], { commerce: { order: { id: 'o', total: 5, extra: 1 } } }],
    ['subtree after leaf', [['commerce', 'order', 'id'], ['commerce', 'order']], { commerce: { order: { id: 'o', total: 5, extra: 1 } } }],
    ['missing path', [['nope', 'x']], {}],
    ['array leaf', [['list']], { list: [1, 2] }],
    ['path through array stops', [['list', '0']], { list: [1, 2] }],
    ['empty path = whole event', [[]], event],
  ];
  for (const [label, paths, want] of rows) it(label, () => assert.deepEqual(project(event, paths), want));
  it('never reads or writes prototypes', () => {
    const evil = JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}') as Record<string, unknown>;
    const out = project(evil, [['__proto__', 'polluted'], ['constructor'], ['a']]);
    assert.deepEqual(Object.keys(out).sort(), ['__proto__', 'a']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });
});

describe('invalid input', () => {
  it('prefilter never throws on garbage events', () => {
    const f = eventPrefilter(exists(and(typeIs('buy'), str('like', ev('a.b'), '%x'), occurs(ev('a'), { kind: 'absolute', from: ev('b'), inclusive: true }))));
    for (const body of [null, undefined, 5, 'x', [], { a: [1] }, { eventType: { x: 1 } }]) {
      assert.equal(typeof f({ id: 'x', ts: NaN, event: body as Record<string, unknown> }), 'boolean');
    }
  });
  it('project never throws on garbage', () => {
    for (const body of [null, undefined, 5, 'x', [], { a: null }]) assert.deepEqual(project(body as Record<string, unknown>, [['a', 'b']]), body && typeof body === 'object' && !Array.isArray(body) ? { a: null } : {});
    assert.deepEqual(project({ a: 1 }, [null as unknown as string[]]), {});
  });
  it('analysis of malformed ASTs never throws', () => {
    const bad = [{ kind: 'and' }, { kind: 'exists' }, { kind: 'chain' }, { kind: 'occurs', value: ts }, null] as unknown as Condition[];
    for (const c of bad) {
      streamingEligibility(c);
      referencedSegments(c);
      eventConditions(c);
      eventPaths(c);
      usesEvents(c);
      usesNow(c);
      eventPrefilter(c)(evt('x', DAY));
    }
  });
});
