import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform } from '../helpers/platform.js';
import { SEGMENT_SOURCE_SPEC } from '../../src/sources/http/segment-routes.js';

describe('Segment tracking API with the real @segment/analytics-node client', () => {
  let k: TestKith;
  let p: Platform;
  let writeKey = '';
  const tables: Record<string, string> = {};
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const c = await p.call('POST', '/data/foundation/flowservice/connections', { name: 'website', connectionSpec: { id: SEGMENT_SOURCE_SPEC, version: '1.0' }, auth: { params: {} } });
    assert.equal(c.status, 201, c.body);
    const g = await p.call('GET', `/data/foundation/flowservice/connections/${c.json.id}`);
    writeKey = g.json.items[0].auth.params.writeKey;
    assert.match(writeKey, /^kith_wk_[0-9a-f]{32}$/);
  });
  after(() => k.stop());

  const lake = async (name: string, where = 'true') => {
    if (!tables[name]) {
      const sets = await p.call('GET', '/data/foundation/catalog/dataSets');
      for (const d of Object.values(sets.json) as Array<{ name: string; tags: Record<string, string[]> }>) tables[d.name] = d.tags['adobe/pqs/table']![0]!;
    }
    return (await k.queryLake(`SELECT record FROM ${tables[name]} WHERE ${where}`)).map((r) => JSON.parse(String(r.record)));
  };

  it('identify, track, page, alias and group arrive as XDM', async () => {
    const analytics = new Analytics({ writeKey, host: k.baseUrl, flushAt: 20, flushInterval: 50, maxRetries: 1 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.identify({ userId: 'u-42', anonymousId: 'anon-1', traits: { email: 'Jane@Example.com', firstName: 'Jane', lastName: 'Doe', plan: 'pro' } });
    analytics.track({ userId: 'u-42', event: 'Order Completed', properties: { order_id: 'o-1', total: 99.5, currency: 'EUR', products: [{ sku: 'sku-1', name: 'Shoe', price: 49.75, quantity: 2 }] } });
    analytics.page({ userId: 'u-42', name: 'Home', properties: { url: 'https://shop.example/' } });
    analytics.alias({ userId: 'u-42', previousId: 'anon-0' });
    analytics.group({ userId: 'u-42', groupId: 'acme-inc', traits: { name: 'Acme' } });
    await analytics.closeAndFlush();
    assert.deepEqual(errors, []);
    await k.processor.drain();
    const events = await lake('Segment Events');
    const purchase = events.find((e) => e.eventType === 'commerce.purchases');
    assert.ok(purchase, JSON.stringify(events.map((e) => e.eventType)));
    assert.equal(purchase.commerce.order.priceTotal, 99.5);
    assert.equal(purchase.productListItems[0].SKU, 'sku-1');
    assert.ok(events.some((e) => e.eventType === 'web.webpagedetails.pageViews'));
    const profiles = await lake('Segment Profiles');
    const jane = profiles.find((r) => r.person?.name?.firstName === 'Jane');
    assert.ok(jane, JSON.stringify(profiles));
    assert.deepEqual(jane.identityMap.Email.map((i: { id: string }) => i.id), ['jane@example.com']);
    const aliasLink = profiles.find((r) => r.identityMap?.SegmentAnonymousId?.some((i: { id: string }) => i.id === 'anon-0'));
    assert.ok(aliasLink, 'alias links previousId and userId');
    assert.deepEqual((await p.call('GET', '/data/foundation/kith/failed-records')).json.records, []);
    // the profile and its events through the entities API (by the Segment user id and by the email)
    const prof = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=jane@example.com&entityIdNS=Email&fields=identities,person');
    assert.equal(prof.status, 200, prof.body);
    const entity = (Object.values(prof.json)[0] as { entity: { person: { name: { firstName: string } }; identities: Array<{ id: string; namespace: { code: string } }> } }).entity;
    assert.equal(entity.person.name.firstName, 'Jane');
    const ids = entity.identities.map((i) => `${i.namespace.code}:${i.id}`);
    for (const x of ['SegmentUserId:u-42', 'SegmentAnonymousId:anon-1', 'Email:jane@example.com', 'SegmentAnonymousId:anon-0']) assert.ok(ids.includes(x), `${x} in ${ids.join(',')}`);
    const evs = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=u-42&relatedEntityIdNS=SegmentUserId');
    assert.equal(evs.status, 200, evs.body);
    const types = evs.json.children.map((c: { entity: { eventType: string } }) => c.entity.eventType);
    assert.ok(types.includes('commerce.purchases') && types.includes('web.webpagedetails.pageViews'), types.join());
  });

  it('deduplicates redelivered messageIds', async () => {
    const msg = { userId: 'u-7', event: 'Product Viewed', messageId: 'fixed-message-id', properties: { sku: 's' } };
    for (let i = 0; i < 2; i++) {
      const r = await k.app.inject({ method: 'POST', url: '/v1/track', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` }, payload: msg });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), { success: true });
    }
    await k.processor.drain();
    assert.equal((await lake('Segment Events', `json_extract_string(record, '$._id') = 'fixed-message-id'`)).length, 1);
  });

  it('accepts the browser short forms with text/plain and the write key in the body, with CORS', async () => {
    const body = JSON.stringify({ writeKey, userId: 'u-8', event: 'Cart Viewed', messageId: 'short-1' });
    const r = await k.app.inject({ method: 'POST', url: '/v1/t', headers: { 'content-type': 'text/plain', origin: 'https://shop.example' }, payload: body });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['access-control-allow-origin'], 'https://shop.example');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    const pre = await k.app.inject({ method: 'OPTIONS', url: '/v1/t', headers: { origin: 'https://shop.example', 'access-control-request-headers': 'authorization,content-type' } });
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://shop.example');
  });

  describe('invalid input', () => {
    const post = (url: string, payload: string, headers: Record<string, string> = {}) => k.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload });
    it('unknown write key is 401', async () => {
      const r = await post('/v1/track', JSON.stringify({ writeKey: 'nope', userId: 'x', event: 'E' }));
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().success, false);
    });
    it('bad JSON is 400', async () => assert.equal((await post('/v1/batch', '{nope')).statusCode, 400));
    it('oversize message is 400', async () => {
      const r = await post('/v1/track', JSON.stringify({ writeKey, userId: 'x', event: 'E', properties: { big: 'x'.repeat(40_000) } }));
      assert.equal(r.statusCode, 400);
    });
    it('an invalid message inside a batch is answered 200 and kept as a failed record', async () => {
      const r = await post('/v1/batch', JSON.stringify({ writeKey, batch: [{ type: 'track', event: 'E', messageId: 'no-user' }] }));
      assert.equal(r.statusCode, 200);
      await k.processor.drain();
      const f = await p.call('GET', '/data/foundation/kith/failed-records');
      assert.ok(f.json.records.some((x: { reason: string }) => /no-user/.test(x.reason)), JSON.stringify(f.json.records));
    });
  });
});
