import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { FIXTURES_DIR } from '../shopify/testing/fixtures.js';
import { isEcid, mintEcid } from './ecid.js';
import { decodeIdentityCookie, decodeProto, encodeIdentityCookie, identityCookieName, parseCookieHeader } from './identity-cookie.js';
import { parseInteract, resolveEcid } from './interact.js';
import { mapInteractEvents, UNSPECIFIED_EVENT_TYPE } from './map-event.js';
import { buildInteractResponse, parseEdgeQuery } from './response.js';
import { consentAllowsCollection, consentProfileRecord, parseConsent, parseSetConsent } from './consent.js';
import { corsHeaders, corsPreflightHeaders } from './cors.js';

const ORG = 'ABC123@AdobeOrg';
const capture = JSON.parse(readFileSync(join(FIXTURES_DIR, 'captured/alloy-2.33.1-interact-requests.json'), 'utf8')) as { requests: Array<{ url: string; body: unknown }> };
const [first, second] = capture.requests;
const ALLOY_COOKIE = 'CiYxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OFIQCJf-x2sQARoGVkE2fDExIAA=';

describe('ECID and identity cookie', () => {
  it('mints 38 random decimal digits', () => {
    const a = mintEcid();
    assert.ok(isEcid(a));
    assert.notEqual(a[0], '0');
    assert.notEqual(mintEcid(), a);
  });
  it('cookie name replaces @ with _', () => assert.equal(identityCookieName(ORG), 'kndctr_ABC123_AdobeOrg_identity'));
  it('decodes the cookie captured from alloy (field 1 = ECID, extra field 10 skipped)', () => {
    assert.equal(decodeIdentityCookie(ALLOY_COOKIE), '12345678901234567890123456789012345678');
    const bytes = Buffer.from(ALLOY_COOKIE.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    assert.throws(() => decodeProto(bytes)); // a stray 0x00 follows field 10
    assert.deepEqual(decodeProto(bytes, true).map((f) => [f.field, f.wireType]), [[1, 2], [10, 2]]);
  });
  it('round-trips any minted ECID; encodes field 1 exactly as Adobe does', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), () => {
      const e = mintEcid();
      return decodeIdentityCookie(encodeIdentityCookie(e)) === e;
    }), { numRuns: 200 });
    const b64 = (v: string) => Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    const ours = b64(encodeIdentityCookie('12345678901234567890123456789012345678'));
    assert.deepEqual(b64(ALLOY_COOKIE).subarray(0, ours.length), ours);
    assert.equal(decodeIdentityCookie(encodeURIComponent(encodeIdentityCookie('98765432109876543210987654321098765432'))), '98765432109876543210987654321098765432');
    assert.equal(decodeIdentityCookie(encodeIdentityCookie('98765432109876543210987654321098765432').replace(/=+$/, '')), '98765432109876543210987654321098765432');
  });
  it('cookie header parsing', () => assert.deepEqual(parseCookieHeader('a=1; kndctr_X_identity=abc==; b=2'), { a: '1', kndctr_X_identity: 'abc==', b: '2' }));
});

