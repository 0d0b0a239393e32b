import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform } from '../helpers/platform.js';
import { runSetup } from '../../src/cli/setup.js';
import type { KithConfig } from '../../src/config/config.js';

/** Adobe Commerce Data Connection payloads (storefront, back office, customer profile records), one file per type. */
const DIR = new URL('../fixtures/commerce/', import.meta.url);
interface Fixture {
  name: string;
  commerceEvent: string;
  path: string;
  body: { events?: Array<{ xdm: Record<string, any> }>; event?: { xdm: Record<string, any> } };
}
const FIXTURES: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ''), ...(JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as Omit<Fixture, 'name'>) }));
const xdmOf = (f: Fixture) => (f.body.events?.[0] ?? f.body.event)!.xdm;
const storefront = FIXTURES.filter((f) => f.name.startsWith('storefront-'));
const backoffice = FIXTURES.filter((f) => f.name.startsWith('backoffice-'));
const records = FIXTURES.filter((f) => f.name.startsWith('profile-record-'));
/** The order a store sends them in: the storefront session (page view first, sign-out last), then the back office. */
const SESSION = ['page-view', 'product-page-view', 'add-to-cart', 'open-cart', 'shopping-cart-view', 'remove-from-cart', 'create-account', 'sign-in'];
storefront.sort((a, b) => ((SESSION.indexOf(a.name.slice(11)) + 1 || 99) - (SESSION.indexOf(b.name.slice(11)) + 1 || 99)) || (a.name.endsWith('sign-out') ? 1 : b.name.endsWith('sign-out') ? -1 : 0));

const EMAIL = 'mina.kim@example.com';
const CUSTOMER = '1001';

