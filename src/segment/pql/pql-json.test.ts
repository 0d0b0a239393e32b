import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { conditionArb } from './arbitraries.js';
import { parsePql } from './parser.js';
import { fromPqlJson, toPqlJson } from './pql-json.js';
import { strip } from './test-helpers.js';

const json = (pql: string): unknown => {
  const r = parsePql(pql);
  if (!r.ok) throw new Error(r.error.message);
  const j = toPqlJson(r.value.root);
  if (!j.ok) throw new Error(j.error.message);
  return j.value;
};
const field = (...names: string[]): unknown =>
  names.reduce<unknown>((object, fieldName) => ({ nodeType: 'fieldLookup', fieldName, object }), { nodeType: 'parameterReference', position: 1 });

describe('pql/json', () => {
  it('matches the documented AEP shape (reference §6.2)', () => {
    assert.deepStrictEqual(json('workAddress.country = "US"'), {
      nodeType: 'fnApply',
      fnName: '=',
      params: [
        { nodeType: 'fieldLookup', fieldName: 'country', object: { nodeType: 'fieldLookup', fieldName: 'workAddress', object: { nodeType: 'parameterReference', position: 1 } } },
        { nodeType: 'literal', literalType: 'String', value: 'US' },
      ],
    });
  });
  const CASES: Array<[string, unknown]> = [
    ['a > 1 and b <= 2.5', { nodeType: 'fnApply', fnName: 'and', params: [{ nodeType: 'fnApply', fnName: '>', params: [field('a'), { nodeType: 'literal', literalType: 'Integer', value: 1 }] }, { nodeType: 'fnApply', fnName: '<=', params: [field('b'), { nodeType: 'literal', literalType: 'Double', value: 2.5 }] }] }],
    ['not (a = true or a = null)', { nodeType: 'fnApply', fnName: 'not', params: [{ nodeType: 'fnApply', fnName: 'or', params: [{ nodeType: 'fnApply', fnName: '=', params: [field('a'), { nodeType: 'literal', literalType: 'Boolean', value: true }] }, { nodeType: 'fnApply', fnName: '=', params: [field('a'), { nodeType: 'literal', literalType: 'Null', value: null }] }] }] }],
    ['c notIn ["US", "CA"]', { nodeType: 'fnApply', fnName: 'notIn', params: [field('c'), { nodeType: 'literal', literalType: 'List', value: [{ nodeType: 'literal', literalType: 'String', value: 'US' }, { nodeType: 'literal', literalType: 'String', value: 'CA' }] }] }],
    ['x.y.isNotNull()', { nodeType: 'fnApply', fnName: 'isNotNull', params: [field('x', 'y')] }],
    ['x.doesNotStartWith("a", false)', { nodeType: 'fnApply', fnName: 'doesNotStartWith', params: [field('x'), { nodeType: 'literal', literalType: 'String', value: 'a' }, { nodeType: 'literal', literalType: 'Boolean', value: false }] }],
    ['inSegment("s1")', { nodeType: 'fnApply', fnName: 'inSegment', params: [{ nodeType: 'literal', literalType: 'String', value: 's1' }] }],
  ];
  for (const [pql, want] of CASES) {
    it(pql, () => {
      assert.deepStrictEqual(json(pql), want);
      const back = fromPqlJson(want);
      assert.ok(back.ok);
      const parsed = parsePql(pql);
      if (back.ok && parsed.ok) assert.deepStrictEqual(strip(back.value), strip(parsed.value.root));
    });
  }
  it('round-trips random supported ASTs (AST → pql/json → AST)', () => {
    fc.assert(
      fc.property(conditionArb({ jsonOnly: true }), (c) => {
        const j = toPqlJson(c);
        assert.ok(j.ok, j.ok ? '' : j.error.message);
        if (!j.ok) return;
        const back = fromPqlJson(JSON.parse(JSON.stringify(j.value)));
        assert.ok(back.ok, back.ok ? '' : back.error.message);
        if (back.ok) assert.deepStrictEqual(strip(back.value), strip(c));
      }),
      { numRuns: 500 },
    );
  });
});

describe('invalid input', () => {
  it('AST nodes without a pql/json form give an error value', () => {
    for (const pql of ['xEvent[a = 1]', 't occurs today', 'x > now', 'CHAIN(xEvent, timestamp, [C0: WHAT(a = 1)])', 'xEvent.count() > 1']) {
      const r = parsePql(pql);
      assert.ok(r.ok);
      if (r.ok) assert.equal(toPqlJson(r.value.root).ok, false, pql);
    }
  });
  const BAD: Array<[string, unknown, string]> = [
    ['not an object', 3, '/'],
    ['an unknown function', { nodeType: 'fnApply', fnName: 'groupBy', params: [] }, '/'],
    ['a value as the root', field('a'), '/'],
    ['a wrong arity', { nodeType: 'fnApply', fnName: '=', params: [field('a')] }, '/params'],
    ['a lookup not ending at the profile', { nodeType: 'fnApply', fnName: '=', params: [{ nodeType: 'fieldLookup', fieldName: 'a', object: { nodeType: 'parameterReference', position: 2 } }, { nodeType: 'literal', literalType: 'Integer', value: 1 }] }, '/params/0/object'],
    ['in without a List', { nodeType: 'fnApply', fnName: 'in', params: [field('a'), { nodeType: 'literal', literalType: 'String', value: 'x' }] }, '/params/1'],
    ['an invalid date', { nodeType: 'fnApply', fnName: '=', params: [field('a'), { nodeType: 'fnApply', fnName: 'date', params: [2020, 2, 30].map((value) => ({ nodeType: 'literal', literalType: 'Integer', value })) }] }, '/params/1'],
    ['an object literal', { nodeType: 'fnApply', fnName: '=', params: [field('a'), { nodeType: 'literal', literalType: 'Object', value: {} }] }, '/params/1'],
  ];
  for (const [name, input, at] of BAD) {
    it(`rejects ${name}`, () => {
      const r = fromPqlJson(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.at, at, r.error.message);
    });
  }
});
