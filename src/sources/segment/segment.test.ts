import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_DIR } from '../shopify/testing/fixtures.js';
import { basicAuthFor, parseWriteKey } from './write-key.js';
import { readSegmentBody } from './body.js';
import { correctTimestamp } from './clock-skew.js';
import { normaliseSegmentPayload, segmentEndpoint, type SegmentMessage } from './normalise.js';
import { mapSegmentMessage } from './map-message.js';
import { ecommerceMapping } from './ecommerce-events.js';

interface Captured {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}
const [captured] = JSON.parse(readFileSync(join(FIXTURES_DIR, 'captured/segment-analytics-node-3.1.0-batch.json'), 'utf8')) as Captured[];
const RECEIVED = Date.parse('2026-11-23T04:22:39.741Z'); // 1 s after the client's sentAt

function normalised(): SegmentMessage[] {
  const r = normaliseSegmentPayload(captured!.url, captured!.body, { receivedAt: RECEIVED });
  assert.ok(r.ok);
  return r.ok ? r.value.messages : [];
}

describe('captured analytics-node 3.1.0 batch', () => {
  it('write key from Basic auth and from the body', () => {
    assert.equal(parseWriteKey(captured!.headers, captured!.body), 'test-write-key');
    assert.equal(parseWriteKey({}, captured!.body), 'test-write-key');
    assert.equal(parseWriteKey({ Authorization: basicAuthFor('other') }, {}), 'other');
  });
  it('all six messages valid, timestamps shifted by receivedAt - sentAt (+1 s)', () => {
    const msgs = normalised();
    assert.deepEqual(msgs.map((m) => m.type), ['identify', 'track', 'page', 'screen', 'group', 'alias']);
    assert.equal(msgs[0]!.timestamp, '2026-11-23T04:22:39.733Z');
    assert.equal(msgs[0]!.originalTimestamp, '2026-11-23T04:22:38.733Z');
    assert.equal(msgs[0]!.sentAt, '2026-11-23T04:22:38.741Z');
    assert.equal(msgs[0]!.receivedAt, '2026-11-23T04:22:39.741Z');
  });
  const out = () => normalised().map((m) => mapSegmentMessage(m, { receivedAt: RECEIVED }));
  it('identify → profile record with userId, anonymousId and Email identities', () => {
    const [identify] = out();
    assert.deepEqual(identify!.profiles, [
      {
        identityMap: {
          SegmentUserId: [{ id: 'u-1', primary: true, authenticatedState: 'authenticated' }],
          SegmentAnonymousId: [{ id: 'anon-1', primary: false }],
          Email: [{ id: 'jdoe@testprofile.com', primary: false }],
        },
        person: { name: { firstName: 'Jane' } },
        personalEmail: { address: 'jdoe@testprofile.com' },
      },
    ]);
    assert.deepEqual(identify!.identityLinks, [[{ namespace: 'SegmentUserId', id: 'u-1' }, { namespace: 'SegmentAnonymousId', id: 'anon-1' }, { namespace: 'Email', id: 'jdoe@testprofile.com' }]]);
  });
  it('Order Completed → commerce.purchases with order total and productListItems, _id = messageId', () => {
    const track = out()[1]!.events[0]!;
    assert.deepEqual(track, {
      _id: 'node-next-1795407758733-b9d457da-9bc6-41fe-9147-f129b98a9ef7',
      timestamp: '2026-11-23T04:22:39.733Z',
      eventType: 'commerce.purchases',
      identityMap: { SegmentUserId: [{ id: 'u-1', primary: true, authenticatedState: 'authenticated' }] },
      environment: { ipV4: '203.0.113.5' },
      implementationDetails: { name: '@segment/analytics-node', version: '3.1.0' },
      productListItems: [{ SKU: 'SKU-1', priceTotal: 42.5, quantity: 1, currencyCode: 'USD', productID: 'p1' }],
      commerce: { purchases: { value: 1 }, order: { purchaseID: 'o-1', priceTotal: 42.5, currencyCode: 'USD' } },
      _kith: { segment: { event: 'Order Completed' } },
    });
  });
  it('page and screen → page views', () => {
    const [, , page, screen] = out();
    assert.deepEqual(page!.events[0]!.web, { webPageDetails: { URL: 'https://shop.example/', name: 'Home', pageViews: { value: 1 } } });
    assert.deepEqual(page!.events[0]!.identityMap, { SegmentAnonymousId: [{ id: 'anon-1', primary: true }] });
    assert.equal(screen!.events[0]!.eventType, 'web.webpagedetails.pageViews');
    assert.deepEqual(screen!.events[0]!.web, { webPageDetails: { name: 'Cart', pageViews: { value: 1 } } });
  });
  it('group → profile record carrying the group; alias → identity link', () => {
    const [, , , , group, alias] = out();
    assert.deepEqual(group!.profiles[0]!._kith, { segment: { groups: [{ groupId: 'g-1', traits: { name: 'Acme' } }] } });
    assert.deepEqual(alias!.identityLinks, [[{ namespace: 'SegmentUserId', id: 'u-1' }, { namespace: 'SegmentAnonymousId', id: 'anon-1' }]]);
    assert.deepEqual([alias!.profiles, alias!.events], [[], []]);
  });
});