describe('captured alloy 2.33.1 interact requests', () => {
  it('query string: configId and requestId', () => {
    assert.deepEqual(parseEdgeQuery(new URL(first!.url, 'http://x').searchParams), { configId: '11111111-2222-3333-4444-555555555555', requestId: '62f52770-6d80-4a76-ad71-8357b5fa12aa' });
  });
  it('first call: no cookie → mint; event keeps Email primary, ECID added non-primary and linked', () => {
    const r = parseInteract(first!.body);
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual(r.value.identityFetch, ['ECID']);
    assert.deepEqual(r.value.stateEntries, []);
    assert.equal(r.value.events[0]!.data!.custom && (r.value.events[0]!.data!.custom as Record<string, unknown>).foo, 'bar');
    const { ecid, source } = resolveEcid(r.value, { orgId: ORG, mint: () => '11111111111111111111111111111111111111' });
    assert.deepEqual([ecid, source], ['11111111111111111111111111111111111111', 'minted']);
    const out = mapInteractEvents(r.value, { ecid, requestId: '62f52770-6d80-4a76-ad71-8357b5fa12aa', receivedAt: 0 });
    const ev = out.events[0]!;
    assert.equal(ev.eventType, 'web.webpagedetails.pageViews');
    assert.equal(ev.timestamp, '2026-11-23T04:22:38.335Z');
    assert.deepEqual(ev.identityMap, {
      Email: [{ authenticatedState: 'authenticated', id: 'jdoe@testprofile.com', primary: true }],
      ECID: [{ id: ecid, primary: false, authenticatedState: 'ambiguous' }],
    });
    assert.match(ev._id, /^[0-9a-f-]{36}$/);
    assert.equal(mapInteractEvents(r.value, { ecid, requestId: '62f52770-6d80-4a76-ad71-8357b5fa12aa', receivedAt: 1 }).events[0]!._id, ev._id); // retried request → same _id
    assert.deepEqual((ev.web as Record<string, unknown>).webPageDetails, { URL: 'http://localhost:8787/page.html', name: 'home' });
    assert.deepEqual(out.identityLinks, [[{ namespace: 'Email', id: 'jdoe@testprofile.com' }, { namespace: 'ECID', id: ecid }]]);
    const resp = buildInteractResponse({ requestId: '62f52770-6d80-4a76-ad71-8357b5fa12aa', ecid, orgId: ORG });
    assert.deepEqual(resp, {
      requestId: '62f52770-6d80-4a76-ad71-8357b5fa12aa',
      handle: [
        { type: 'identity:result', payload: [{ id: ecid, namespace: { code: 'ECID' } }] },
        { type: 'state:store', payload: [{ key: 'kndctr_ABC123_AdobeOrg_identity', value: encodeIdentityCookie(ecid), maxAge: 34128000, attrs: { SameSite: 'None' } }] },
        { type: 'locationHint:result', payload: [{ scope: 'EdgeNetwork', hint: 'kith', ttlSeconds: 1800 }] },
      ],
    });
  });
  it('second call: the state entry cookie is decoded; the anonymous productViews gets ECID as primary', () => {
    const r = parseInteract(second!.body);
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual(resolveEcid(r.value, { orgId: ORG }), { ecid: '12345678901234567890123456789012345678', source: 'state' });
    const out = mapInteractEvents(r.value, { ecid: '12345678901234567890123456789012345678', requestId: '4ebc15c7-1be4-49de-8933-258967e43939', receivedAt: 0 });
    const ev = out.events[0]!;
    assert.equal(ev.eventType, 'commerce.productViews');
    assert.deepEqual(ev.identityMap, { ECID: [{ id: '12345678901234567890123456789012345678', primary: true, authenticatedState: 'ambiguous' }] });
    assert.deepEqual(ev.productListItems, [{ SKU: 'SKU-1', quantity: 1, priceTotal: 9.99 }]);
    assert.deepEqual(out.identityLinks, []);
  });
  it('first-party edge domain: ECID from the Cookie header', () => {
    const r = parseInteract({ events: [{ xdm: { eventType: 'x' } }] });
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(resolveEcid(r.value, { orgId: ORG, cookieHeader: `other=1; kndctr_ABC123_AdobeOrg_identity=${ALLOY_COOKIE}` }), { ecid: '12345678901234567890123456789012345678', source: 'cookie' });
  });
  it('server API v2 body {event:{xdm,data}} with identityMap.ECID', () => {
    const r = parseInteract({ event: { xdm: { eventType: 'commerce.purchases', _id: 'given', identityMap: { ECID: [{ id: '12345678901234567890123456789012345678' }] } }, data: { a: 1 } } });
    assert.ok(r.ok);
    if (!r.ok) return;
    const { ecid, source } = resolveEcid(r.value, { orgId: ORG });
    assert.equal(source, 'identityMap');
    const ev = mapInteractEvents(r.value, { ecid, requestId: 'r', receivedAt: Date.UTC(2026, 0, 1) }).events[0]!;
    assert.equal(ev._id, 'given');
    assert.equal(ev.timestamp, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(ev.identityMap, { ECID: [{ id: '12345678901234567890123456789012345678' }] });
  });
  it('an event without eventType gets the documented placeholder', () => {
    const r = parseInteract({ events: [{ xdm: {} }] });
    assert.ok(r.ok);
    if (r.ok) assert.equal(mapInteractEvents(r.value, { ecid: mintEcid(), requestId: 'r', receivedAt: 0 }).events[0]!.eventType, UNSPECIFIED_EVENT_TYPE);
  });
});

describe('consent', () => {
  const table: Array<[string, unknown, string, Record<string, unknown>]> = [
    ['Adobe 1.0 in', [{ standard: 'Adobe', version: '1.0', value: { general: 'in' } }], 'in', { collect: { val: 'y' } }],
    ['Adobe 1.0 out', [{ standard: 'Adobe', version: '1.0', value: { general: 'out' } }], 'out', { collect: { val: 'n' } }],
    ['Adobe 2.0 collect y', [{ standard: 'Adobe', version: '2.0', value: { collect: { val: 'y' }, marketing: { email: { val: 'n' } } } }], 'in', { collect: { val: 'y' }, marketing: { email: { val: 'n' } } }],
    ['Adobe 2.0 collect n', [{ standard: 'Adobe', version: '2.0', value: { collect: { val: 'n' } } }], 'out', { collect: { val: 'n' } }],
  ];
  for (const [name, entries, general, consents] of table) {
    it(name, () => {
      const r = parseConsent(entries, Date.UTC(2026, 0, 1));
      assert.ok(r.ok);
      if (!r.ok) return;
      assert.equal(r.value.general, general);
      assert.deepEqual(r.value.consents, { ...consents, metadata: { time: '2026-01-01T00:00:00.000Z' } });
    });
  }
  it('IAB TCF string → consentStrings', () => {
    const r = parseConsent([{ standard: 'IAB TCF', version: '2.0', value: 'CO052l-O052l-DGAMBFRACBgAIBAAAAAAIYgEawAQEagAAAA', gdprApplies: true }], 0);
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.value.consentStrings, [{ consentStandard: 'IAB TCF', consentStandardVersion: '2.0', consentStringValue: 'CO052l-O052l-DGAMBFRACBgAIBAAAAAAIYgEawAQEagAAAA', gdprApplies: true }]);
  });
  it('set-consent body → profile record with consents, consent cookie in the response, honoured afterwards', () => {
    const body = { consent: [{ standard: 'Adobe', version: '1.0', value: { general: 'out' } }], identityMap: { Email: [{ id: 'a@b.c' }] }, meta: { state: { entries: [{ key: 'kndctr_ABC123_AdobeOrg_identity', value: ALLOY_COOKIE }] } } };
    const r = parseSetConsent(body, Date.UTC(2026, 0, 1));
    assert.ok(r.ok);
    if (!r.ok) return;
    const ecid = decodeIdentityCookie(r.value.stateEntries[0]!.value)!;
    const rec = consentProfileRecord(r.value.consent, { ...r.value.identityMap, ECID: [{ id: ecid, primary: true }] });
    assert.deepEqual(rec, { identityMap: { Email: [{ id: 'a@b.c' }], ECID: [{ id: ecid, primary: true }] }, consents: { collect: { val: 'n' }, metadata: { time: '2026-01-01T00:00:00.000Z' } } });
    const resp = buildInteractResponse({ requestId: 'r', ecid, orgId: ORG, consent: r.value.consent.general });
    assert.deepEqual(resp.handle[1]!.payload[1], { key: 'kndctr_ABC123_AdobeOrg_consent', value: 'general=out', maxAge: 15552000, attrs: { SameSite: 'None' } });
    assert.equal(consentAllowsCollection(rec.consents), false);
  });
  const honour: Array<[unknown, 'in' | 'out' | 'pending', boolean]> = [
    [undefined, 'in', true],
    [undefined, 'pending', false],
    [{ collect: { val: 'y' } }, 'pending', true],
    [{ collect: { val: 'n' } }, 'in', false],
    [{ collect: { val: 'p' } }, 'in', true],
  ];
  for (const [stored, def, want] of honour) it(`collect allowed for ${JSON.stringify(stored)} default ${def} → ${want}`, () => assert.equal(consentAllowsCollection(stored, def), want));
});

