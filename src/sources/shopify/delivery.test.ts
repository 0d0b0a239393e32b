import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/clock.js';
import { extractShopifyHeaders, missingShopifyHeaders, normaliseTopic } from './headers.js';
import { SeenKeys, shopifyDedupeKeys } from './dedupe.js';
import { OrderingGuard, applyVerdict, judgeUpdate } from './ordering-guard.js';

describe('extractShopifyHeaders', () => {
  it('classic X-Shopify-* headers, any case', () => {
    const h = extractShopifyHeaders({
      'X-Shopify-Topic': 'orders/updated',
      'x-shopify-hmac-sha256': 'abc=',
      'X-SHOPIFY-SHOP-DOMAIN': 'kith-test.myshopify.com',
      'x-shopify-api-version': '2026-07',
      'x-shopify-webhook-id': 'w-1',
      'x-shopify-event-id': 'e-1',
      'x-shopify-triggered-at': '2026-01-01T00:00:00Z',
    });
    assert.deepEqual(h, { topic: 'orders/updated', hmac: 'abc=', shopDomain: 'kith-test.myshopify.com', apiVersion: '2026-07', webhookId: 'w-1', eventId: 'e-1', triggeredAt: '2026-01-01T00:00:00Z' });
    assert.deepEqual(missingShopifyHeaders(h), []);
  });
  it('newer unprefixed shopify-* headers (Headers object)', () => {
    const h = extractShopifyHeaders(new Headers({ 'shopify-topic': 'ORDERS_CREATE', 'shopify-hmac-sha256': 'x', 'shopify-shop-domain': 's', 'shopify-webhook-id': 'w', 'shopify-handle': 'h', 'shopify-action': 'create', 'shopify-resource-id': '1' }));
    assert.equal(h.topic, 'orders/create');
    assert.equal(h.handle, 'h');
    assert.equal(h.resourceId, '1');
  });
  const topics: Array<[string, string]> = [['orders/create', 'orders/create'], ['ORDERS_CREATE', 'orders/create'], ['ORDERS_PARTIALLY_FULFILLED', 'orders/partially_fulfilled']];
  for (const [i, o] of topics) it(`topic ${i}`, () => assert.equal(normaliseTopic(i), o));
});

describe('duplicate suppression', () => {
  it('same webhook id is a duplicate; same event id + topic from another subscription too', () => {
    const seen = new SeenKeys(new ManualClock());
    const shop = 'kith-test.myshopify.com';
    assert.equal(seen.checkAndRemember(shopifyDedupeKeys(shop, { webhookId: 'w1', eventId: 'e1', topic: 'orders/create' })), false);
    assert.equal(seen.checkAndRemember(shopifyDedupeKeys(shop, { webhookId: 'w1', eventId: 'e1', topic: 'orders/create' })), true);
    assert.equal(seen.checkAndRemember(shopifyDedupeKeys(shop, { webhookId: 'w2', eventId: 'e1', topic: 'orders/create' })), true);
    assert.equal(seen.checkAndRemember(shopifyDedupeKeys(shop, { webhookId: 'w3', eventId: 'e1', topic: 'orders/paid' })), false);
    assert.equal(seen.checkAndRemember(shopifyDedupeKeys('other.myshopify.com', { webhookId: 'w1' })), false);
  });
  it('keys expire after the TTL', () => {
    const clock = new ManualClock();
    const seen = new SeenKeys(clock, 1000);
    assert.equal(seen.checkAndRemember(['k']), false);
    clock.advance(1001);
    assert.equal(seen.checkAndRemember(['k']), false);
  });
});

describe('ordering guard', () => {
  const table: Array<[number | undefined, number | undefined, string]> = [
    [undefined, 10, 'newer'],
    [10, 20, 'newer'],
    [20, 20, 'same'],
    [20, 10, 'stale'],
    [20, undefined, 'unversioned'],
  ];
  for (const [last, inc, v] of table) it(`last=${last} incoming=${inc} → ${v}`, () => assert.equal(judgeUpdate(last, inc), v));
  it('an older orders/updated never overwrites a newer one', () => {
    const g = new OrderingGuard();
    assert.equal(g.observe('s/order/1', Date.parse('2026-01-02T00:00:00Z')), 'newer');
    assert.equal(g.observe('s/order/1', Date.parse('2026-01-01T00:00:00Z')), 'stale');
    assert.equal(g.lastSeen('s/order/1'), Date.parse('2026-01-02T00:00:00Z'));
    const out = { profiles: [{ identityMap: {} }], events: [], identityLinks: [] };
    assert.deepEqual(applyVerdict(out, 'stale').profiles, []);
    assert.equal(applyVerdict(out, 'newer').profiles.length, 1);
  });
});
