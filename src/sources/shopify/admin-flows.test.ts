import '@shopify/shopify-api/adapters/node';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { shopifyApi, ApiVersion, LogSeverity } from '@shopify/shopify-api';
import { buildAuthorizeUrl, exchangeCode, oauthHmacMessage, verifyOAuthCallbackHmac } from './oauth.js';
import { registerWebhooks } from './webhook-registration.js';
import { reconcile } from './reconcile.js';
import { nextLink } from './admin-http.js';
import { FakeShopifyAdmin } from './testing/fake-admin-api.js';
import { fixtureBytes } from './testing/fixtures.js';

const CLIENT_ID = 'l6fiviermmzpram5i1spfub99shms3j9';
const SECRET = 'dajn3caxz9s7ti624ncyv_m4f60jnwi3ii3y3k';
const SHOP = 'connectors-test.myshopify.com';
const TOKEN = 'shpca_wjhifwfc91psjtldysxd6rqli371tx54';

describe('OAuth install flow', () => {
  it('authorize URL', () => {
    const r = buildAuthorizeUrl({ shop: SHOP, clientId: CLIENT_ID, scopes: ['read_orders', 'read_customers'], redirectUri: 'https://kith.example/sources/shopify/callback', state: 'n0nce' });
    assert.ok(r.ok);
    if (!r.ok) return;
    const u = new URL(r.value);
    assert.equal(u.origin + u.pathname, `https://${SHOP}/admin/oauth/authorize`);
    assert.deepEqual(Object.fromEntries(u.searchParams), { client_id: CLIENT_ID, scope: 'read_orders,read_customers', redirect_uri: 'https://kith.example/sources/shopify/callback', state: 'n0nce' });
    const local = buildAuthorizeUrl({ shop: SHOP, clientId: CLIENT_ID, scopes: [], redirectUri: 'http://x/cb', state: 's', baseUrl: 'http://127.0.0.1:9/' });
    assert.ok(local.ok && local.value.startsWith('http://127.0.0.1:9/admin/oauth/authorize?'));
  });

  it('callback HMAC agrees with @shopify/shopify-api utils.validateHmac', async () => {
    const shopify = shopifyApi({ apiKey: CLIENT_ID, apiSecretKey: SECRET, scopes: [], hostName: 'localhost', apiVersion: Object.values(ApiVersion)[0] as ApiVersion, isEmbeddedApp: false, logger: { level: LogSeverity.Error, log: async () => {} } });
    const timestamp = String(Math.floor(Date.now() / 1000)); // the oracle rejects stale timestamps
    const q: Record<string, string> = { code: 'k6j2palgrbljja228ou8c20fmn7w41gz', shop: SHOP, state: '123456', timestamp, host: 'YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvY29ubmVjdG9ycy10ZXN0' };
    q.hmac = createHmac('sha256', SECRET).update(oauthHmacMessage(q)).digest('hex');
    assert.equal(verifyOAuthCallbackHmac(q, SECRET), true);
    assert.equal(verifyOAuthCallbackHmac(new URLSearchParams(q), SECRET), true);
    assert.equal(await shopify.utils.validateHmac(q), true);
    const tampered = { ...q, shop: 'evil.myshopify.com' };
    assert.equal(verifyOAuthCallbackHmac(tampered, SECRET), false);
    assert.equal(await shopify.utils.validateHmac(tampered), false);
  });

  describe('against the fake admin API', () => {
    const fake = new FakeShopifyAdmin({ clientId: CLIENT_ID, clientSecret: SECRET, accessToken: TOKEN, codes: { 'code-1': { accessToken: TOKEN, scope: 'read_orders,read_customers' } } });
    before(() => fake.start());
    after(() => fake.stop());

    it('exchanges the code once', async () => {
      const r = await exchangeCode({ shop: SHOP, clientId: CLIENT_ID, clientSecret: SECRET, code: 'code-1', baseUrl: fake.baseUrl });
      assert.deepEqual(r, { ok: true, value: { accessToken: TOKEN, scopes: ['read_orders', 'read_customers'] } });
      const again = await exchangeCode({ shop: SHOP, clientId: CLIENT_ID, clientSecret: SECRET, code: 'code-1', baseUrl: fake.baseUrl });
      assert.equal(again.ok, false);
      if (!again.ok) assert.equal(again.error.body.upstreamStatus, 400);
      const sent = JSON.parse(fake.requests[0]!.body) as Record<string, string>;
      assert.deepEqual(sent, { client_id: CLIENT_ID, client_secret: SECRET, code: 'code-1' });
    });

    it('registers webhooks idempotently with exact ids', async () => {
      const params = { shop: SHOP, accessToken: TOKEN, address: 'https://kith.example/sources/shopify/webhooks', topics: ['orders/create', 'customers/update'], apiVersion: '2026-07', baseUrl: fake.baseUrl };
      const first = await registerWebhooks(params);
      assert.ok(first.ok);
      if (!first.ok) return;
      assert.deepEqual(first.value.map((w) => [w.topic, w.created]), [['orders/create', true], ['customers/update', true]]);
      assert.equal(first.value[0]!.id, '9191138715786000'); // > 2^53, kept exact
      const second = await registerWebhooks({ ...params, topics: ['orders/create', 'orders/updated'] });
      assert.ok(second.ok);
      if (!second.ok) return;
      assert.deepEqual(second.value.map((w) => [w.topic, w.created, w.id]), [['orders/create', false, '9191138715786000'], ['orders/updated', true, '9191138715786002']]);
      assert.equal(fake.webhooks.length, 3);
      const post = fake.requests.find((r) => r.method === 'POST' && r.path === '/admin/api/2026-07/webhooks.json')!;
      assert.equal(post.headers['x-shopify-access-token'], TOKEN);
      assert.deepEqual(JSON.parse(post.body), { webhook: { topic: 'orders/create', address: params.address, format: 'json' } });
    });

    it('a wrong token surfaces Shopify\'s 401 as a 502 problem', async () => {
      const r = await registerWebhooks({ shop: SHOP, accessToken: 'nope', address: 'https://x', topics: ['orders/create'], apiVersion: '2026-07', baseUrl: fake.baseUrl });
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual([r.error.status, r.error.body.upstreamStatus], [502, 401]);
    });
  });
});