describe('endpoints and browser short forms', () => {
  const table: Array<[string, string | undefined]> = [
    ['/v1/batch', 'batch'], ['/v1/b', 'batch'], ['/v1/identify', 'identify'], ['/v1/i', 'identify'], ['/v1/track', 'track'], ['/v1/t', 'track'],
    ['/v1/page', 'page'], ['/v1/p', 'page'], ['/v1/screen', 'screen'], ['/v1/s', 'screen'], ['/v1/group', 'group'], ['/v1/g', 'group'],
    ['/v1/alias', 'alias'], ['/v1/a', 'alias'], ['/v1/t/', 'track'], ['/v1/track?x=1', 'track'], ['/v1/nope', undefined],
  ];
  for (const [p, k] of table) it(`${p} → ${k}`, () => assert.equal(segmentEndpoint(p), k));
  it('analytics.js single message as text/plain with body writeKey; type from the path', () => {
    const text = JSON.stringify({ event: 'Product Added', properties: { sku: 'S', price: 10, quantity: 2, currency: 'EUR', product_id: 'p' }, anonymousId: 'a-1', messageId: 'ajs-1', timestamp: '2026-01-01T00:00:00.000Z', sentAt: '2026-01-01T00:00:05.000Z', writeKey: 'wk' });
    const body = readSegmentBody(Buffer.from(text), 'text/plain');
    assert.ok(body.ok);
    if (!body.ok) return;
    assert.equal(parseWriteKey({ 'content-type': 'text/plain' }, body.value), 'wk');
    const r = normaliseSegmentPayload('/v1/t', body.value, { receivedAt: Date.parse('2026-01-01T00:00:02.000Z') });
    assert.ok(r.ok);
    if (!r.ok) return;
    const m = r.value.messages[0]!;
    assert.equal(m.type, 'track');
    assert.equal(m.writeKey, undefined);
    assert.equal(m.timestamp, '2025-12-31T23:59:57.000Z'); // device clock 3 s ahead (sentAt 00:05, received 00:02): shifted by -3 s
    const ev = mapSegmentMessage(m, { receivedAt: 0 }).events[0]!;
    assert.equal(ev.eventType, 'commerce.productListAdds');
    assert.deepEqual(ev.productListItems, [{ SKU: 'S', priceTotal: 20, quantity: 2, currencyCode: 'EUR', productID: 'p' }]);
    assert.deepEqual(ev.commerce, { productListAdds: { value: 1 } });
  });
  it('batch-level context and integrations merge under each message', () => {
    const r = normaliseSegmentPayload('/v1/b', { batch: [{ type: 'page', userId: 'u', messageId: 'm', context: { page: { url: 'https://x/' } } }], context: { library: { name: 'analytics.js' } } }, { receivedAt: 0 });
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.value.messages[0]!.context, { library: { name: 'analytics.js' }, page: { url: 'https://x/' } });
  });
});

describe('e-commerce spec mapping', () => {
  const table: Array<[string, string | undefined]> = [
    ['Product Viewed', 'commerce.productViews'], ['Product Added', 'commerce.productListAdds'], ['Product Removed', 'commerce.productListRemovals'],
    ['Cart Viewed', 'commerce.productListViews'], ['Checkout Started', 'commerce.checkouts'], ['Order Completed', 'commerce.purchases'],
    ['order_completed', 'commerce.purchases'], ['Order Refunded', 'commerce.backofficeCreditMemoIssued'], ['Order Cancelled', 'commerce.backofficeOrderCancelled'],
    ['Products Searched', 'searchRequest'], ['Newsletter Subscribed', undefined],
  ];
  for (const [name, type] of table) it(`${name} → ${type ?? 'custom'}`, () => assert.equal(ecommerceMapping(name)?.eventType, type));
  const msg = (event: string, properties: Record<string, unknown>): SegmentMessage => ({ type: 'track', event, properties, userId: 'u', messageId: `m-${event}`, timestamp: '2026-01-01T00:00:00.000Z', receivedAt: '2026-01-01T00:00:00.000Z' });
  it('revenue used when total is absent; tax, discount, shipping, cart_id', () => {
    const ev = mapSegmentMessage(msg('Checkout Started', { revenue: 30, tax: 2, discount: 1, shipping: 5, currency: 'USD', cart_id: 'c-1', products: [{ sku: 'A', price: 10, quantity: 3 }] }), { receivedAt: 0 }).events[0]!;
    assert.deepEqual(ev.commerce, { checkouts: { value: 1 }, cart: { cartID: 'c-1' }, order: { priceTotal: 30, currencyCode: 'USD', taxAmount: 2, discountAmount: 1 }, shipping: { shippingAmount: 5, currencyCode: 'USD' } });
  });
  it('Order Refunded carries commerce.refunds', () => {
    const ev = mapSegmentMessage(msg('Order Refunded', { order_id: 'o', total: 9, currency: 'USD' }), { receivedAt: 0 }).events[0]!;
    assert.deepEqual((ev.commerce as Record<string, unknown>).refunds, [{ refundAmount: 9, currencyCode: 'USD' }]);
  });
  it('unknown event → segment.track with name and properties under _kith.segment', () => {
    const ev = mapSegmentMessage(msg('Newsletter Subscribed', { list: 'weekly' }), { receivedAt: 0 }).events[0]!;
    assert.equal(ev.eventType, 'segment.track');
    assert.deepEqual(ev._kith, { segment: { event: 'Newsletter Subscribed', properties: { list: 'weekly' } } });
  });
  it('identify traits: name split, phone, address, birthday, leftovers; configurable userId namespace', () => {
    const m: SegmentMessage = { type: 'identify', userId: 'crm-9', messageId: 'x', timestamp: '2026-01-01T00:00:00.000Z', receivedAt: '2026-01-01T00:00:00.000Z', traits: { name: 'Ada Lovelace', phone: '+44 20 7946 0958', birthday: '1815-12-10T00:00:00Z', gender: 'F', address: { street: '1 St', city: 'London', postalCode: 'W1', country: 'GB' }, plan: 'pro' } };
    const p = mapSegmentMessage(m, { receivedAt: 0, userIdNamespace: 'CRMID', tenantId: 'acme' }).profiles[0]!;
    assert.deepEqual(p.identityMap, { CRMID: [{ id: 'crm-9', primary: true, authenticatedState: 'authenticated' }], Phone: [{ id: '+442079460958', primary: false }] });
    assert.deepEqual(p.person, { name: { firstName: 'Ada', lastName: 'Lovelace', fullName: 'Ada Lovelace' }, birthDate: '1815-12-10', gender: 'female' });
    assert.deepEqual(p.mobilePhone, { number: '+442079460958' });
    assert.deepEqual(p.homeAddress, { street1: '1 St', city: 'London', postalCode: 'W1', country: 'GB' });
    assert.deepEqual(p._acme, { segment: { traits: { plan: 'pro' } } });
  });
});

