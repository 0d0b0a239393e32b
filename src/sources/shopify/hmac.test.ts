import '@shopify/shopify-api/adapters/node';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { shopifyApi, ApiVersion, LogSeverity } from '@shopify/shopify-api';
import { signShopifyBody, verifyShopifyHmac, verifyShopifyHmacAny } from './hmac.js';
import { fixtureBytes } from './testing/fixtures.js';

const SECRET = 'shpss_test_client_secret';
const shopify = shopifyApi({
  apiKey: 'test-client-id',
  apiSecretKey: SECRET,
  scopes: ['read_orders'],
  hostName: 'localhost',
  apiVersion: Object.values(ApiVersion)[0] as ApiVersion,
  isEmbeddedApp: false,
  logger: { level: LogSeverity.Error, log: async () => {} },
});

/** The oracle: @shopify/shopify-api's own webhook validation with the node adapter. */
async function oracle(raw: Buffer, hmac: string): Promise<boolean> {
  const req = new IncomingMessage(new Socket());
  req.headers = {
    'x-shopify-hmac-sha256': hmac,
    'x-shopify-topic': 'orders/create',
    'x-shopify-shop-domain': 'kith-test.myshopify.com',
    'x-shopify-api-version': '2026-07',
    'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
  };
  const r = await shopify.webhooks.validate({ rawBody: raw.toString('utf8'), rawRequest: req, rawResponse: new ServerResponse(req) });
  return r.valid;
}

const bodies = ['shopify/orders-create.json', 'shopify/customers-create.json', 'shopify/checkouts-create.json', 'shopify/carts-update.json'];

describe('verifyShopifyHmac agrees with @shopify/shopify-api', () => {
  for (const f of bodies) {
    it(`valid signature over raw bytes of ${f}`, async () => {
      const raw = fixtureBytes(f);
      const sig = signShopifyBody(raw, SECRET);
      assert.equal(verifyShopifyHmac(raw, sig, SECRET), true);
      assert.equal(await oracle(raw, sig), true);
    });
  }
  const raw = fixtureBytes('shopify/orders-create.json');
  const good = signShopifyBody(raw, SECRET);
  const cases: Array<[string, Buffer, string]> = [
    ['wrong secret', raw, signShopifyBody(raw, 'other-secret')],
    ['re-serialised body (JSON.parse loses the big id)', Buffer.from(JSON.stringify(JSON.parse(raw.toString()))), good],
    ['one byte changed', Buffer.concat([raw.subarray(0, raw.length - 1), Buffer.from(' ')]), good],
    ['truncated signature', raw, good.slice(0, 20)],
    ['hex instead of base64', raw, Buffer.from(good, 'base64').toString('hex')],
  ];
  for (const [name, body, sig] of cases) {
    it(`rejects: ${name}`, async () => {
      assert.equal(verifyShopifyHmac(body, sig, SECRET), false);
      assert.equal(await oracle(body, sig), false);
    });
  }
});

describe('invalid input', () => {
  const raw = Buffer.from('{}');
  it('missing header, empty secret, garbage header', () => {
    assert.equal(verifyShopifyHmac(raw, undefined, SECRET), false);
    assert.equal(verifyShopifyHmac(raw, '', SECRET), false);
    assert.equal(verifyShopifyHmac(raw, signShopifyBody(raw, ''), ''), false);
    assert.equal(verifyShopifyHmac(raw, '!!not base64!!', SECRET), false);
  });
  it('secret rotation: any of several secrets', () => {
    const sig = signShopifyBody(raw, 'new');
    assert.equal(verifyShopifyHmacAny(raw, sig, ['old', 'new']), true);
    assert.equal(verifyShopifyHmacAny(raw, sig, ['old']), false);
  });
});
