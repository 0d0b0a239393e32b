import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extractIdentities } from './extract.js';

describe('extractIdentities', () => {
  const descriptors = [{ path: ['personalEmail', 'address'], namespace: 'Email', isPrimary: true }];
  it('reads identityMap items and descriptor fields', () => {
    const ids = extractIdentities({ identityMap: { CRMID: [{ id: 'c-1', primary: true }] }, personalEmail: { address: 'a@b.c' } }, descriptors);
    assert.deepEqual(ids.map((i) => `${i.namespace}:${i.id}:${i.primary}`), ['CRMID:c-1:true', 'Email:a@b.c:true']);
  });

  describe('invalid input', () => {
    // AEP blocks these values from ingestion: the identity is left out, the record's other identities stay
    const blocked = ['null', 'Anonymous', 'INVALID', '', '   '];
    for (const v of blocked)
      it(`leaves out the blocked value ${JSON.stringify(v)}`, () => {
        const ids = extractIdentities({ identityMap: { CRMID: [{ id: v }], ECID: [{ id: '12345678901234567890123456789012345678' }] }, personalEmail: { address: v } }, descriptors);
        assert.deepEqual(ids.map((i) => i.namespace), ['ECID']);
      });
  });
});