describe('Adobe Commerce: setup, storefront and back-office events and profile records through the Edge, one person', () => {
  let k: TestKith;
  let p: Platform;
  let configId = '';
  let setup: any;
  let ecid = '';
  /** The storefront device's identity cookie (alloy sends it back on every call). */
  let cookie = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
  });
  after(() => k.stop());

  it('the setup creates the namespace, schemas, datasets and datastream, and finds them the next time (API and CLI)', async () => {
    const first = await p.call('POST', '/data/foundation/kith/setup/commerce');
    assert.equal(first.status, 201, first.body);
    setup = first.json;
    assert.equal(setup.created.length, 6, setup.created.join());
    assert.deepEqual(setup.found, []);
    assert.deepEqual([setup.namespace.code, setup.namespace.name, setup.namespace.idType], ['CustomerId', 'Commerce Customer ID', 'CROSS_DEVICE']);
    configId = setup.datastream.datastreamId;
    assert.ok(configId);
    assert.notEqual(setup.eventDataset.id, setup.profileDataset.id, 'a profile dataset separate from the events dataset');
    for (const ds of [setup.eventDataset.id, setup.profileDataset.id]) {
      const d = await p.getDataset(ds);
      assert.deepEqual([d.tags.unifiedProfile, d.tags.unifiedIdentity], [['enabled:true'], ['enabled:true']]);
      const s = await p.call('GET', `/data/foundation/schemaregistry/tenant/schemas/${encodeURIComponent(d.schemaRef.id)}`, undefined, { accept: 'application/vnd.adobe.xed+json' });
      assert.deepEqual(s.json['meta:immutableTags'], ['union'], 'schema enabled for Profile');
    }
    const conn = await p.call('GET', `/data/foundation/flowservice/connections/${setup.datastream.id}`);
    assert.deepEqual([conn.json.items[0].auth.params.eventDataSetId, conn.json.items[0].auth.params.profileDataSetId], [setup.eventDataset.id, setup.profileDataset.id]);

    const again = await p.call('POST', '/data/foundation/kith/setup/commerce', {});
    assert.equal(again.status, 200, again.body);
    assert.deepEqual(again.json.created, []);
    assert.equal(again.json.found.length, 6);
    for (const part of ['namespace', 'eventSchema', 'profileSchema', 'eventDataset', 'profileDataset', 'datastream']) assert.equal(again.json[part].id, setup[part].id, part);

    let out = '';
    const sink = new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) });
    assert.equal(await runSetup({ dataDir: k.dataDir } as KithConfig, ['commerce'], sink), 0, out);
    assert.match(out, /found\s+datastream\s+Adobe Commerce/);
    assert.match(out, /0 created, 6 already there/);
    assert.ok(out.includes(configId));
  });

  it('concurrent setups of a fresh sandbox create each part once', async () => {
    const sb = await p.call('POST', '/data/foundation/sandbox-management/sandboxes', { name: 'commerce-dev', title: 'Commerce dev', type: 'development' });
    assert.ok(sb.status === 201 || sb.status === 200, sb.body);
    const h = { 'x-sandbox-name': 'commerce-dev' };
    const [a, b] = await Promise.all([p.call('POST', '/data/foundation/kith/setup/commerce', undefined, h), p.call('POST', '/data/foundation/kith/setup/commerce', undefined, h)]);
    assert.deepEqual([a.status, b.status].sort(), [200, 201], a.body + b.body);
    assert.equal(a.json.created.length + b.json.created.length, 6);
    assert.equal(a.json.datastream.id, b.json.datastream.id);
  });

  const edge = (path: string, body: unknown, extra: Record<string, string> = {}) =>
    k.app.inject({ method: 'POST', url: `${path}?configId=${configId}&requestId=r-${Math.random()}`, headers: { 'content-type': 'text/plain; charset=UTF-8', origin: 'https://shop.example', ...extra }, payload: JSON.stringify(body) });

  it('every storefront event is accepted from the Web SDK (one device: the ECID cookie comes back)', async () => {
    assert.equal(storefront.length, 18, 'every documented storefront event type');
    for (const f of storefront) {
      const r = await edge(f.path, f.body, cookie ? { cookie } : {});
      assert.equal(r.statusCode, 200, `${f.name}: ${r.body}`);
      const id = r.json().handle.find((h: { type: string }) => h.type === 'identity:result').payload[0].id as string;
      if (!ecid) {
        ecid = id;
        const store = r.json().handle.find((h: { type: string }) => h.type === 'state:store').payload[0];
        cookie = `${store.key}=${store.value}`;
      }
      assert.equal(id, ecid, f.name);
    }
  });

  it('back-office events and profile records are accepted from the server API, and mint no ECID', async () => {
    assert.equal(backoffice.length, 11, 'every documented back-office event type');
    assert.equal(records.length, 3);
    for (const f of [...backoffice, ...records]) {
      const r = await edge(f.path, f.body);
      assert.equal(r.statusCode, 204, `${f.name}: ${r.body}`);
    }
    const i = await edge('/ee/v2/interact', backoffice[0]!.body);
    assert.equal(i.statusCode, 200, i.body);
    assert.deepEqual(
      i.json().handle.map((h: { type: string }) => h.type).filter((t: string) => t !== 'locationHint:result'),
      [],
      'no identity:result, no cookie: a server call names the person, it is not a device',
    );
  });

  it("the connector's outbox retries are idempotent on _id (events and profile records)", async () => {
    for (const f of [backoffice.find((x) => x.name.endsWith('order-placed'))!, records.find((x) => x.name.endsWith('update'))!, storefront.find((x) => x.name.endsWith('complete-checkout'))!])
      assert.ok([200, 204].includes((await edge(f.path, f.body, f.path.startsWith('/ee/v1/') ? { cookie } : {})).statusCode), f.name);
  });

  let tables: Record<string, string> = {};
  it('events land in the events dataset, profile records in the profile dataset, nothing fails', async () => {
    await k.processor.drain();
    const failed = await p.call('GET', '/data/foundation/kith/failed-records');
    assert.deepEqual(failed.json.records.map((r: { reason: string }) => r.reason), [], 'every documented payload validates');
    const sets = (await p.call('GET', '/data/foundation/catalog/dataSets')).json;
    tables = { events: sets[setup.eventDataset.id].tags['adobe/pqs/table'][0], profiles: sets[setup.profileDataset.id].tags['adobe/pqs/table'][0] };
    const events = (await k.queryLake(`SELECT record FROM ${tables.events}`)).map((r) => JSON.parse(String(r.record)));
    const types = events.map((e) => e.eventType).sort();
    assert.deepEqual(types, [...storefront, ...backoffice].map((f) => xdmOf(f).eventType as string).sort(), 'each event once, retries dropped on _id');
    assert.ok(!types.includes('edge.unspecified'));
    for (const e of events.filter((x) => x._id.startsWith('bo-'))) assert.equal(e.identityMap.ECID, undefined, `${e.eventType} carries no minted ECID`);
    for (const e of events.filter((x) => x._id.startsWith('sf-'))) assert.deepEqual(e.identityMap.ECID.map((i: { id: string }) => i.id), [ecid]);
    const profiles = (await k.queryLake(`SELECT record FROM ${tables.profiles}`)).map((r) => JSON.parse(String(r.record)));
    const full = profiles.filter((r) => r.billingAddress);
    assert.deepEqual(full.map((r) => r._id as string).sort(), records.map((f) => xdmOf(f)._id as string).sort(), 'create, update and delete once each: the retried update dropped on _id');
    assert.ok(full.every((r) => r.identityMap.CustomerId[0].id === CUSTOMER && !r.identityMap.ECID && !r.eventType));
    const notIngested = await p.call('GET', `/data/foundation/kith/not-ingested-to-profile?datasetId=${setup.profileDataset.id}`);
    assert.equal(notIngested.status, 200, notIngested.body);
    assert.deepEqual(notIngested.json.records, [], 'every profile record reached the profile');
  });

  const lookup = async (ns: string, id: string) => {
    const r = await p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(id)}&entityIdNS=${ns}&fields=identities,person,billingAddress,shippingAddressPhone,userAccount,channel`);
    assert.equal(r.status, 200, r.body);
    const entries = Object.values(r.json) as Array<{ entity: any }>;
    assert.equal(entries.length, 1, `one person for ${ns}:${id}`);
    return entries[0]!.entity;
  };

  it('an agent finds ONE person by email, by CustomerId and by the storefront ECID, with the profile record attributes', async () => {
    const byEmail = await lookup('Email', EMAIL);
    const byCustomer = await lookup('CustomerId', CUSTOMER);
    const byEcid = await lookup('ECID', ecid);
    const ids = (e: any) => (e.identities as Array<{ id: string; namespace: { code: string } }>).map((i) => `${i.namespace.code}:${i.id}`).sort();
    assert.deepEqual(ids(byCustomer), ids(byEmail));
    assert.deepEqual(ids(byEcid), ids(byEmail));
    assert.deepEqual(ids(byEmail), [`CustomerId:${CUSTOMER}`, `ECID:${ecid}`, `Email:${EMAIL}`], 'the one storefront ECID, no ECID per back-office call');
    assert.equal(byEmail.person.name.lastName, 'Kim-Park', 'the latest profile record wins');
    assert.equal(byEmail.person.birthDate, '1990-04-12');
    assert.equal(byEmail.billingAddress.city, 'Seoul');
    assert.equal(byEmail.shippingAddressPhone.number, '+82 2-555-0199');
    assert.equal(byEmail.userAccount.startDate, '2026-11-10T09:30:00.000Z');
    assert.equal(byEmail.channel._id, 'https://ns.adobe.com/xdm/channels/web');
  });

  it("the person's timeline holds the order placed, invoiced, shipped, refunded and returned", async () => {
    const r = await p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=${CUSTOMER}&relatedEntityIdNS=CustomerId&limit=100`);
    assert.equal(r.status, 200, r.body);
    const types = r.json.children.map((c: { entity: { eventType: string } }) => c.entity.eventType);
    for (const t of [
      'commerce.purchases',
      'commerce.backofficeOrderPlaced',
      'commerce.backofficeOrderInvoiced',
      'commerce.backofficeOrderItemsShipped',
      'commerce.backofficeOrderShipmentCompleted',
      'commerce.backofficeCreditMemoIssued',
      'commerce.backofficeOrderItemsReturnInitiated',
      'commerce.backofficeOrderItemsReturnCompleted',
      'userAccount.login',
    ])
      assert.equal(types.filter((x: string) => x === t).length, 1, `${t} once in ${types.join()}`);
    const refund = r.json.children.find((c: { entity: { eventType: string } }) => c.entity.eventType === 'commerce.backofficeCreditMemoIssued').entity;
    assert.equal(refund.commerce.refunds[0].refundAmount, 84);
  });

  it('a plain Web SDK datastream (datasets Kith provisions) also routes the profile record and takes the sign-in', async () => {
    const c = await p.call('POST', '/data/foundation/flowservice/connections', { name: 'plain web', connectionSpec: { id: '6d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6', version: '1.0' }, auth: { params: {} } });
    assert.equal(c.status, 201, c.body);
    const plain = (await p.call('GET', `/data/foundation/flowservice/connections/${c.json.id}`)).json.items[0].auth.params.datastreamId;
    const send = (f: Fixture) => k.app.inject({ method: 'POST', url: `${f.path}?configId=${plain}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(f.body) });
    for (const f of [records[0]!, storefront.find((x) => x.name.endsWith('sign-in'))!]) assert.ok([200, 204].includes((await send(f)).statusCode), f.name);
    await k.processor.drain();
    const failed = (await p.call('GET', '/data/foundation/kith/failed-records')).json.records;
    assert.deepEqual(failed.map((r: { reason: string }) => r.reason), [], 'nothing failed (neither before nor now)');
  });

  describe('invalid input', () => {
    const cases: Array<[string, () => Promise<{ status: number }>, number]> = [
      ['a setup body with an unknown field', () => p.call('POST', '/data/foundation/kith/setup/commerce', { datasets: 1 }), 400],
      ['a setup body that is not an object', () => p.call('POST', '/data/foundation/kith/setup/commerce', '[1]', { 'content-type': 'application/json' }), 400],
      ['a setup without credentials (gateway error)', async () => ({ status: (await k.app.inject({ method: 'POST', url: '/data/foundation/kith/setup/commerce' })).statusCode }), 403],
      ['a setup of an unknown sandbox', () => p.call('POST', '/data/foundation/kith/setup/commerce', undefined, { 'x-sandbox-name': 'nope' }), 403],
    ];
    for (const [name, call, status] of cases) it(name, async () => assert.equal((await call()).status, status));
    // [name, data directory ('' = the test Kith's), arguments, output]
    const cli: Array<[string, string, string[], RegExp]> = [
      ['the CLI without a subcommand', '', [], /usage:/],
      ['the CLI with an unknown subcommand', '', ['shopify'], /usage:/],
      ['the CLI without credentials', '/nonexistent-kith-dir', ['commerce'], /no credentials/],
    ];
    for (const [name, dir, args, msg] of cli)
      it(name, async () => {
        let out = '';
        const sink = new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) });
        const env = { ...process.env };
        for (const v of ['KITH_URL', 'KITH_TOKEN', 'KITH_API_KEY', 'KITH_ORG_ID']) delete process.env[v];
        try {
          assert.equal(await runSetup({ dataDir: dir === '' ? k.dataDir : dir } as KithConfig, args, sink), 2);
        } finally {
          process.env = env;
        }
        assert.match(out, msg);
      });
    it('a profile record with a field no schema has stays an event and fails with its reason (nothing lost)', async () => {
      const xdm = { ...xdmOf(records[0]!), loyaltyTier: 'gold' };
      assert.equal((await edge('/ee/v2/collect', { event: { xdm } })).statusCode, 204);
      await k.processor.drain();
      const failed = await p.call('GET', '/data/foundation/kith/failed-records');
      assert.ok(failed.json.records.some((f: { reason: string }) => /loyaltyTier|billingAddress/.test(JSON.stringify(f))), failed.body);
    });
  });
});
