import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flatten, mergeFragments, type AttributeMerge, type Fragment } from './fragment-merge.js';
import { provenanceOf } from './attribute-provenance.js';

const frag = (datasetId: string, id: string, record: Record<string, unknown>, ts: number, updatedAt = ts): Fragment => ({ datasetId, namespace: 'Email', id, leaves: flatten(record, ts), tags: [], updatedAt });
const T = Date.parse('2026-01-01T00:00:00Z');
const crm = frag('crm', 'a@x.io', { person: { name: { firstName: 'Ann' } }, loyalty: { tier: 'gold' }, identityMap: { CRMID: [{ id: 'C1' }] } }, T);
const web = frag('web', 'a@x.io', { person: { name: { firstName: 'Anna' } } }, T + 1000);
const tie = frag('pos', 'b@x.io', { loyalty: { tier: 'silver' } }, T, T);

describe('attribute provenance', () => {
  const cases: Array<[string, Fragment[], AttributeMerge, Record<string, string>]> = [
    ['newest event time wins', [crm, web], { type: 'timestampOrdered' }, { 'person.name.firstName': 'web', 'loyalty.tier': 'crm' }],
    ['dataset order wins over time', [crm, web], { type: 'dataSetPrecedence', order: ['crm', 'web'] }, { 'person.name.firstName': 'crm', 'loyalty.tier': 'crm' }],
    ['datasets outside the order give nothing', [crm, web], { type: 'dataSetPrecedence', order: ['web'] }, { 'person.name.firstName': 'web' }],
    ['a tie goes to the later fragment, as in the merge', [crm, tie], { type: 'timestampOrdered' }, { 'person.name.firstName': 'crm', 'loyalty.tier': 'pos' }],
    ['no fragments, no sources', [], { type: 'timestampOrdered' }, {}],
  ];
  for (const [name, frags, merge, want] of cases)
    it(name, () => {
      const p = provenanceOf(frags, merge);
      assert.deepEqual(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.datasetId])), want);
      // the source names the value the merge kept
      const merged = mergeFragments(frags, merge) as any;
      for (const [path, src] of Object.entries(p)) {
        const f = frags.find((x) => x.datasetId === src.datasetId)!;
        const leaf = f.leaves[path.split('.').join('\u001f')]!;
        assert.deepEqual(path.split('.').reduce((o, k) => o?.[k], merged), leaf[0], path);
      }
    });
  it('names the identity and the times, and leaves identityMap out (a union has no single source)', () => {
    const p = provenanceOf([crm], { type: 'timestampOrdered' });
    assert.deepEqual(p['loyalty.tier'], { datasetId: 'crm', identity: 'Email:a@x.io', eventTime: '2026-01-01T00:00:00.000Z', ingestedAt: '2026-01-01T00:00:00.000Z' });
    assert.ok(!Object.keys(p).some((k) => k.startsWith('identityMap')));
  });
});