describe('CORS', () => {
  it('echoes the exact Origin with credentials, never *', () => {
    assert.deepEqual(corsHeaders('http://localhost:8787'), { 'Access-Control-Allow-Origin': 'http://localhost:8787', 'Access-Control-Allow-Credentials': 'true', 'Access-Control-Expose-Headers': 'x-request-id, x-adobe-edge', Vary: 'Origin' });
    assert.deepEqual(corsHeaders(undefined), {});
    assert.deepEqual(corsHeaders('*'), {});
    assert.deepEqual(corsHeaders('https://evil.example', ['https://shop.example']), {});
    const pre = corsPreflightHeaders('https://shop.example', 'content-type, authorization');
    assert.equal(pre['Access-Control-Allow-Headers'], 'content-type, authorization');
    assert.equal(pre['Access-Control-Allow-Origin'], 'https://shop.example');
  });
});

describe('invalid input', () => {
  const bad: Array<[string, unknown]> = [['not an object', []], ['events not an array', { events: {} }], ['event not an object', { events: [1] }], ['xdm not an object', { events: [{ xdm: 'x' }] }]];
  for (const [name, body] of bad) {
    it(`interact: ${name} → 400 EXEG-0003`, () => {
      const r = parseInteract(body);
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual([r.error.status, r.error.body.type], [400, 'https://ns.adobe.com/aep/errors/EXEG-0003-400']);
    });
  }
  const badConsent: Array<[string, unknown]> = [['missing', undefined], ['empty', []], ['bad 1.0 value', [{ standard: 'Adobe', version: '1.0', value: { general: 'maybe' } }]], ['unknown standard', [{ standard: 'X', version: '1' }]]];
  for (const [name, c] of badConsent) it(`consent: ${name} → 400`, () => assert.equal(parseConsent(c, 0).ok, false));
  const badCookies = ['', 'not base64!!', Buffer.from([0x0a, 0x05, 0x31]).toString('base64'), encodeIdentityCookie('not-digits'), Buffer.from([0x08, 0x01]).toString('base64')];
  for (const c of badCookies) it(`cookie ${JSON.stringify(c)} → undefined`, () => assert.equal(decodeIdentityCookie(c), undefined));
  it('an undecodable state entry falls back to minting', () => {
    const r = parseInteract({ events: [], meta: { state: { entries: [{ key: 'kndctr_ABC123_AdobeOrg_identity', value: 'garbage' }] } } });
    assert.ok(r.ok);
    if (r.ok) assert.equal(resolveEcid(r.value, { orgId: ORG }).source, 'minted');
  });
});
