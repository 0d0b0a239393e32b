import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';
import { SHOPIFY_STREAMING_SPEC } from '../../src/sources/http/shopify-webhooks.js';

const FIX = new URL('../fixtures/shopify/', import.meta.url).pathname;
const SECRET = 'shpss_test_secret';
const SHOP = 'kith-test.myshopify.com';
const fixture = (name: string) => readFileSync(FIX + name);
const sign = (body: Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('base64');

describe('Shopify streaming source (webhooks)', () => {
  let k: TestKith;
  let p: Platform;
  let connectionId = '';
  const deliver = (topic: string, body: Buffer, opts: { webhookId?: string; eventId?: string; hmac?: string } = {}) =>
    k.app.inject({
      method: 'POST',
      url: `/sources/shopify/${connectionId}/webhooks`,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': opts.hmac ?? sign(body),
        'x-shopify-shop-domain': SHOP,
        'x-shopify-api-version': '2026-07',
        'x-shopify-webhook-id': opts.webhookId ?? randomUUID(),
        'x-shopify-event-id': opts.eventId ?? randomUUID(),
        'x-shopify-triggered-at': new Date().toISOString(),
      },
      payload: body,
    });

  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const c = await p.call('POST', '/data/foundation/flowservice/connections', {
      name: 'My shop',
      connectionSpec: { id: SHOPIFY_STREAMING_SPEC, version: '1.0' },
      auth: { specName: 'Shopify', params: { shopDomain: SHOP, clientSecret: SECRET } },
    });
    assert.equal(c.status, 201, c.body);
    connectionId = c.json.id;
  });
  after(() => k.stop());

  it('keeps the client secret out of API responses', async () => {
    const g = await p.call('GET', `/data/foundation/flowservice/connections/${connectionId}`);
    assert.equal(g.json.items[0].auth.params.clientSecret, '***');
  });

  it('refuses a bad or missing HMAC with 401, before parsing', async () => {
    const body = fixture('customers-create.json');
    assert.equal((await deliver('customers/create', body, { hmac: sign(body, 'wrong') })).statusCode, 401);
    assert.equal((await deliver('customers/create', Buffer.from('not json'), { hmac: 'x' })).statusCode, 401);
    assert.equal((await deliver('customers/create', Buffer.concat([body, Buffer.from(' ')]), { hmac: sign(body) })).statusCode, 401, 'any byte change breaks it');
  });

  it('accepts every fixture, suppresses redeliveries, and answers fast', async () => {
    const deliveries: Array<[string, string]> = [
      ['customers/create', 'customers-create.json'],
      ['customers/update', 'customers-update.json'],
      ['orders/create', 'orders-create.json'],
      ['checkouts/create', 'checkouts-create.json'],
      ['carts/update', 'carts-update.json'],
    ];
    for (const [topic, file] of deliveries) {
      const body = fixture(file);
      const webhookId = randomUUID();
      const t0 = Date.now();
      const first = await deliver(topic, body, { webhookId });
      assert.equal(first.statusCode, 200, `${topic}: ${first.body}`);
      assert.ok(Date.now() - t0 < 5000);
      assert.equal(first.json().status, 'accepted');
      const again = await deliver(topic, body, { webhookId });
      assert.equal(again.json().status, 'duplicate', topic);
    }
    // same merchant action through another subscription: same event id and topic
    const body = fixture('orders-create.json');
    const eventId = randomUUID();
    await deliver('orders/paid', body, { eventId });
    assert.equal((await deliver('orders/paid', body, { eventId })).json().status, 'duplicate');
  });

  it('resolves out-of-order updates by updated_at: an older orders/updated keeps its event but not its attributes', async () => {
    const order = JSON.parse(fixture('orders-create.json').toString('utf8').replace(/:\s*(\d{16,})/g, ': "$1"'));
    const newer = Buffer.from(JSON.stringify({ ...order, id: '820982911946154999', updated_at: '2026-02-01T10:00:00-05:00', note: 'newer' }));
    const older = Buffer.from(JSON.stringify({ ...order, id: '820982911946154999', updated_at: '2026-01-01T10:00:00-05:00', note: 'older' }));
    assert.equal((await deliver('orders/updated', newer)).json().verdict, 'newer');
    const late = await deliver('orders/updated', older);
    assert.equal(late.json().verdict, 'stale');
    assert.equal(late.json().profiles, 0);
  });

  it('lands XDM in the provisioned datasets with exact big ids', async () => {
    await k.processor.drain();
    const sets = await p.call('GET', '/data/foundation/catalog/dataSets');
    const byName = Object.fromEntries(Object.entries(sets.json).map(([id, d]) => [(d as { name: string }).name, { id, table: (d as { tags: Record<string, string[]> }).tags['adobe/pqs/table']![0] }]));
    assert.ok(byName['Shopify Profiles'] && byName['Shopify Events'], Object.keys(byName).join(','));
    const profiles = await k.queryLake(`SELECT record FROM ${byName['Shopify Profiles']!.table}`);
    const text = profiles.map((r) => String(r.record)).join('\n');
    assert.match(text, /"ShopifyCustomerId":\[\{"id":"706405506930370084"/);
    assert.match(text, /bob@biller\.com/);
    const events = await k.queryLake(`SELECT record, "eventType" FROM (SELECT record, json_extract_string(record, '$.eventType') AS "eventType" FROM ${byName['Shopify Events']!.table})`);
    const purchases = events.filter((e) => e.eventType === 'commerce.purchases').map((e) => String(e.record));
    assert.ok(purchases.some((r) => r.includes('820982911946154508')), 'the order id survives exactly');
    assert.ok(purchases.some((r) => r.includes('productListItems')));
    const failed = await p.call('GET', '/data/foundation/kith/failed-records');
    assert.deepEqual(failed.json.records.map((r: { reason: string }) => r.reason), [], 'every mapped record validates');
  });

  it('the customer is a profile with its identities, and the order is an event of its buyer', async () => {
    const bob = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=706405506930370084&entityIdNS=ShopifyCustomerId&fields=identities,person,personalEmail');
    assert.equal(bob.status, 200, bob.body);
    const e = (Object.values(bob.json)[0] as { entity: { person: { name: { firstName: string } }; identities: Array<{ id: string; namespace: { code: string } }> } }).entity;
    assert.equal(e.person.name.firstName, 'Bob');
    assert.ok(e.identities.some((i) => i.namespace.code === 'Email' && i.id === 'bob@biller.com'), JSON.stringify(e.identities));
    const buyer = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=jon@example.com&relatedEntityIdNS=Email');
    assert.equal(buyer.status, 200, buyer.body);
    const purchase = buyer.json.children.find((c: { entity: { eventType: string } }) => c.entity.eventType === 'commerce.purchases');
    assert.ok(purchase, JSON.stringify(buyer.json.children.map((c: { entity: { eventType: string } }) => c.entity.eventType)));
    assert.ok(JSON.stringify(purchase.entity).includes('820982911946154508'));
    assert.ok(purchase.entity.productListItems.length > 0);
  });

  it('a checkout links the anonymous cart token to the customer, so cart activity joins the person', async () => {
    const g = await p.call('POST', '/data/core/identity/v2/graph', { composite_xids: [{ ns: 'ShopifyCartToken', id: 'eeafa272cebfd4b22385bc4b645e762c' }], projection_type: 'set' });
    assert.equal(g.status, 200, g.body);
    const members = g.json.graphs[0].members.map((m: { ns: string; id: string }) => `${m.ns}:${m.id}`);
    assert.ok(members.includes('Email:john@example.com'), members.join());
    assert.ok(members.includes('ShopifyCheckoutToken:123123123'), members.join());
  });

  describe('invalid input', () => {
    it('unknown connection is 404', async () => {
      const r = await k.app.inject({ method: 'POST', url: '/sources/shopify/nope/webhooks', headers: { 'content-type': 'application/json' }, payload: '{}' });
      assert.equal(r.statusCode, 404);
    });
    it('missing Shopify headers is 400', async () => {
      const body = Buffer.from('{}');
      const r = await k.app.inject({ method: 'POST', url: `/sources/shopify/${connectionId}/webhooks`, headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': sign(body) }, payload: body });
      assert.equal(r.statusCode, 400);
      assert.match(r.json().detail, /X-Shopify-Topic/);
    });
    it('signed but malformed JSON is 400', async () => {
      const body = Buffer.from('{"id": 1,');
      assert.equal((await deliver('orders/create', body)).statusCode, 400);
    });
    it('an unmapped topic is acknowledged (so Shopify does not retry) and ignored', async () => {
      const r = await deliver('products/update', Buffer.from('{"id": 1}'));
      assert.equal(r.statusCode, 200);
      assert.equal(r.json().status, 'ignored');
    });
  });
});

describe('Shopify app: OAuth install, webhook registration and reconciliation', () => {
  it('installs against a (fake) Shopify admin API, registers webhooks at Kith, and reconciles missed orders', async () => {
    const { FakeShopifyAdmin } = await import('../../src/sources/shopify/testing/fake-admin-api.js');
    const { oauthHmacMessage } = await import('../../src/sources/shopify/oauth.js');
    const order = readFileSync(FIX + 'orders-create.json', 'utf8');
    const customer = readFileSync(FIX + 'customers-create.json', 'utf8');
    const fake = await new FakeShopifyAdmin({ clientId: 'cid', clientSecret: SECRET, codes: { 'code-1': { accessToken: 'shpat_1', scope: 'read_orders,read_customers' } }, accessToken: 'shpat_1', orders: [order], customers: [customer] }).start();
    const k = await startTestKith();
    try {
      const p = new Platform(k);
      const c = await p.call('POST', '/data/foundation/flowservice/connections', {
        name: 'app shop',
        connectionSpec: { id: SHOPIFY_STREAMING_SPEC, version: '1.0' },
        auth: { params: { shopDomain: SHOP, clientId: 'cid', clientSecret: SECRET, adminBaseUrl: fake.baseUrl } },
      });
      const id = c.json.id;
      const install = await k.app.inject({ method: 'GET', url: `/sources/shopify/${id}/install?shop=${SHOP}` });
      assert.equal(install.statusCode, 302);
      const loc = new URL(String(install.headers.location));
      assert.equal(loc.pathname, '/admin/oauth/authorize');
      assert.equal(loc.searchParams.get('redirect_uri'), `${k.baseUrl}/sources/shopify/${id}/oauth/callback`);
      const state = loc.searchParams.get('state')!;
      const query: Record<string, string> = { code: 'code-1', shop: SHOP, state, timestamp: String(Math.floor(Date.now() / 1000)) };
      query.hmac = createHmac('sha256', SECRET).update(oauthHmacMessage(query)).digest('hex');
      const bad = await k.app.inject({ method: 'GET', url: `/sources/shopify/${id}/oauth/callback?${new URLSearchParams({ ...query, hmac: '0'.repeat(64) })}` });
      assert.equal(bad.statusCode, 401);
      const cb = await k.app.inject({ method: 'GET', url: `/sources/shopify/${id}/oauth/callback?${new URLSearchParams(query)}` });
      assert.equal(cb.statusCode, 200, cb.body);
      assert.equal(cb.json().installed, true);
      assert.ok(fake.webhooks.length >= 10);
      assert.ok(fake.webhooks.every((w) => w.address === `${k.baseUrl}/sources/shopify/${id}/webhooks`));
      const replay = await k.app.inject({ method: 'GET', url: `/sources/shopify/${id}/oauth/callback?${new URLSearchParams(query)}` });
      assert.equal(replay.statusCode, 401, 'a state is single use');

      const r = await p.call('POST', `/data/foundation/kith/sources/shopify/${id}/reconcile`, {});
      assert.equal(r.status, 200, r.body);
      assert.equal(r.json.orders, 1);
      assert.equal(r.json.customers, 1);
      await k.processor.drain();
      const sets = await p.call('GET', '/data/foundation/catalog/dataSets');
      const ev = Object.values(sets.json).find((d: any) => d.name === 'Shopify Events') as { tags: Record<string, string[]> };
      const rows = await k.queryLake(`SELECT record FROM ${ev.tags['adobe/pqs/table']![0]}`);
      assert.ok(rows.some((x) => String(x.record).includes('820982911946154508')));
      const again = await p.call('POST', `/data/foundation/kith/sources/shopify/${id}/reconcile`, {});
      assert.equal(again.json.since, r.json.nextSince, 'the next run starts where the last one ended');
    } finally {
      await k.stop();
      await fake.stop();
    }
  });
});