describe('clock skew', () => {
  const table: Array<[unknown, unknown, number, string]> = [
    ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:10.000Z', Date.parse('2026-01-01T00:00:11.000Z'), '2026-01-01T00:00:01.000Z'],
    ['2026-01-01T00:00:00.000+02:00', undefined, 0, '2025-12-31T22:00:00.000Z'],
    [undefined, '2026-01-01T00:00:10.000Z', Date.parse('2026-01-01T00:00:11.000Z'), '2026-01-01T00:00:11.000Z'],
    ['garbage', undefined, 0, '1970-01-01T00:00:00.000Z'],
  ];
  for (const [ts, sent, rec, want] of table) it(`${String(ts)} sent ${String(sent)} → ${want}`, () => assert.equal(correctTimestamp(ts, sent, rec), want));
});

describe('invalid input', () => {
  it('bad JSON → 400', () => {
    const r = readSegmentBody('{"batch": [', 'text/plain');
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual([r.error.status, r.error.body.success], [400, false]);
  });
  it('non-object JSON → 400', () => assert.equal(readSegmentBody('[1]').ok, false));
  it('batch over 500 KB → 400', () => {
    const r = readSegmentBody(Buffer.alloc(500 * 1024 + 1, 0x20));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.status, 400);
  });
  it('message over 32 KB → 400', () => {
    const r = normaliseSegmentPayload('/v1/batch', { batch: [{ type: 'track', event: 'E', userId: 'u', properties: { blob: 'x'.repeat(33 * 1024) } }] }, { receivedAt: 0 });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.status, 400);
  });
  it('batch not an array → 400', () => assert.equal(normaliseSegmentPayload('/v1/batch', { batch: {} }, { receivedAt: 0 }).ok, false));
  it('invalid messages are dropped and reported, valid ones kept', () => {
    const r = normaliseSegmentPayload('/v1/batch', {
      batch: [
        { type: 'track', event: 'E', messageId: 'no-ids' },
        { type: 'alias', userId: 'u', messageId: 'no-prev' },
        { type: 'bogus', userId: 'u' },
        { type: 'track', userId: 'u', messageId: 'no-event' },
        { type: 'group', userId: 'u', messageId: 'no-group' },
        'str',
        { type: 'identify', userId: 42, messageId: 'ok' },
      ],
    }, { receivedAt: 0 });
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual(r.value.messages.map((m) => [m.messageId, m.userId]), [['ok', '42']]);
    assert.deepEqual(r.value.rejected.map((x) => x.index), [0, 1, 2, 3, 4, 5]);
    assert.match(r.value.rejected[1]!.reason, /previousId/);
    assert.deepEqual(r.value.rejected[1]!.raw, { type: 'alias', userId: 'u', messageId: 'no-prev' });
    assert.equal(r.value.rejected[5]!.raw, 'str');
  });
  it('no write key anywhere; malformed Basic header falls back to the body', () => {
    assert.equal(parseWriteKey({}, {}), undefined);
    assert.equal(parseWriteKey({ authorization: 'Bearer x' }, { writeKey: 'b' }), 'b');
    assert.equal(parseWriteKey({ authorization: `Basic ${Buffer.from(':').toString('base64')}` }, {}), undefined);
  });
});
