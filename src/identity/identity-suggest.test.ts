import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundedDistance, foldIdentity, suggestIdentities, type SuggestNode } from './identity-suggest.js';

const nodes: SuggestNode[] = [
  { ns: 'Email', id: 'ann.kim@example.com', xid: 'x1' },
  { ns: 'Email', id: 'anna.kim@example.com', xid: 'x2' },
  { ns: 'Phone', id: '+82 10-1234-5678', xid: 'x3' },
  { ns: 'CRMID', id: 'CRM-000123', xid: 'x4' },
  { ns: 'ECID', id: '12345678901234567890123456789012345678', xid: 'x5' },
];
const ids = (q: string, o = {}) => suggestIdentities(nodes, q, o).map((s) => `${s.match}:${s.id}`);

describe('identity suggestions', () => {
  const cases: Array<[string, string, Record<string, unknown>, string[]]> = [
    ['exact, folded case', 'ANN.KIM@example.com', {}, ['exact:ann.kim@example.com', 'typo:anna.kim@example.com']],
    ['one typo', 'ann.kin@example.com', {}, ['typo:ann.kim@example.com', 'typo:anna.kim@example.com']],
    ['swapped letters', 'ann.kmi@example.com', {}, ['typo:ann.kim@example.com', 'typo:anna.kim@example.com']],
    ['phone written another way', '+821012345678', {}, ['exact:+82 10-1234-5678']],
    ['a part of a value', 'kim@example', {}, ['contains:ann.kim@example.com', 'contains:anna.kim@example.com']],
    ['namespace filter', 'ann.kim@example.com', { namespace: 'crmid' }, []],
    ['limit', 'ann.kim@example.com', { limit: 1 }, ['exact:ann.kim@example.com']],
    ['crm id missing a digit', 'crm-00123', {}, ['typo:CRM-000123']],
    ['nothing near', 'zzzz@nowhere.org', {}, []],
  ];
  for (const [name, q, o, want] of cases) it(name, () => assert.deepEqual(ids(q, o), want));

  describe('invalid or empty input', () => {
    for (const q of ['', '   ']) it(`"${q}" gives nothing`, () => assert.deepEqual(ids(q), []));
  });

  it('bounded distance stops above its bound and counts a swap as one edit', () => {
    assert.equal(boundedDistance('abcdef', 'abcdfe', 2), 1);
    assert.equal(boundedDistance('abc', 'xyz', 1), 2);
    assert.equal(boundedDistance('a', 'abcdef', 2), 3);
    assert.equal(foldIdentity(' +1 (555) 010-99 '), '155501099');
  });
});
