import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform } from '../helpers/platform.js';
import { EDGE_DATASTREAM_SPEC } from '../../src/sources/http/edge-routes.js';

const CAPTURED = JSON.parse(readFileSync(new URL('../fixtures/captured/alloy-2.33.1-interact-requests.json', import.meta.url), 'utf8')) as {
  requests: Array<{ body: Record<string, any> }>;
};

describe('Edge Network endpoint for the Web SDK', () => {
  let k: TestKith;
  let p: Platform;
  let configId = '';
  let cookieName = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const c = await p.call('POST', '/data/foundation/flowservice/connections', { name: 'web datastream', connectionSpec: { id: EDGE_DATASTREAM_SPEC, version: '1.0' }, auth: { params: {} } });
    assert.equal(c.status, 201, c.body);
    configId = (await p.call('GET', `/data/foundation/flowservice/connections/${c.json.id}`)).json.items[0].auth.params.datastreamId;
    cookieName = `kndctr_${k.local.orgId.replace('@', '_')}_identity`;
  });
  after(() => k.stop());

  const interact = (body: unknown, headers: Record<string, string> = {}, path = '/ee/v1/interact') =>
    k.app.inject({ method: 'POST', url: `${path}?configId=${configId}&requestId=r-${Math.random()}`, headers: { 'content-type': 'text/plain; charset=UTF-8', origin: 'https://shop.example', ...headers }, payload: JSON.stringify(body) });

  let ecid = '';
  let cookieValue = '';
  it('mints an ECID on the first call and returns identity:result and state:store, with CORS for the exact origin', async () => {
    const r = await interact(CAPTURED.requests[0]!.body);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers['access-control-allow-origin'], 'https://shop.example');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    const body = r.json();
    assert.ok(Array.isArray(body.handle));
    const idr = body.handle.find((h: { type: string }) => h.type === 'identity:result');
    ecid = idr.payload[0].id;
    assert.match(ecid, /^\d{38}$/);
    assert.equal(idr.payload[0].namespace.code, 'ECID');
    const store = body.handle.find((h: { type: string }) => h.type === 'state:store').payload.find((s: { key: string }) => s.key === cookieName);
    assert.ok(store.maxAge > 0);
    cookieValue = store.value;
  });

  it('recognises the returning device from meta.state.entries and from the Cookie header', async () => {
    const second = structuredClone(CAPTURED.requests[1]!.body);
    second.meta = { ...(second.meta ?? {}), state: { ...(second.meta?.state ?? {}), entries: [{ key: cookieName, value: cookieValue }] } };
    const a = await interact(second);
    assert.equal(a.json().handle.find((h: { type: string }) => h.type === 'identity:result').payload[0].id, ecid);
    const b = await interact(CAPTURED.requests[0]!.body, { cookie: `${cookieName}=${cookieValue}` }, '/ee/kith/v1/interact');
    assert.equal(b.json().handle.find((h: { type: string }) => h.type === 'identity:result').payload[0].id, ecid, 'location-hint path works too');
  });

  it('lands the events with the ECID and the caller identities', async () => {
    await k.processor.drain();
    const sets = await p.call('GET', '/data/foundation/catalog/dataSets');
    const ev = Object.values(sets.json).find((d: any) => d.name === 'Web SDK Events') as { tags: Record<string, string[]> };
    const rows = (await k.queryLake(`SELECT record FROM ${ev.tags['adobe/pqs/table']![0]}`)).map((r) => JSON.parse(String(r.record)));
    const page = rows.find((r) => r.eventType === 'web.webpagedetails.pageViews' && r.identityMap.Email);
    assert.ok(page, JSON.stringify(rows.map((r) => r.eventType)));
    assert.equal(page.identityMap.ECID[0].id, ecid);
    assert.equal(page.identityMap.Email[0].id, 'jdoe@testprofile.com');
    assert.deepEqual((await p.call('GET', '/data/foundation/kith/failed-records')).json.records.map((r: { reason: string }) => r.reason), []);
  });

  it('stores consent on the profile and honours an opt-out', async () => {
    const r = await k.app.inject({
      method: 'POST',
      url: `/ee/v1/privacy/set-consent?configId=${configId}`,
      headers: { 'content-type': 'text/plain', cookie: `${cookieName}=${cookieValue}` },
      payload: JSON.stringify({ consent: [{ standard: 'Adobe', version: '1.0', value: { general: 'out' } }] }),
    });
    assert.equal(r.statusCode, 200, r.body);
    const consentCookie = r.json().handle.find((h: { type: string }) => h.type === 'state:store').payload.find((s: { key: string }) => s.key.endsWith('_consent'));
    assert.equal(consentCookie.value, 'general=out');
    await k.processor.drain();
    const sets = await p.call('GET', '/data/foundation/catalog/dataSets');
    const prof = Object.values(sets.json).find((d: any) => d.name === 'Web SDK Profiles') as { tags: Record<string, string[]> };
    const rows = (await k.queryLake(`SELECT record FROM ${prof.tags['adobe/pqs/table']![0]}`)).map((x) => JSON.parse(String(x.record)));
    assert.ok(rows.some((x) => x.consents?.collect?.val === 'n' && x.identityMap.ECID[0].id === ecid), JSON.stringify(rows));
    const before = (await k.queryLake(`SELECT count(*)::INTEGER AS n FROM ${(Object.values(sets.json).find((d: any) => d.name === 'Web SDK Events') as any).tags['adobe/pqs/table'][0]}`))[0]!.n;
    const out = await interact(CAPTURED.requests[0]!.body, { cookie: `${cookieName}=${cookieValue}; kndctr_${k.local.orgId.replace('@', '_')}_consent=general=out` });
    assert.equal(out.statusCode, 200);
    await k.processor.drain();
    const after = (await k.queryLake(`SELECT count(*)::INTEGER AS n FROM ${(Object.values(sets.json).find((d: any) => d.name === 'Web SDK Events') as any).tags['adobe/pqs/table'][0]}`))[0]!.n;
    assert.equal(after, before, 'no events are collected after an opt-out');
  });

  it('collect answers 204; the v2 server API takes a single event', async () => {
    const c = await interact(CAPTURED.requests[0]!.body, {}, '/ee/v1/collect');
    assert.equal(c.statusCode, 204);
    const v2 = await k.app.inject({
      method: 'POST',
      url: `/ee/v2/interact?dataStreamId=${configId}`,
      headers: { 'content-type': 'application/json' },
      payload: { event: { xdm: { eventType: 'commerce.productViews', timestamp: '2026-01-01T00:00:00Z', identityMap: { Email: [{ id: 'v2@example.com', primary: true }] } } } },
    });
    assert.equal(v2.statusCode, 200, v2.body);
  });

  describe('invalid input', () => {
    it('unknown datastream', async () => {
      const r = await k.app.inject({ method: 'POST', url: '/ee/v1/interact?configId=nope', headers: { 'content-type': 'text/plain' }, payload: '{"events":[]}' });
      assert.equal(r.statusCode, 400);
    });
    it('missing configId', async () => {
      const r = await k.app.inject({ method: 'POST', url: '/ee/v1/interact', headers: { 'content-type': 'text/plain' }, payload: '{"events":[]}' });
      assert.equal(r.statusCode, 400);
    });
    it('body that is not JSON', async () => assert.equal((await interact('x', {}, '/ee/v1/interact')).statusCode, 400));
    it('bad consent', async () => {
      const r = await k.app.inject({ method: 'POST', url: `/ee/v1/privacy/set-consent?configId=${configId}`, headers: { 'content-type': 'text/plain' }, payload: '{"consent":[{"standard":"Adobe","version":"1.0","value":{"general":"maybe"}}]}' });
      assert.equal(r.statusCode, 400);
    });
    it('preflight echoes the origin', async () => {
      const r = await k.app.inject({ method: 'OPTIONS', url: '/ee/v1/interact', headers: { origin: 'https://a.example', 'access-control-request-headers': 'content-type' } });
      assert.equal(r.statusCode, 204);
      assert.equal(r.headers['access-control-allow-origin'], 'https://a.example');
    });
  });
});
