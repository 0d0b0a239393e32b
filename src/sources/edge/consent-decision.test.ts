import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { combineStored, cookieConsent, decideConsent, requestIdentities, storedCollect, MAX_LOOKUP_IDENTITIES } from './consent-decision.js';
import type { GeneralConsent } from './consent.js';
import type { InteractRequest } from './interact.js';

const ORG = 'ABC123@AdobeOrg';
const req = (over: Partial<InteractRequest> = {}): InteractRequest => ({ events: [], identityFetch: [], stateEntries: [], cookiesEnabled: true, ...over });

describe('consent decision', () => {
  const table: Array<[cookie: 'in' | 'out' | undefined, stored: GeneralConsent | undefined, def: GeneralConsent, want: string]> = [
    ['out', 'in', 'in', 'out/cookie'],
    ['out', undefined, 'in', 'out/cookie'],
    [undefined, 'out', 'in', 'out/stored'],
    ['in', 'out', 'in', 'out/stored'],
    [undefined, 'in', 'out', 'in/stored'],
    ['in', undefined, 'out', 'in/cookie'],
    ['in', 'pending', 'out', 'in/cookie'],
    [undefined, 'pending', 'in', 'in/default'],
    [undefined, undefined, 'pending', 'pending/default'],
    [undefined, undefined, 'out', 'out/default'],
  ];
  for (const [cookie, stored, def, want] of table)
    it(`cookie ${cookie ?? '-'}, stored ${stored ?? '-'}, default ${def} → ${want}`, () => {
      const d = decideConsent(cookie, stored, def);
      assert.equal(`${d.consent}/${d.reason}`, want);
    });

  it('several identities: any opt-out refuses, else any opt-in', () => {
    assert.equal(combineStored(['in', undefined, 'out']), 'out');
    assert.equal(combineStored([undefined, 'in', 'pending']), 'in');
    assert.equal(combineStored([undefined, 'pending']), 'pending');
    assert.equal(combineStored([]), undefined);
  });

  it('stored XDM consents', () => {
    const cases: Array<[unknown, GeneralConsent | undefined]> = [
      [{ collect: { val: 'n' } }, 'out'], [{ collect: { val: 'y' } }, 'in'], [{ collect: { val: 'VI' } }, 'in'], [{ collect: { val: 'p' } }, 'pending'], [{ marketing: {} }, undefined], [undefined, undefined],
    ];
    for (const [c, want] of cases) assert.equal(storedCollect(c), want, JSON.stringify(c));
  });

  it('the consent cookie, from state entries first, then the Cookie header', () => {
    const name = 'kndctr_ABC123_AdobeOrg_consent';
    assert.equal(cookieConsent(ORG, [{ key: name, value: 'general=out' }], `${name}=general=in`), 'out');
    assert.equal(cookieConsent(ORG, [], `a=1; ${name}=general=in`), 'in');
    assert.equal(cookieConsent(ORG, [], undefined), undefined);
  });

  it('the identities of a request: the ECID first, then identityMap entries once each', () => {
    const r = req({
      identityMap: { Email: [{ id: 'a@x.com' }] },
      events: [{ xdm: { identityMap: { Email: [{ id: 'a@x.com' }], CRMID: [{ id: 'c1' }], ECID: [{ id: '111' }] } } }],
    });
    assert.deepEqual(requestIdentities(r, '111'), [{ namespace: 'ECID', id: '111' }, { namespace: 'Email', id: 'a@x.com' }, { namespace: 'CRMID', id: 'c1' }]);
  });

  describe('invalid input', () => {
    it('identityMap entries that are not identities are skipped', () => {
      const r = req({ identityMap: { Email: 'x' as never, Phone: [null as never, { id: 5 } as never, { id: '' }] }, events: [{ xdm: { identityMap: 7 } }] });
      assert.deepEqual(requestIdentities(r, '1'), [{ namespace: 'ECID', id: '1' }]);
    });
    it('a request naming many identities is looked up for the first few only', () => {
      const many = Array.from({ length: 50 }, (_, i) => ({ id: `u${i}@x.com` }));
      assert.equal(requestIdentities(req({ identityMap: { Email: many } }), '1').length, MAX_LOOKUP_IDENTITIES);
    });
    it('a consent cookie with another value decides nothing', () => {
      assert.equal(cookieConsent(ORG, [{ key: 'kndctr_ABC123_AdobeOrg_consent', value: 'garbage' }], undefined), undefined);
    });
  });
});
