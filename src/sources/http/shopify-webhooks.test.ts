import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { startTestKith, type TestKith } from '../../testing/test-kith.js';
import { SHOPIFY_STREAMING_SPEC } from './shopify-webhooks.js';

/** Behind a valid HMAC, an ill-typed or too deeply nested delivery is acknowledged or refused with a 4xx, never a 500. */
describe('Shopify webhooks: malformed bodies after a valid HMAC', () => {
  const SECRET = 'shpss_schema_test';
  let k: TestKith;
  let connectionId = '';
  before(async () => {
    k = await startTestKith();
    const c = await k.app.inject({
      method: 'POST',
      url: '/data/foundation/flowservice/connections',
      headers: { ...k.headers(), 'content-type': 'application/json' },
      payload: { name: 'shop', connectionSpec: { id: SHOPIFY_STREAMING_SPEC, version: '1.0' }, auth: { params: { shopDomain: 'kith-schema.myshopify.com', clientSecret: SECRET } } },
    });
    assert.equal(c.statusCode, 201, c.body);
    connectionId = c.json().id;
  });
  after(() => k.stop());

  const deliver = (topic: string, raw: string) =>
    k.app.inject({
      method: 'POST',
      url: `/sources/shopify/${connectionId}/webhooks`,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': createHmac('sha256', SECRET).update(raw).digest('base64'),
        'x-shopify-shop-domain': 'kith-schema.myshopify.com',
        'x-shopify-api-version': '2026-07',
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-event-id': randomUUID(),
        'x-shopify-triggered-at': '2026-01-01T00:00:00Z',
      },
      payload: raw,
    });
  const order = (extra: Record<string, unknown>) => JSON.stringify({ id: 1, admin_graphql_api_id: 'gid://shopify/Order/1', email: 'a@b.c', currency: 'EUR', total_price: '1.00', line_items: [], ...extra });

  describe('ill-typed fields: acknowledged (200), the field left out', () => {
    const cases: Array<[string, string, string]> = [
      ['order created_at 1e308', 'orders/create', order({ created_at: 1e308, updated_at: 1e308 })],
      ['order created_at 8.7e15 (a safe number past Date range)', 'orders/create', order({ created_at: 0 }).replace('"created_at":0', '"created_at":8.7e15')],
      ['customer updated_at -8.7e15', 'customers/update', JSON.stringify({ id: 4, email: 'b@b.c', updated_at: 0 }).replace('"updated_at":0', '"updated_at":-8.7e15')],
      ['order cancelled_at a huge negative number', 'orders/updated', order({ cancelled_at: -1e300 })],
      ['customer created_at 1e308', 'customers/create', JSON.stringify({ id: 2, email: 'a@b.c', created_at: 1e308, updated_at: 1e308 })],
    ];
    for (const [name, topic, raw] of cases)
      it(name, async () => {
        const r = await deliver(topic, raw);
        assert.equal(r.statusCode, 200, r.body);
        assert.equal(r.json().status, 'accepted');
      });
  });

  describe('invalid input', () => {
    const cases: Array<[string, string, string]> = [
      ['a body nested 5000 deep', 'orders/create', order({ note_attributes: JSON.parse('0') }).replace('"note_attributes":0', `"note_attributes":${'['.repeat(5000)}${']'.repeat(5000)}`)],
      ['a body nested 200000 deep', 'customers/create', `{"id":3,"x":${'{"a":'.repeat(200000)}1${'}'.repeat(200000)}}`],
      ['not JSON', 'orders/create', '{"id":'],
    ];
    for (const [name, topic, raw] of cases)
      it(name, async () => {
        const r = await deliver(topic, raw);
        assert.equal(r.statusCode, 400, r.body);
        assert.deepEqual([r.json().status, typeof r.json().title, typeof r.json().detail], [400, 'string', 'string']);
      });
  });
});
