import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';

describe('gateway', () => {
  let k: TestKith;
  before(async () => {
    k = await startTestKith();
  });
  after(async () => {
    await k.stop();
  });
  const url = '/data/foundation/sandbox-management/sandboxes';
  const get = (headers: Record<string, string>, path = url) => k.app.inject({ method: 'GET', url: path, headers });

  it('accepts the bootstrap credential and sets a request id on every response', async () => {
    const r = await get(k.headers());
    assert.equal(r.statusCode, 200);
    assert.ok(r.headers['x-request-id']);
    const r2 = await get(k.headers({ 'x-request-id': 'abc-123' }));
    assert.equal(r2.headers['x-request-id'], 'abc-123');
  });

  describe('invalid input: missing or wrong headers get AEP gateway bodies', () => {
    const cases: Array<[string, (h: Record<string, string>) => void, number, object]> = [
      ['missing Authorization', (h) => delete h.authorization, 403, { error_code: '403010', message: 'Oauth token is missing.' }],
      ['invalid token', (h) => (h.authorization = 'Bearer nope'), 401, { error_code: '401013', message: 'Oauth token is not valid' }],
      ['non-bearer scheme', (h) => (h.authorization = 'Basic abc'), 401, { error_code: '401013', message: 'Oauth token is not valid' }],
      ['missing x-api-key', (h) => delete h['x-api-key'], 403, { error_code: '403000', message: 'Api Key is required' }],
      ['invalid x-api-key', (h) => (h['x-api-key'] = 'nope'), 403, { error_code: '403003', message: 'Api Key is invalid' }],
      ['missing org', (h) => delete h['x-gw-ims-org-id'], 400, { error_code: '400003', message: 'Missing header' }],
      ['wrong org', (h) => (h['x-gw-ims-org-id'] = 'OTHER@AdobeOrg'), 403, { error_code: '403025', message: 'Profile is not valid' }],
    ];
    for (const [name, mutate, status, body] of cases) {
      it(name, async () => {
        const h = k.headers();
        mutate(h);
        const r = await get(h);
        assert.equal(r.statusCode, status);
        assert.deepEqual(r.json(), body);
      });
    }
    it('missing x-sandbox-name on a sandboxed API', async () => {
      const h = k.headers();
      delete h['x-sandbox-name'];
      const r = await get(h, '/data/foundation/kith/nonexistent-sandboxed');
      assert.equal(r.statusCode, 404, 'unknown routes are 404 before auth');
    });
    it('revoked token stops working', async () => {
      const cred = await k.credentials.createCredential(k.local.orgId, 't');
      const tok = await k.credentials.issueToken(cred.credential);
      const h = { ...k.headers(), authorization: `Bearer ${tok}`, 'x-api-key': cred.apiKey };
      assert.equal((await get(h)).statusCode, 200);
      assert.equal(await k.credentials.revokeToken(tok), true);
      assert.equal((await get(h)).statusCode, 401);
    });
    it('revoked credential stops its api key', async () => {
      const cred = await k.credentials.createCredential(k.local.orgId, 't2');
      const h = { ...k.headers(), 'x-api-key': cred.apiKey };
      assert.equal((await get(h)).statusCode, 200);
      await k.credentials.revokeCredential(k.local.orgId, cred.credential.id);
      assert.deepEqual((await get(h)).json(), { error_code: '403003', message: 'Api Key is invalid' });
    });
    it('unknown routes get a problem body, not a stack', async () => {
      const r = await k.app.inject({ method: 'GET', url: '/nope' });
      assert.equal(r.statusCode, 404);
      assert.equal(r.json().status, 404);
    });
  });

  describe('IMS token endpoint', () => {
    it('issues a working short-lived token for client credentials', async () => {
      const cred = await k.credentials.createCredential(k.local.orgId, 'ims');
      const r = await k.app.inject({
        method: 'POST',
        url: '/ims/token/v3',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials&client_id=${cred.apiKey}&client_secret=${cred.clientSecret}&scope=openid`,
      });
      assert.equal(r.statusCode, 200);
      const body = r.json();
      assert.equal(body.token_type, 'bearer');
      assert.equal(body.expires_in, 86400);
      const ok = await get({ ...k.headers(), authorization: `Bearer ${body.access_token}`, 'x-api-key': cred.apiKey });
      assert.equal(ok.statusCode, 200);
    });
    const bad: Array<[string, string, number, string]> = [
      ['wrong grant', 'grant_type=password&client_id=a&client_secret=b', 400, 'unsupported_grant_type'],
      ['missing secret', 'grant_type=client_credentials&client_id=a', 400, 'invalid_request'],
      ['wrong secret', 'grant_type=client_credentials&client_id=a&client_secret=b', 401, 'invalid_client'],
    ];
    for (const [name, payload, status, error] of bad) {
      it(`rejects ${name}`, async () => {
        const r = await k.app.inject({ method: 'POST', url: '/ims/token/v3', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
        assert.equal(r.statusCode, status);
        assert.equal(r.json().error, error);
      });
    }
    // JSON bodies of the wrong types used to reach the credential lookup and answer 500
    const badJson: Array<[string, unknown, RegExp]> = [
      ['client_id a number', { grant_type: 'client_credentials', client_id: 1, client_secret: 'b' }, /body\.client_id must be string/],
      ['client_secret an object', { grant_type: 'client_credentials', client_id: 'a', client_secret: {} }, /body\.client_secret must be string/],
      ['client_id an array', { grant_type: 'client_credentials', client_id: ['a'], client_secret: 'b' }, /body\.client_id must be string/],
    ];
    for (const [name, payload, detail] of badJson) {
      it(`rejects a JSON body with ${name} (400 invalid_request, not 500)`, async () => {
        const r = await k.app.inject({ method: 'POST', url: '/ims/token/v3', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
        assert.equal(r.statusCode, 400, r.body);
        assert.equal(r.json().error, 'invalid_request');
        assert.match(r.json().error_description, detail);
      });
    }
  });

  describe('credentials admin API', () => {
    it('creates, lists and revokes credentials', async () => {
      const c = await k.app.inject({ method: 'POST', url: '/data/foundation/kith/credentials', headers: k.headers(), payload: { name: 'ci' } });
      assert.equal(c.statusCode, 201);
      const { id, apiKey } = c.json();
      assert.match(apiKey, /^kith_ak_/);
      const list = (await get(k.headers(), '/data/foundation/kith/credentials')).json();
      assert.ok(list.credentials.some((x: { id: string }) => x.id === id));
      assert.ok(!JSON.stringify(list).includes(apiKey), 'keys are never listed');
      const d = await k.app.inject({ method: 'DELETE', url: `/data/foundation/kith/credentials/${id}`, headers: k.headers() });
      assert.equal(d.statusCode, 204);
    });
  });
});
