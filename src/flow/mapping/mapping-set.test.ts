import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileMappingSet } from './mapping-set.js';
import { parseExpression, toIsoDate } from './expression.js';

const run = (mappings: unknown[], raw: unknown) => {
  const c = compileMappingSet(mappings, () => Date.UTC(2026, 0, 2));
  assert.ok(c.ok, c.ok ? '' : c.error);
  return c.value(raw);
};

describe('Data Prep mapping', () => {
  const cases: Array<[string, unknown[], unknown, unknown]> = [
    ['copy and rename', [{ source: 'email', destination: 'personalEmail.address' }], { email: 'a@b.c' }, { personalEmail: { address: 'a@b.c' } }],
    ['legacy field names', [{ sourceAttribute: 'n', destinationXdmPath: 'person.name.firstName' }], { n: 'Ann' }, { person: { name: { firstName: 'Ann' } } }],
    ['nested source and array index', [{ source: 'items[1].sku', destination: 'productListItems[0].SKU' }], { items: [{ sku: 'a' }, { sku: 'b' }] }, { productListItems: [{ SKU: 'b' }] }],
    ['whole objects', [{ source: 'addr', destination: 'homeAddress' }], { addr: { city: 'X' } }, { homeAddress: { city: 'X' } }],
    ['constants', [{ sourceType: 'STATIC', source: 'web', destination: 'channel._type' }], {}, { channel: { _type: 'web' } }],
    ['lower/trim', [{ sourceType: 'EXPRESSION', source: 'lower(trim(e))', destination: 'x' }], { e: '  A@B.C ' }, { x: 'a@b.c' }],
    ['upper', [{ sourceType: 'EXPRESSION', source: 'upper(e)', destination: 'x' }], { e: 'ab' }, { x: 'AB' }],
    ['concat', [{ sourceType: 'EXPRESSION', source: 'concat(f, " ", l)', destination: 'x' }], { f: 'A', l: 'B' }, { x: 'A B' }],
    ['to_date with format', [{ sourceType: 'EXPRESSION', source: 'to_date(d, "dd/MM/yyyy")', destination: 'x' }], { d: '31/12/2025' }, { x: '2025-12-31T00:00:00.000Z' }],
    ['to_date ISO', [{ sourceType: 'EXPRESSION', source: 'to_date(d)', destination: 'x' }], { d: '2025-01-01T10:00:00+02:00' }, { x: '2025-01-01T08:00:00.000Z' }],
    ['to_integer/to_float', [{ sourceType: 'EXPRESSION', source: 'to_integer(a)', destination: 'i' }, { sourceType: 'EXPRESSION', source: 'to_float(b)', destination: 'f' }], { a: '42.9', b: '1.5' }, { i: 42, f: 1.5 }],
    ['iif/nvl', [{ sourceType: 'EXPRESSION', source: 'iif(vip, "gold", nvl(tier, "basic"))', destination: 't' }], { vip: false }, { t: 'basic' }],
    ['now', [{ sourceType: 'EXPRESSION', source: 'now()', destination: 't' }], {}, { t: '2026-01-02T00:00:00.000Z' }],
    ['absent sources produce no key', [{ source: 'missing', destination: 'x.y' }, { source: 'nul', destination: 'z' }], { nul: null }, {}],
  ];
  for (const [name, mappings, raw, expected] of cases) it(name, () => assert.deepEqual(run(mappings, raw), { ok: true, value: expected }));

  it('uuid() makes a uuid', () => {
    const r = run([{ sourceType: 'EXPRESSION', source: 'uuid()', destination: '_id' }], {});
    assert.ok(r.ok && /^[0-9a-f-]{36}$/.test(String(r.value._id)));
  });

  describe('invalid input', () => {
    const bad: Array<[string, unknown, RegExp]> = [
      ['empty mapping set', [], /non-empty/],
      ['not an array', {}, /non-empty/],
      ['missing destination', [{ source: 'a' }], /destination is required/],
      ['missing source', [{ destination: 'a' }], /source is required/],
      ['unknown function', [{ sourceType: 'EXPRESSION', source: 'explode(a)', destination: 'x' }], /unknown function "explode" at position 0/],
      ['unterminated string', [{ sourceType: 'EXPRESSION', source: 'concat("a', destination: 'x' }], /unterminated string/],
      ['function in ATTRIBUTE', [{ source: 'lower(a)', destination: 'x' }], /EXPRESSION/],
      ['unknown sourceType', [{ sourceType: 'MAGIC', source: 'a', destination: 'x' }], /unknown sourceType/],
      ['bad destination', [{ source: 'a', destination: 'x..y' }], /invalid destination/],
    ];
    for (const [name, mappings, re] of bad)
      it(name, () => {
        const c = compileMappingSet(mappings);
        assert.equal(c.ok, false);
        assert.match(c.ok ? '' : c.error, re);
      });
    it('reports a runtime conversion error as a value', () => {
      const r = run([{ sourceType: 'EXPRESSION', source: 'to_integer(a)', destination: 'x' }], { a: 'abc' });
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.error, /not a number/);
    });
    it('reports trailing garbage with its position', () => {
      const p = parseExpression('a b');
      assert.match(p.ok ? '' : p.error, /position 2/);
    });
    it('rejects dates that do not match the pattern', () => assert.equal(toIsoDate('2025-13-45', 'yyyy-MM-dd'), undefined));
  });
});
