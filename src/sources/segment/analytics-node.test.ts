import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Analytics } from '@segment/analytics-node';
import { parseWriteKey } from './write-key.js';
import { readSegmentBody } from './body.js';
import { normaliseSegmentPayload } from './normalise.js';
import { mapSegmentMessage } from './map-message.js';
import { SEGMENT_SUCCESS, unauthorizedSegment } from './responses.js';
import type { SourceOutput } from '../shared/xdm-output.js';

/**
 * The REAL @segment/analytics-node client against a tiny node:http server wired exactly as the HTTP layer should
 * wire it: raw body → readSegmentBody → parseWriteKey → normaliseSegmentPayload → messageId dedupe → mapSegmentMessage.
 */
describe('@segment/analytics-node 3.1.0 against our parsing', () => {
  const outputs: SourceOutput[] = [];
  const seen = new Set<string>();
  const statuses: number[] = [];
  const headersSeen: Array<Record<string, unknown>> = [];
  let server: Server;
  let host = '';
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const reply = (status: number, body: unknown) => {
          statuses.push(status);
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        headersSeen.push(req.headers);
        const body = readSegmentBody(Buffer.concat(chunks), req.headers['content-type']);
        if (!body.ok) return reply(body.error.status, body.error.body);
        if (parseWriteKey(req.headers, body.value) !== 'wk-test') return reply(401, unauthorizedSegment().body);
        const norm = normaliseSegmentPayload(req.url ?? '', body.value, { receivedAt: Date.now() });
        if (!norm.ok) return reply(norm.error.status, norm.error.body);
        for (const m of norm.value.messages) {
          if (seen.has(m.messageId)) continue;
          seen.add(m.messageId);
          outputs.push(mapSegmentMessage(m, { receivedAt: Date.now() }));
        }
        reply(200, SEGMENT_SUCCESS);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('identify, track (Order Completed), page, screen, group, alias arrive mapped', async () => {
    const analytics = new Analytics({ writeKey: 'wk-test', host, flushAt: 20, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.identify({ userId: 'u-1', anonymousId: 'anon-1', traits: { email: 'JDoe@TestProfile.com', firstName: 'Jane' } });
    analytics.track({ userId: 'u-1', event: 'Order Completed', properties: { order_id: 'o-1', total: 42.5, currency: 'USD', products: [{ product_id: 'p1', sku: 'SKU-1', price: 42.5, quantity: 1 }] } });
    analytics.page({ anonymousId: 'anon-1', name: 'Home', properties: { url: 'https://shop.example/' } });
    analytics.screen({ userId: 'u-1', name: 'Cart' });
    analytics.group({ userId: 'u-1', groupId: 'g-1', traits: { name: 'Acme' } });
    analytics.alias({ userId: 'u-1', previousId: 'anon-1' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    assert.deepEqual(errors, []);
    assert.deepEqual(statuses, [200]);
    assert.equal(headersSeen[0]!.authorization, `Basic ${Buffer.from('wk-test:').toString('base64')}`);
    assert.equal(outputs.length, 6);
    const [identify, track, page, screen, group, alias] = outputs;
    assert.deepEqual(identify!.profiles[0]!.identityMap, {
      SegmentUserId: [{ id: 'u-1', primary: true, authenticatedState: 'authenticated' }],
      SegmentAnonymousId: [{ id: 'anon-1', primary: false }],
      Email: [{ id: 'jdoe@testprofile.com', primary: false }],
    });
    const purchase = track!.events[0]!;
    assert.equal(purchase.eventType, 'commerce.purchases');
    assert.match(purchase._id, /^node-next-\d+-[0-9a-f-]{36}$/);
    assert.deepEqual(purchase.commerce, { purchases: { value: 1 }, order: { purchaseID: 'o-1', priceTotal: 42.5, currencyCode: 'USD' } });
    assert.deepEqual(purchase.productListItems, [{ SKU: 'SKU-1', priceTotal: 42.5, quantity: 1, currencyCode: 'USD', productID: 'p1' }]);
    assert.deepEqual(purchase.implementationDetails, { name: '@segment/analytics-node', version: '3.1.0' });
    assert.ok(Number.isFinite(Date.parse(purchase.timestamp)));
    assert.equal(page!.events[0]!.eventType, 'web.webpagedetails.pageViews');
    assert.equal(screen!.events[0]!.eventType, 'web.webpagedetails.pageViews');
    assert.ok(group!.profiles[0]!._kith);
    assert.deepEqual(alias!.identityLinks, [[{ namespace: 'SegmentUserId', id: 'u-1' }, { namespace: 'SegmentAnonymousId', id: 'anon-1' }]]);
  });

  it('a wrong write key is answered 401 and the client drops the batch', async () => {
    const before = outputs.length;
    const analytics = new Analytics({ writeKey: 'wrong', host, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.track({ userId: 'u-2', event: 'Product Viewed' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    assert.equal(statuses.at(-1), 401);
    assert.equal(errors.length, 1);
    assert.equal(outputs.length, before);
  });
});
