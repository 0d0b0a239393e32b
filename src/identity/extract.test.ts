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
    // blocked values are extracted as they are: normalisation drops them with their reason (identity-service.test.ts)
    it('reads numbers as their decimal text and ignores other non-strings', () => {
      const ids = extractIdentities({ identityMap: { CRMID: [{ id: 42 }, { id: { x: 1 } }, { id: null }, {}] } }, []);
      assert.deepEqual(ids.map((i) => i.id), ['42']);
    });
  });
});
