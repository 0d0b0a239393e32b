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
    ['whole arrays', [{ source: 'items', destination: 'productListItems' }], { items: [{ sku: 'a' }] }, { productListItems: [{ sku: 'a' }] }],
    ['numeric and boolean constants', [{ sourceType: 'STATIC', source: 3, destination: 'n' }, { sourceType: 'static', source: false, destination: 'b' }], {}, { n: 3, b: false }],
    ['several mappings into one object', [{ source: 'f', destination: 'person.name.firstName' }, { source: 'l', destination: 'person.name.lastName' }], { f: 'A', l: 'B' }, { person: { name: { firstName: 'A', lastName: 'B' } } }],
    ['array index destinations', [{ source: 'a', destination: 'list[0].v' }, { source: 'b', destination: 'list[1].v' }], { a: 1, b: 2 }, { list: [{ v: 1 }, { v: 2 }] }],
    ['field names with spaces', [{ sourceType: 'EXPRESSION', source: 'trim(${First Name})', destination: 'person.name.firstName' }], { 'First Name': ' Z ' }, { person: { name: { firstName: 'Z' } } }],
    ['iif with comparison', [{ sourceType: 'EXPRESSION', source: 'iif(country == "FR", "EU", "other")', destination: 'region' }], { country: 'FR' }, { region: 'EU' }],
    ['empty strings are kept', [{ source: 'e', destination: 'x' }], { e: '' }, { x: '' }],
    ['absent sources produce no key', [{ source: 'missing', destination: 'x.y' }, { source: 'nul', destination: 'z' }], { nul: null }, {}],
  ];
  for (const [name, mappings, raw, expected] of cases) it(name, () => assert.deepEqual(run(mappings, raw), { ok: true, value: expected }));

  it('uuid() makes a uuid', () => {
    const r = run([{ sourceType: 'EXPRESSION', source: 'uuid()', destination: '_id' }], {});
    assert.ok(r.ok && /^[0-9a-f-]{36}$/.test(String(r.value._id)));
  });

  it('copies objects, so later mappings never write into the raw record', () => {
    const raw = { addr: { city: 'X' }, zip: '1' };
    const r = run([{ source: 'addr', destination: 'home' }, { source: 'zip', destination: 'home.postalCode' }], raw);
    assert.deepEqual(r, { ok: true, value: { home: { city: 'X', postalCode: '1' } } });
    assert.deepEqual(raw, { addr: { city: 'X' }, zip: '1' });
  });

  it('never writes to Object.prototype', () => {
    const r = run([{ source: 'a', destination: 'x' }], JSON.parse('{"a": 1, "__proto__": {"polluted": true}}'));
    assert.deepEqual(r, { ok: true, value: { x: 1 } });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
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
      ['prototype destination', [{ source: 'a', destination: '__proto__.polluted' }], /invalid destination "__proto__.polluted"/],
      ['constructor destination', [{ source: 'a', destination: 'x.constructor.prototype' }], /invalid destination/],
      ['huge array index', [{ source: 'a', destination: 'x[100000]' }], /invalid destination/],
      ['not an object', ['a'], /mappings\[0\]: must be an object/],
      ['STATIC without value', [{ sourceType: 'STATIC', destination: 'x' }], /STATIC mapping needs a source value/],
      ['STATIC object', [{ sourceType: 'STATIC', source: { a: 1 }, destination: 'x' }], /STATIC source must be a string, number or boolean/],
      ['names the bad mapping', [{ source: 'a', destination: 'ok' }, { sourceType: 'EXPRESSION', source: 'lower(a', destination: 'person.x' }], /^mappings\[1\] \(destination "person.x"\): missing "\)" to close lower\( at position 7/],
      ['arity checked at creation', [{ sourceType: 'EXPRESSION', source: 'iif(a, b)', destination: 'x' }], /mappings\[0\] \(destination "x"\): iif\(\) takes 3 arguments/],
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
