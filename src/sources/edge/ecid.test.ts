import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isEcid, mintEcid } from './ecid.js';
import { encodeIdentityCookie } from './identity-cookie.js';
import { parseInteract, resolveEcid } from './interact.js';
import { checkIdentityValue } from '../../ingest/validation/identity-values.js';

const bytesOf = (seq: number[][]) => {
  let i = 0;
  return (n: number) => {
    const b = Buffer.from(seq[i++ % seq.length]!);
    assert.equal(b.length, n);
    return b;
  };
};

describe('mintEcid', () => {
  it('every minted ECID is one AEP accepts (38 digits, both 19-digit halves within a signed 64-bit long)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), (a, b) => {
        const e = mintEcid(bytesOf([[...a], [...b], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]));
        return checkIdentityValue('ECID', e) === undefined && e[0] !== '0' && isEcid(e);
      }),
      { numRuns: 500 },
    );
      for (let i = 0; i < 200; i++) assert.equal(checkIdentityValue('ECID', mintEcid()), undefined);
  });
  it('the extremes: all-ones bytes give 2^63-1 halves; a small first half is drawn again', () => {
    assert.equal(mintEcid(bytesOf([[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]])), '9223372036854775807' + '9223372036854775807');
    const small = [0, 0, 0, 0, 0, 0, 0, 1];
    assert.equal(mintEcid(bytesOf([small, [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], small])), '9223372036854775807' + '0000000000000000001');
  });

  describe('invalid input', () => {
    it('an identity cookie holding an ECID AEP rejects (older Kith minted some) gets a new ECID', () => {
      const ORG = 'ABC123@AdobeOrg';
      const bad = '9223372036854775808' + '0000000000000000001';
      const r = parseInteract({ events: [{ xdm: { eventType: 'web.webpagedetails.pageViews' } }], meta: { state: { entries: [{ key: 'kndctr_ABC123_AdobeOrg_identity', value: encodeIdentityCookie(bad) }] } } });
      assert.ok(r.ok);
      if (!r.ok) return;
      const minted = '1111111111111111111' + '2222222222222222222';
      assert.deepEqual(resolveEcid(r.value, { orgId: ORG, mint: () => minted }), { ecid: minted, source: 'minted' });
      assert.deepEqual(resolveEcid(r.value, { orgId: ORG, cookieHeader: `kndctr_ABC123_AdobeOrg_identity=${encodeIdentityCookie(bad)}`, mint: () => minted }), { ecid: minted, source: 'minted' });
    });
    const notEcids: unknown[] = ['123', '9223372036854775808' + '0000000000000000001', 'x'.repeat(38), 38, null];
    for (const v of notEcids) it(`isEcid(${JSON.stringify(v)}) is false`, () => assert.equal(isEcid(v), false));
  });
});
