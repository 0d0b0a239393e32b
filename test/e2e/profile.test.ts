import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStorageOrThrow, storageConfigOf } from '../../src/runtime/storage.js';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;

describe('Real-Time Customer Profile, end to end through /collection', () => {
  let k: TestKith;
  let p: Platform;
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
  });
  after(() => k.stop());

  it('streams a profile record and events, then looks the same merged profile up by email and by a linked identity', async () => {
    const { profSchema, evSchema, profDs, evDs, post: send } = await p.customersAndOrders('profile e2e');
    const post = async (schema: string, ds: string, e: Record<string, unknown>) => assert.equal(await send(schema, ds, e), 200);

    await post(profSchema, profDs, {
      personalEmail: { address: 'Jane@Example.com' },
      person: { name: { firstName: 'Jane', lastName: 'Doe' } },
      identityMap: { CRMID: [{ id: 'crm-1' }] },
      extSourceSystemAudit: { lastUpdatedDate: '2026-02-01T00:00:00Z' },
    });
    // a late, older update must not overwrite the newer first name
    await post(profSchema, profDs, { personalEmail: { address: 'jane@example.com' }, person: { name: { firstName: 'Janet' } }, extSourceSystemAudit: { lastUpdatedDate: '2026-01-01T00:00:00Z' } });
    for (let i = 0; i < 3; i++)
      await post(evSchema, evDs, {
        _id: `order-${i}`,
        timestamp: `2026-03-0${i + 1}T10:00:00Z`,
        eventType: 'commerce.purchases',
        identityMap: { CRMID: [{ id: 'crm-1', primary: true }] },
        commerce: { order: { priceTotal: 10 * (i + 1), currencyCode: 'USD' }, purchases: { value: 1 } },
      });
    await k.processor.drain();

    const byEmail = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=jane@example.com&entityIdNS=email&fields=identities,person,personalEmail');
    assert.equal(byEmail.status, 200, byEmail.body);
    const [entityId, prof] = Object.entries(byEmail.json)[0] as [string, any];
    assert.equal(prof.entityId, entityId);
    assert.equal(prof.entity.person.name.firstName, 'Jane', 'event time wins, not arrival order');
    assert.equal(prof.entity.person.name.lastName, 'Doe');
    assert.ok(prof.sources.includes(profDs));
    const ids = prof.entity.identities.map((x: { id: string; namespace: { code: string } }) => `${x.namespace.code}:${x.id}`).sort();
    assert.deepEqual(ids, ['CRMID:crm-1', 'Email:jane@example.com']);

    const byCrm = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=crm-1&entityIdNS=CRMID&fields=identities,person,personalEmail');
    assert.deepEqual(byCrm.json, byEmail.json, 'the same merged profile from another linked identity');

    const events = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=jane@example.com&relatedEntityIdNS=Email&orderby=-timestamp');
    assert.equal(events.status, 200, events.body);
    assert.deepEqual(events.json.children.map((c: { entityId: string }) => c.entityId), ['order-2', 'order-1', 'order-0']);
    assert.equal(events.json.children[0].entity.commerce.order.priceTotal, 30);

    const missing = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=nobody@example.com&entityIdNS=email');
    assert.equal(missing.status, 404);
  });

  it('DELETE of a computed attribute answers 204 once the processor thread has deleted its stored values (read back at once)', async () => {
    const ca = await p.call('POST', '/data/core/ca/attributes', { name: 'orderCount', displayName: 'Orders', expression: { function: 'COUNT', eventType: 'commerce.purchases', lookbackDays: 393 } });
    assert.equal(ca.status, 200, ca.body);
    // stores of this test's own (a reader's connections: SQLite files or the PostgreSQL schema the processor writes)
    const storage = await openStorageOrThrow(storageConfigOf(k.config), 'reader');
    try {
      const store = storage.stores.profileStore;
      const sb = (await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id;
      const stored = async () => (await store.caStates(sb, ca.json.id, await store.allEventRefs(sb))).length;
      assert.ok((await stored()) > 0, 'backfilled');
      assert.equal((await p.call('DELETE', `/data/core/ca/attributes/${ca.json.id}`)).status, 204);
      assert.equal(await stored(), 0);
    } finally {
      await storage.close();
    }
  });

  it('a redelivered event is stored once, even with another timestamp (the profile store dedupes by identity, time and _id; the processor by _id first)', async () => {
    const schema = await p.createSchema('Redelivered', 'https://ns.adobe.com/xdm/context/experienceevent', [FG('identitymap')], true);
    const ds = await p.createDataset('Redelivered', schema, { profile: true, identity: true });
    const inlet = (await p.createInlet('redelivery')).inletId;
    const send = async (timestamp: string) => {
      const r = await p.collect(`/collection/${inlet}`, p.envelope(schema, ds, { _id: 'dup-1', timestamp, eventType: 'web.webpagedetails.pageViews', identityMap: { Email: [{ id: 'dup@example.com', primary: true }] } }));
      assert.equal(r.status, 200);
      await k.processor.drain(); // the second copy arrives in another chunk, after the first is stored
    };
    await send('2026-03-01T10:00:00Z');
    await send('2026-03-01T10:00:00Z');
    await send('2026-03-01T10:05:00Z'); // same _id, the sender's clock moved
    const events = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=dup@example.com&relatedEntityIdNS=Email');
    assert.equal(events.status, 200, events.body);
    assert.deepEqual(events.json.children.map((c: { entityId: string }) => c.entityId), ['dup-1']);
  });
});
