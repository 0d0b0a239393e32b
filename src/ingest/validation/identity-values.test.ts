import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkIdentityValue, describeProblem, identityValueProblems, INVALID_ECID_CODE, isDroppedIdentityValue, recordRejections } from './identity-values.js';

const MAX_HALF = '9223372036854775807'; // 2^63 - 1, the largest Java long
const OVER_HALF = '9223372036854775808';
const ecid = (hi: string, lo: string) => hi + lo;

describe('identity value rules', () => {
  const ok: Array<[string, string]> = [
    ['ECID', '12345678901234567890123456789012345678'],
    ['ecid', '12345678901234567890123456789012345678'],
    ['ECID', ecid(MAX_HALF, MAX_HALF)],
    ['ECID', ecid('0000000000000000000', '0000000000000000000')],
    ['ECID', ecid(MAX_HALF, '0000000000000000001')],
    ['Email', 'jane@example.com'],
    ['Phone', '+15551234567'],
    ['CRMID', 'x'.repeat(1024)],
    ['CRMID', 'nullable'],
  ];
  for (const [ns, id] of ok) it(`accepts ${ns} ${id.slice(0, 24)}`, () => assert.equal(checkIdentityValue(ns, id), undefined));

  describe('invalid input', () => {
    // [namespace, value, code, message, effect]: ECID and length break the record, blocked values only drop the identity
    const bad: Array<[string, unknown, string, RegExp, string?]> = [
      ['ECID', '123', INVALID_ECID_CODE, /^Invalid ECID$/],
      ['ECID', '1234567890123456789012345678901234567a', INVALID_ECID_CODE, /^Invalid ECID$/],
      ['ECID', '123456789012345678901234567890123456789', INVALID_ECID_CODE, /^Invalid ECID$/],
      ['ECID', ecid(OVER_HALF, '0000000000000000000'), INVALID_ECID_CODE, /^Invalid ECID$/],
      ['ECID', ecid('0000000000000000000', OVER_HALF), INVALID_ECID_CODE, /^Invalid ECID$/],
      ['ECID', ecid('9999999999999999999', '9999999999999999999'), INVALID_ECID_CODE, /^Invalid ECID$/],
      // a sign is not a digit: Java's parseLong would take "-…" but AEP documents digits only
      ['ECID', ecid('-123456789012345678', '1234567890123456789'), INVALID_ECID_CODE, /^Invalid ECID$/],
      ['ECID', ` ${ecid(MAX_HALF, MAX_HALF)}`, INVALID_ECID_CODE, /^Invalid ECID$/],
      ['ecid', '', INVALID_ECID_CODE, /^Invalid ECID$/],
      ['Email', 'null', 'IDENTITY_INVALID', /blocked/, 'drop-identity'],
      ['Email', 'Anonymous', 'IDENTITY_INVALID', /blocked/, 'drop-identity'],
      ['Phone', 'INVALID', 'IDENTITY_INVALID', /blocked/, 'drop-identity'],
      ['Email', '   ', 'IDENTITY_INVALID', /blocked/, 'drop-identity'],
      ['CRMID', '', 'IDENTITY_INVALID', /blocked/, 'drop-identity'],
      ['CRMID', 'x'.repeat(1025), 'IDENTITY_INVALID', /1024/],
      ['Email', 42, 'IDENTITY_INVALID', /must be a string/],
      ['Email', null, 'IDENTITY_INVALID', /must be a string/],
    ];
    for (const [ns, id, code, re, effect = 'reject-record'] of bad)
      it(`${effect === 'drop-identity' ? 'drops' : 'rejects'} ${ns} ${JSON.stringify(id)?.slice(0, 24)}`, () => {
        const f = checkIdentityValue(ns, id);
        assert.equal(f?.code, code);
        assert.match(f?.message ?? '', re);
        assert.equal(f?.effect, effect);
        if (typeof id === 'string') assert.equal(isDroppedIdentityValue(ns, id), effect === 'drop-identity');
      });

    it('reports every bad identityMap item with its path', () => {
      const p = identityValueProblems({ identityMap: { ECID: [{ id: '1' }], Email: [{ id: 'a@b.c' }, { id: 'null' }] } });
      assert.deepEqual(
        p.map((x) => [x.namespace, x.path, x.pointer, x.code]),
        [
          ['ECID', 'identityMap.ECID[0].id', '#/identityMap/ECID/0/id', INVALID_ECID_CODE],
          ['Email', 'identityMap.Email[1].id', '#/identityMap/Email/1/id', 'IDENTITY_INVALID'],
        ],
      );
      assert.equal(describeProblem(p[0]!), 'Invalid ECID: identityMap.ECID[0].id "1" (namespace ECID, UPLIB-101003-400)');
    });
    it('rejects the record only for the rules that skip it (a blocked value only drops its identity)', () => {
      const p = recordRejections({ identityMap: { ECID: [{ id: '1' }], Email: [{ id: 'null' }], CRMID: [{ id: 'x'.repeat(1025) }] } });
      assert.deepEqual(p.map((x) => x.namespace), ['ECID', 'CRMID']);
    });
    it('checks identity-descriptor fields too (one value or an array of them)', () => {
      const descriptors = [
        { path: ['device', 'ecid'], namespace: 'ECID', isPrimary: true },
        { path: ['emails'], namespace: 'Email', isPrimary: false },
        { path: ['missing', 'field'], namespace: 'CRMID', isPrimary: false },
      ];
      const p = identityValueProblems({ device: { ecid: '123' }, emails: ['a@b.c', 'anonymous'] }, descriptors);
      assert.deepEqual(
        p.map((x) => [x.path, x.code]),
        [
          ['/device/ecid', INVALID_ECID_CODE],
          ['/emails/1', 'IDENTITY_INVALID'],
        ],
      );
      assert.deepEqual(identityValueProblems({ device: { ecid: ecid(MAX_HALF, MAX_HALF) } }, descriptors), []);
    });
    it('rejects a non-object identityMap and non-array items', () => {
      assert.equal(identityValueProblems({ identityMap: [] }).length, 1);
      assert.equal(identityValueProblems({ identityMap: { Email: { id: 'a@b.c' } } }).length, 1);
    });
    it('ignores records without identities', () => assert.deepEqual(identityValueProblems({ a: 1 }), []));
  });
});