describe('reconcile', () => {
  const orderText = fixtureBytes('shopify/orders-create.json').toString('utf8');
  const withUpdated = (text: string, id: string, created: string, updated: string) =>
    text.replace('"id": 820982911946154508', `"id": ${id}`).replace(/"created_at": "2021-12-31T19:00:00-05:00"/, `"created_at": "${created}"`).replace(/"updated_at": "2021-12-31T19:00:00-05:00"/, `"updated_at": "${updated}"`);
  const orders = [
    withUpdated(orderText, '820982911946154508', '2026-01-01T10:00:00+01:00', '2026-01-03T10:00:00+01:00'),
    withUpdated(orderText, '820982911946154509', '2026-01-02T10:00:00Z', '2026-01-02T10:00:00Z'),
    withUpdated(orderText, '820982911946154510', '2025-12-01T10:00:00Z', '2025-12-01T10:00:00Z'), // before since: not returned
  ];
  const customer = fixtureBytes('shopify/customers-create.json').toString('utf8').replace(/"updated_at": "[^"]+"/, '"updated_at": "2026-01-04T00:00:00Z"');
  const fake = new FakeShopifyAdmin({ clientId: CLIENT_ID, clientSecret: SECRET, accessToken: TOKEN, codes: {}, orders, customers: [customer], pageSize: 1 });
  before(() => fake.start());
  after(() => fake.stop());

  it('pages orders (status=any, updated_at_min) and customers via Link headers and maps them', async () => {
    const r = await reconcile({ shop: SHOP, accessToken: TOKEN, since: '2026-01-01T00:00:00.000Z', baseUrl: fake.baseUrl, now: Date.UTC(2026, 0, 5) });
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual([r.value.orders, r.value.customers, r.value.pages], [2, 1, 3]);
    assert.equal(r.value.nextSince, '2026-01-04T00:00:00.000Z');
    const ids = r.value.outputs.map((o) => o.resourceKey);
    assert.deepEqual(ids, [`${SHOP}/order/820982911946154508`, `${SHOP}/order/820982911946154509`, `${SHOP}/customer/706405506930370084`]);
    assert.deepEqual(r.value.outputs.map((o) => o.events[0]!.eventType), ['commerce.purchases', 'commerce.purchases', 'userAccount.backofficeUpdateProfile']);
    assert.equal(r.value.outputs[2]!.profiles.length, 1);
    const first = fake.requests.find((q) => q.path === '/admin/api/2026-07/orders.json')!;
    assert.equal(first.query.get('status'), 'any');
    assert.equal(first.query.get('updated_at_min'), '2026-01-01T00:00:00.000Z');
  });

  it('an order created before `since` maps as orders/updated; the create maps to the same _id as the webhook', async () => {
    const r = await reconcile({ shop: SHOP, accessToken: TOKEN, since: '2026-01-02T00:00:00.000Z', baseUrl: fake.baseUrl, now: 0 });
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual(r.value.outputs.map((o) => o.events[0]!.eventType), ['commerce.backofficeOrderUpdated', 'commerce.purchases', 'userAccount.backofficeUpdateProfile']);
  });
});

describe('invalid input', () => {
  it('bad shop domain', () => {
    const r = buildAuthorizeUrl({ shop: 'evil.com/x', clientId: 'c', scopes: [], redirectUri: 'r', state: 's' });
    assert.equal(r.ok, false);
  });
  it('missing state', () => assert.equal(buildAuthorizeUrl({ shop: SHOP, clientId: 'c', scopes: [], redirectUri: 'r', state: '' }).ok, false));
  it('callback without hmac or with non-hex hmac', () => {
    assert.equal(verifyOAuthCallbackHmac({ shop: SHOP }, SECRET), false);
    assert.equal(verifyOAuthCallbackHmac({ shop: SHOP, hmac: 'zz' }, SECRET), false);
  });
  it('reconcile with a bad since → 400 before any request', async () => {
    const r = await reconcile({ shop: SHOP, accessToken: TOKEN, since: 'yesterday', baseUrl: 'http://127.0.0.1:1', now: 0 });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.status, 400);
  });
  it('unreachable Shopify is a 502 problem', async () => {
    const r = await exchangeCode({ shop: SHOP, clientId: 'c', clientSecret: 's', code: 'x', baseUrl: 'http://127.0.0.1:1' });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.status, 502);
  });
  const links: Array<[string | null, string | undefined]> = [
    [null, undefined],
    ['<https://s/admin/api/2026-07/orders.json?page_info=a>; rel="previous", <https://s/admin/api/2026-07/orders.json?page_info=b>; rel="next"', 'https://s/admin/api/2026-07/orders.json?page_info=b'],
    ['<https://s/x?page_info=a>; rel="previous"', undefined],
  ];
  for (const [h, want] of links) it(`Link header ${h?.slice(-20)}`, () => assert.equal(nextLink(h), want));
});
