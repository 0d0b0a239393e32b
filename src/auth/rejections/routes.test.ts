import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../testing/test-kith.js';

const URL = '/data/foundation/kith/gateway/rejections';

describe('Gateway rejections: every refused request is kept, by org, client id and reason', () => {
  let k: TestKith;
  let revoked: { apiKey: string; token: string; id: string };
  const get = (url: string, headers: Record<string, string>) => k.app.inject({ method: 'GET', url, headers });
  const rows = async () => {
    const r = await get(URL, k.headers());
    assert.equal(r.statusCode, 200, r.body);
    return (JSON.parse(r.body) as { rejections: Array<Record<string, unknown>> }).rejections;
  };
  before(async () => {
    k = await startTestKith();
    const c = await k.app.inject({ method: 'POST', url: '/data/foundation/kith/credentials', headers: { ...k.headers(), 'content-type': 'application/json' }, payload: { name: 'commerce connector' } });
    const made = JSON.parse(c.body) as { id: string; apiKey: string; clientSecret: string };
    const t = await k.app.inject({ method: 'POST', url: '/ims/token/v3', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `grant_type=client_credentials&client_id=${made.apiKey}&client_secret=${made.clientSecret}` });
    revoked = { apiKey: made.apiKey, token: (JSON.parse(t.body) as { access_token: string }).access_token, id: made.id };
    assert.equal((await k.app.inject({ method: 'DELETE', url: `/data/foundation/kith/credentials/${made.id}`, headers: k.headers() })).statusCode, 204);
  });
  after(() => k.stop());

  const cases: Array<[string, () => Record<string, string>, number, string, string, RegExp]> = [
    ['a revoked API key (AEP 403003)', () => k.headers({ 'x-api-key': revoked.apiKey }), 403, 'revokedApiKey', '403003', /commerce connector.*revoked/],
    ['an unknown API key', () => k.headers({ 'x-api-key': 'kith_ak_madeup000' }), 403, 'invalidApiKey', '403003', /unknown API key/],
    ['a token of a revoked credential', () => k.headers({ authorization: `Bearer ${revoked.token}` }), 401, 'revokedToken', '401013', /credential .* was revoked/],
    ['an unknown token', () => k.headers({ authorization: 'Bearer nope' }), 401, 'invalidToken', '401013', /unknown access token/],
    ['no token', () => { const h = k.headers(); delete h.authorization; return h; }, 403, 'missingToken', '403010', /no Authorization/],
    ['another org named in x-gw-ims-org-id', () => k.headers({ 'x-gw-ims-org-id': 'OTHER@AdobeOrg' }), 403, 'wrongOrg', '403025', /names OTHER@AdobeOrg/],
    ['a sandbox that does not exist', () => k.headers({ 'x-sandbox-name': 'stage' }), 403, 'unknownSandbox', '403027', /no sandbox "stage"/],
  ];
  for (const [what, headers, status, reason, code, detail] of cases)
    it(`${what}: refused with ${status} and recorded as ${reason}`, async () => {
      const h = headers();
      assert.equal((await get('/data/foundation/catalog/dataSets', h)).statusCode, status);
      assert.equal((await get('/data/foundation/catalog/dataSets', h)).statusCode, status);
      const row = (await rows()).find((r) => r.reason === reason);
      assert.ok(row, `a ${reason} row`);
      assert.equal(row.count, 2);
      assert.equal(row.errorCode, code);
      assert.match(String(row.detail), detail);
      assert.equal(row.clientId, (h['x-api-key'] ?? '').slice(0, 12), 'only the first characters of the client id');
      assert.ok(!JSON.stringify(row).includes(k.local.apiKey), 'never the whole key');
    });

  it('an authenticated streaming inlet refusing a token is recorded too (the inlet\'s org)', async () => {
    const c = await k.app.inject({
      method: 'POST',
      url: '/data/foundation/flowservice/connections',
      headers: { ...k.headers(), 'content-type': 'application/json' },
      payload: { name: 'secured', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { dataType: 'xdm', authenticationRequired: true } } },
    });
    const id = (JSON.parse(c.body) as { id: string }).id;
    const inletId = (JSON.parse((await get(`/data/foundation/flowservice/connections/${id}`, k.headers())).body) as any).items[0].auth.params.inletId as string;
    const post = (auth?: string) => k.app.inject({ method: 'POST', url: `/collection/${inletId}`, headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, payload: '{}' });
    assert.equal((await post(`Bearer ${revoked.token}`)).statusCode, 403);
    assert.equal((await post()).statusCode, 401);
    const mine = (await rows()).filter((r) => String(r.detail).includes(inletId));
    assert.deepEqual(mine.map((r) => [r.reason, r.count]).sort(), [['invalidToken', 1], ['missingToken', 1]]);
  });

  it('another org does not see this org\'s rejections', async () => {
    assert.ok((await rows()).every((r) => r.reason !== undefined));
    // the wrong-org request is kept under the org of its token and key, not under the org it named
    const other = await k.app.inject({ method: 'GET', url: URL, headers: k.headers({ 'x-gw-ims-org-id': 'OTHER@AdobeOrg' }) });
    assert.equal(other.statusCode, 403);
  });

  describe('invalid input', () => {
    const bad: Array<[string, string]> = [
      ['a negative since', `${URL}?since=-1`],
      ['a limit of 0', `${URL}?limit=0`],
      ['a limit over 1000', `${URL}?limit=1001`],
      ['a since that is not a number', `${URL}?since=yesterday`],
    ];
    for (const [what, url] of bad)
      it(`${what}: 400`, async () => {
        const r = await get(url, k.headers());
        assert.equal(r.statusCode, 400, r.body);
      });
  });
});
