import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkIdentityMap, checkIdentityValue } from './identity-values.js';

describe('identity value rules', () => {
  const ok: Array<[string, string]> = [
    ['ECID', '12345678901234567890123456789012345678'],
    ['Email', 'jane@example.com'],
    ['CRMID', 'x'.repeat(1024)],
    ['ecid', '12345678901234567890123456789012345678'],
  ];
  for (const [ns, id] of ok) it(`accepts ${ns} ${id.slice(0, 20)}`, () => assert.equal(checkIdentityValue(ns, id), undefined));

  describe('invalid input', () => {
    const bad: Array<[string, unknown, RegExp]> = [
      ['ECID', '123', /38 digits/],
      ['ECID', '1234567890123456789012345678901234567a', /38 digits/],
      ['Email', 'null', /blocked/],
      ['Email', 'Anonymous', /blocked/],
      ['Email', 'invalid', /blocked/],
      ['Email', '   ', /blocked/],
      ['Email', '', /blocked/],
      ['CRMID', 'x'.repeat(1025), /1024/],
      ['Email', 42, /must be a string/],
      ['Email', null, /must be a string/],
    ];
    for (const [ns, id, re] of bad) it(`rejects ${ns} ${String(id).slice(0, 12)}`, () => assert.match(checkIdentityValue(ns, id) ?? '', re));
    it('reports every bad item of an identityMap with its position', () => {
      const p = checkIdentityMap({ identityMap: { ECID: [{ id: '1' }], Email: [{ id: 'a@b.c' }, { id: 'null' }] } });
      assert.deepEqual(
        p.map((x) => [x.namespace, x.index]),
        [
          ['ECID', 0],
          ['Email', 1],
        ],
      );
    });
    it('rejects a non-object identityMap', () => assert.equal(checkIdentityMap({ identityMap: [] }).length, 1));
    it('ignores records without identityMap', () => assert.deepEqual(checkIdentityMap({ a: 1 }), []));
  });
});
