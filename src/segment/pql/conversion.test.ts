import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { convertExpression, pqlTextOf } from './conversion.js';

// AEP's documented example (segment-definitions.md, "Convert segment definition")
const US_TEXT = 'workAddress.country = "US"';
const US_JSON =
  '{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"fieldLookup","fieldName":"country","object":{"nodeType":"fieldLookup","fieldName":"workAddress","object":{"nodeType":"parameterReference","position":1}}},{"nodeType":"literal","literalType":"String","value":"US"}]}';

describe('PQL conversion (pql/text <-> pql/json)', () => {
  it('text -> json gives AEP\'s documented value byte for byte', () => {
    const r = convertExpression({ type: 'PQL', format: 'pql/text', value: US_TEXT });
    assert.ok(r.ok);
    assert.deepEqual(r.value, { type: 'PQL', format: 'pql/json', value: US_JSON });
  });

  const roundTrips = [
    US_TEXT,
    'person.name.firstName.startsWith("Ja") and not (homeAddress.city = "Paris")',
    'loyalty.points >= 100 or loyalty.tier in ["gold", "platinum"]',
    'inSegment("7863c010-e092-41c8-ae5e-9e533186752e")',
    'person.birthDate.isNull()',
  ];
  for (const text of roundTrips)
    it(`round trip: ${text}`, () => {
      const j = convertExpression({ type: 'PQL', format: 'pql/text', value: text });
      assert.ok(j.ok, j.ok ? '' : JSON.stringify(j.error.body));
      // as AEP returns it (a JSON string) and as the JSON itself
      for (const value of [j.value.value, JSON.parse(j.value.value)]) {
        const t = convertExpression({ type: 'PQL', format: 'pql/json', value });
        assert.ok(t.ok, t.ok ? '' : JSON.stringify(t.error.body));
        const again = convertExpression(t.value);
        assert.ok(again.ok);
        assert.equal(again.value.value, j.value.value, 'text -> json -> text -> json is stable');
      }
    });

  it('to its own format: the canonical form', () => {
    const r = convertExpression({ type: 'PQL', format: 'pql/text', value: '(a.b   =  1)' }, 'pql/text');
    assert.ok(r.ok);
    assert.equal(r.value.value, 'a.b = 1');
    assert.equal(pqlTextOf(undefined, 'x = 1').ok, true, 'format defaults to pql/text');
  });

  describe('invalid input', () => {
    const bad: Array<[string, unknown, unknown, RegExp, string?]> = [
      ['no expression', undefined, undefined, /expression is required/],
      ['not PQL', { type: 'SQL', value: 'x' }, undefined, /expression.type must be "PQL"/],
      ['unknown format', { type: 'PQL', format: 'pql/xml', value: 'x' }, undefined, /"pql\/text" or "pql\/json"/],
      ['unknown target', { type: 'PQL', format: 'pql/text', value: 'x = 1' }, 'text', /target format/],
      ['text not a string', { type: 'PQL', format: 'pql/text', value: 3 }, undefined, /PQL string/],
      ['json that is not JSON', { type: 'PQL', format: 'pql/json', value: '{nope' }, undefined, /not JSON/, 'PQL-JSON'],
      ['an unknown node', { type: 'PQL', format: 'pql/json', value: '{"nodeType":"magic"}' }, undefined, /Invalid pql\/json/, 'PQL-JSON'],
      ['invalid PQL text', { type: 'PQL', format: 'pql/text', value: 'a = ' }, undefined, /Invalid PQL/, 'PQL-SYNTAX'],
      ['an event rule (no pql/json form here)', { type: 'PQL', format: 'pql/text', value: 'xEvent[eventType = "x"].count() > 1' }, undefined, /no pql\/json form/, 'PQL-JSON-UNSUPPORTED'],
    ];
    for (const [name, expression, to, re, code] of bad)
      it(`${name} -> 400`, () => {
        const r = convertExpression(expression, to);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.equal(r.error.status, 400);
          const body = r.error.body as { detail: string; code?: string };
          assert.match(body.detail, re);
          if (code) assert.equal(body.code, code);
        }
      });
  });
});
