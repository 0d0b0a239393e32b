import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../testing/test-kith.js';
import { Platform } from '../../../test/helpers/platform.js';
import { EDGE_DATASTREAM_SPEC, SEGMENT_SOURCE_SPEC, SHOPIFY_STREAMING_SPEC } from './source-specs.js';

const FS = '/data/foundation/flowservice';
const SHOP = 'kith-test.myshopify.com';
const conn = (spec: string, params?: Record<string, unknown>, auth: Record<string, unknown> | undefined = params === undefined ? undefined : { params }) => ({
  name: 'source',
  connectionSpec: { id: spec, version: '1.0' },
  ...(auth ? { auth } : {}),
});
type Call = Awaited<ReturnType<Platform['call']>>;

/** Each source's connection spec declares its params; creation and update check them in one place (flow/connection-specs). */
describe('source connection params', () => {
  let k: TestKith;
  let p: Platform;
  let dataset = '';
  let devDataset = '';
  const dev = { 'x-sandbox-name': 'dev' };
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    dataset = await p.createDataset('Shop profiles', await p.createSchema('Shop profiles', 'https://ns.adobe.com/xdm/context/profile', []));
    assert.ok((await k.sandboxes.create(k.local.orgId, { name: 'dev', type: 'development' }, 't')).ok);
    const s = await p.call('POST', '/data/foundation/schemaregistry/tenant/schemas', { title: 'Dev', allOf: [{ $ref: 'https://ns.adobe.com/xdm/context/profile' }] }, dev);
    const d = await p.call('POST', '/data/foundation/catalog/dataSets', { name: 'Dev', schemaRef: { id: s.json.$id, contentType: 'application/vnd.adobe.xed-full+json;version=1' } }, dev);
    devDataset = String(d.json[0]).replace(/^@\/dataSets\//, '');
  });
  after(() => k.stop());

  const valid: Array<[string, () => Record<string, unknown>, (params: Record<string, any>) => void]> = [
    ['Shopify with shop and secret', () => conn(SHOPIFY_STREAMING_SPEC, { shopDomain: SHOP, clientSecret: 's' }), (x) => assert.equal(x.clientSecret, '***')],
    ['Shopify with every optional param', () => conn(SHOPIFY_STREAMING_SPEC, { shopDomain: SHOP, clientSecret: 's', clientId: 'c', adminBaseUrl: 'http://127.0.0.1:1', apiVersion: '2026-07', scopes: ['read_orders'], topics: ['orders/create'], profileDataSetId: dataset }), (x) => assert.equal(x.profileDataSetId, dataset)],
    ['Segment with nothing: a write key is minted', () => conn(SEGMENT_SOURCE_SPEC, {}), (x) => assert.match(x.writeKey, /^kith_wk_[0-9a-f]{32}$/)],
    ['Web SDK with no auth at all: a datastream id is minted', () => conn(EDGE_DATASTREAM_SPEC), (x) => assert.match(x.datastreamId, /^[0-9a-f-]{36}$/)],
    ['Web SDK with a default consent', () => conn(EDGE_DATASTREAM_SPEC, { defaultConsent: 'pending' }), (x) => assert.equal(x.defaultConsent, 'pending')],
  ];
  for (const [name, body, check] of valid)
    it(name, async () => {
      const r = await p.call('POST', `${FS}/connections`, body());
      assert.equal(r.status, 201, r.body);
      check((await p.call('GET', `${FS}/connections/${r.json.id}`)).json.items[0].auth.params);
    });

  describe('invalid input', () => {
    const patchShop = async (ops: unknown[]) => {
      const c = await p.call('POST', `${FS}/connections`, conn(SHOPIFY_STREAMING_SPEC, { shopDomain: SHOP, clientSecret: 's' }));
      return p.call('PATCH', `${FS}/connections/${c.json.id}`, ops, { 'if-match': c.json.etag });
    };
    const cases: Array<[string, () => Promise<Call>, RegExp]> = [
      ['Shopify without auth', () => p.call('POST', `${FS}/connections`, conn(SHOPIFY_STREAMING_SPEC)), /^auth\.params\.shopDomain is required for a Shopify connection$/],
      ['Shopify without clientSecret', () => p.call('POST', `${FS}/connections`, conn(SHOPIFY_STREAMING_SPEC, { shopDomain: SHOP })), /^auth\.params\.clientSecret is required for a Shopify connection$/],
      ['Shopify with an empty clientSecret', () => p.call('POST', `${FS}/connections`, conn(SHOPIFY_STREAMING_SPEC, { shopDomain: SHOP, clientSecret: '' })), /^auth\.params\.clientSecret must be a non-empty string$|^body\.auth\.params\.clientSecret must be string$/],
      ['Shopify with a numeric clientSecret', () => p.call('POST', `${FS}/connections`, conn(SHOPIFY_STREAMING_SPEC, { shopDomain: SHOP, clientSecret: 42 })), /^auth\.params\.clientSecret must be a non-empty string$|^body\.auth\.params\.clientSecret must be string$/],
      ['Shopify with a shop that is not *.myshopify.com', () => p.call('POST', `${FS}/connections`, conn(SHOPIFY_STREAMING_SPEC, { shopDomain: 'shop.example.com', clientSecret: 's' })), /^auth\.params\.shopDomain must be a <shop>\.myshopify\.com domain, got "shop\.example\.com"$/],
      ['Shopify with scopes as a string', () => p.call('POST', `${FS}/connections`, conn(SHOPIFY_STREAMING_SPEC, { shopDomain: SHOP, clientSecret: 's', scopes: 'read_orders' })), /^auth\.params\.scopes must be an array of strings$/],
      ['Shopify naming a dataset that exists nowhere', () => p.call('POST', `${FS}/connections`, conn(SHOPIFY_STREAMING_SPEC, { shopDomain: SHOP, clientSecret: 's', eventDataSetId: 'nope' })), /^connections\.auth\.params\.eventDataSetId: no dataset 'nope' in this sandbox$/],
      ['Shopify PATCH removing clientSecret', () => patchShop([{ op: 'remove', path: '/auth/params/clientSecret' }]), /^auth\.params\.clientSecret is required for a Shopify connection$/],
      ['Shopify PATCH removing auth', () => patchShop([{ op: 'remove', path: '/auth' }]), /^auth\.params\.shopDomain is required/],
      ['Segment with an empty write key', () => p.call('POST', `${FS}/connections`, conn(SEGMENT_SOURCE_SPEC, { writeKey: '' })), /^auth\.params\.writeKey must be a non-empty string$/],
      ['Segment with a numeric userIdNamespace', () => p.call('POST', `${FS}/connections`, conn(SEGMENT_SOURCE_SPEC, { userIdNamespace: 5 })), /^auth\.params\.userIdNamespace must be a non-empty string$|^body\.auth\.params\.userIdNamespace must be string$/],
      ['Segment naming a dataset of another sandbox', () => p.call('POST', `${FS}/connections`, conn(SEGMENT_SOURCE_SPEC, { profileDataSetId: devDataset })), /^connections\.auth\.params\.profileDataSetId: no dataset '[0-9a-f]+' in this sandbox$/],
      ['Web SDK with an unknown default consent', () => p.call('POST', `${FS}/connections`, conn(EDGE_DATASTREAM_SPEC, { defaultConsent: 'maybe' })), /^auth\.params\.defaultConsent must be one of "in", "out", "pending", got "maybe"$/],
      ['Web SDK with auth.params not an object', () => p.call('POST', `${FS}/connections`, conn(EDGE_DATASTREAM_SPEC, undefined, { params: [] })), /^auth\.params must be an object$|^body\.auth\.params must be object$/],
      ['Web SDK naming a dataset from dev', () => p.call('POST', `${FS}/connections`, conn(EDGE_DATASTREAM_SPEC, { eventDataSetId: dataset }), dev), /^connections\.auth\.params\.eventDataSetId: no dataset '[0-9a-f]+' in this sandbox$/],
      ['HTTP API streaming with a bad dataType', () => p.call('POST', `${FS}/connections`, conn('bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', { dataType: 'csv' })), /^auth\.params\.dataType must be one of "xdm", "raw", got "csv"$/],
      ['HTTP API streaming with an empty sourceId', () => p.call('POST', `${FS}/connections`, conn('bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', { sourceId: '' })), /^auth\.params\.sourceId must be a non-empty string$/],
    ];
    for (const [name, call, re] of cases)
      it(name, async () => {
        const r = await call();
        assert.equal(r.status, 400, r.body);
        assert.match(r.json.detail, re);
      });
  });
});
