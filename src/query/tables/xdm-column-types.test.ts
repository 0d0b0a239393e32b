import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flatten, type XedResource } from '../../schema/resolver.js';
import { globalResource } from '../../schema/global/index.js';
import type { JsonSchema } from '../../schema/global/field-types.js';
import { duckTypeOf, mergeStructure, xdmColumns, MAX_DEPTH } from './xdm-column-types.js';

const CTX = 'https://ns.adobe.com/xdm/context/';
/** A schema composed of the shipped XDM class and field groups, resolved as the registry does. */
const schemaOf = (...refs: string[]) => {
  const s = { $id: 'https://ns.adobe.com/kith/schemas/t', 'meta:altId': '_kith.schemas.t', allOf: refs.map((r) => ({ $ref: CTX + r })) } as XedResource;
  const f = flatten(s, (k) => globalResource(k));
  assert.deepEqual(f.errors, []);
  return f.properties;
};

describe('xdm-column-types', () => {
  const event = schemaOf('experienceevent', 'identitymap', 'experienceevent-commerce', 'experienceevent-web', 'experienceevent-environment-details');
  const profile = schemaOf('profile', 'identitymap', 'profile-person-details', 'profile-personal-details', 'profile-segmentation', 'profile-loyalty-details');
  const cols = (p: Record<string, JsonSchema>) => Object.fromEntries(xdmColumns(p).ok ? (xdmColumns(p) as { value: Array<{ name: string; type: string }> }).value.map((c) => [c.name, c.type]) : []);
  const ev = cols(event);
  const pr = cols(profile);

  const cases: Array<[string, string | undefined, string | RegExp]> = [
    ['_id leads', ev._id, 'VARCHAR'],
    ['timestamp is the lake\'s TIMESTAMPTZ', ev.timestamp, 'TIMESTAMPTZ'],
    ['string', ev.eventType, 'VARCHAR'],
    ['identityMap is a map of namespace to identities', ev.identityMap, 'MAP(VARCHAR, STRUCT("id" VARCHAR, "authenticatedState" VARCHAR, "primary" BOOLEAN)[])'],
    ['number', ev.commerce, /"priceTotal" DOUBLE/],
    ['date-time', ev.commerce, /"createdDate" TIMESTAMPTZ/],
    ['array of objects', ev.productListItems, /^STRUCT\(.*\)\[\]$/],
    ['integer', ev.productListItems, /"quantity" BIGINT/],
    ['open object is JSON', ev.environment, /"browserDetails" JSON/],
    ['boolean', ev.web, /"isHomePage" BOOLEAN/],
    ['date', pr.person, /"birthDate" DATE/],
    ['array of strings', pr.loyalty, /"loyaltyID" VARCHAR\[\]/],
    ['map of maps (segmentMembership)', pr.segmentMembership, /^MAP\(VARCHAR, MAP\(VARCHAR, STRUCT\("status" VARCHAR, "lastQualificationTime" TIMESTAMPTZ/],
    ['names DuckDB must quote', duckTypeOf({ type: 'object', properties: { '@id': { type: 'string' }, 'a.b': { type: 'integer' }, 'say "hi"': { type: 'boolean' } } }, 'x').ok ? (duckTypeOf({ type: 'object', properties: { '@id': { type: 'string' }, 'a.b': { type: 'integer' }, 'say "hi"': { type: 'boolean' } } }, 'x') as { value: string }).value : undefined, 'STRUCT("@id" VARCHAR, "a.b" BIGINT, "say ""hi""" BOOLEAN)'],
    ['no type is JSON', duckTypeOf({}, 'x').ok ? 'JSON' : undefined, 'JSON'],
  ];
  for (const [what, got, want] of cases)
    it(what, () => {
      assert.ok(got !== undefined);
      if (typeof want === 'string') assert.equal(got, want);
      else assert.match(got, want);
    });

  it('orders columns _id, timestamp, then the schema\'s top-level fields in order', () => {
    const names = Object.keys(ev);
    assert.deepEqual(names.slice(0, 3), ['_id', 'timestamp', 'eventType']);
    assert.ok(names.indexOf('commerce') < names.indexOf('web'));
  });

  it('merges data structures, widening conflicts', () => {
    assert.deepEqual(mergeStructure({ a: 'UBIGINT', b: { c: 'VARCHAR' } }, { a: 'DOUBLE', b: { d: 'BOOLEAN' }, e: 'NULL' }), { a: 'DOUBLE', b: { c: 'VARCHAR', d: 'BOOLEAN' }, e: 'NULL' });
    assert.equal(mergeStructure('VARCHAR', 'BOOLEAN'), 'JSON');
    assert.deepEqual(mergeStructure(['VARCHAR'], ['NULL']), ['VARCHAR']);
  });

  describe('invalid schemas', () => {
    const recursive: JsonSchema = { type: 'object', properties: {} };
    (recursive.properties as Record<string, JsonSchema>).self = recursive;
    let deep: JsonSchema = { type: 'string' };
    for (let i = 0; i < MAX_DEPTH + 5; i++) deep = { type: 'object', properties: { n: deep } };
    const invalid: Array<[string, Record<string, JsonSchema>, RegExp]> = [
      ['recursive reference (a cycle)', { loop: recursive }, /nested deeper than/],
      ['absurd depth', { deep }, /nested deeper than/],
      ['names that differ only in case', { a: { type: 'object', properties: { Name: { type: 'string' }, name: { type: 'string' } } } }, /differ only in case/],
      ['an empty name', { a: { type: 'object', properties: { '': { type: 'string' } } } }, /empty field name/],
      ['control characters', { 'a\u0000b': { type: 'string' } }, /control characters/],
      ['an overlong name', { ['x'.repeat(300)]: { type: 'string' } }, /longer than/],
      ['a field clashing with the lake\'s timestamp', { TIMESTAMP: { type: 'string' } }, /clashes/],
    ];
    for (const [what, props, msg] of invalid)
      it(`refuses ${what}`, () => {
        const r = xdmColumns(props);
        assert.equal(r.ok, false);
        if (!r.ok) assert.match(r.error, msg);
      });
  });
});
