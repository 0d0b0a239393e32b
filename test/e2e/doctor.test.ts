import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { runDoctor } from '../../src/cli/doctor.js';
import { Platform } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;

/**
 * The seed's troubleshooting guide ("customer profiles do not show up in Experience Platform" with Adobe Commerce's
 * Data Connection), replayed through the public API: a profile dataset not enabled for Profile, storefront events
 * sent to the profile dataset, data sent to the stage sandbox, a revoked connector key (403003) and a profile record
 * without its primary identity. The doctor names each.
 */
describe('Profile doctor, end to end: the seed\'s failure scenarios, each named by the doctor', () => {
  let k: TestKith;
  let p: Platform;
  let profileSchema = '';
  let eventSchema = '';
  let profiles = '';
  let events = '';
  let inlet = '';
  let connectorKey = '';
  const send = async (schema: string, ds: string, e: Record<string, unknown>, to = inlet) => assert.equal((await p.collect(`/collection/${to}`, p.envelope(schema, ds, e))).status, 200);
  const doctor = async (email: string) => {
    await k.processor.drain();
    const r = await p.call('GET', `/data/foundation/kith/doctor/profile?entityIdNS=Email&entityId=${encodeURIComponent(email)}`);
    assert.equal(r.status, 200, r.body);
    return r.json;
  };
  const failing = (r: any) => r.checks.filter((c: any) => c.status === 'fail').map((c: any) => c.id);
  const storefront = (id: string, email: string) => ({ _id: id, timestamp: new Date().toISOString(), eventType: 'commerce.productViews', identityMap: { Email: [{ id: email, primary: true }] }, commerce: { productViews: { value: 1 } } });
  const profileRecord = (id: string, email: string) => ({ _id: id, personalEmail: { address: email }, identityMap: { CustomerId: [{ id: `C-${id}` }], Email: [{ id: email }] } });

  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    assert.equal((await p.call('POST', '/data/core/idnamespace/identities', { name: 'Commerce Customer ID', code: 'CustomerId', idType: 'CROSS_DEVICE' })).status, 200);
    profileSchema = await p.createSchema('Commerce Customer Profiles', FG('profile'), [FG('identitymap'), FG('profile-person-details'), FG('profile-personal-details')], true);
    await p.addIdentityDescriptor(profileSchema, '/personalEmail/address', 'Email', true);
    eventSchema = await p.createSchema('Commerce Events', FG('experienceevent'), [FG('identitymap'), FG('experienceevent-commerce')], true);
    profiles = await p.createDataset('Commerce Profiles', profileSchema, { profile: true, identity: true });
    events = await p.createDataset('Commerce Events', eventSchema, { profile: true, identity: true });
    inlet = (await p.createInlet('Commerce Data Connection')).inletId;
    const c = await p.call('POST', '/data/foundation/kith/credentials', { name: 'Commerce Services Connector' });
    connectorKey = c.json.apiKey;
  });
  after(() => k.stop());

  it('a profile that shows up: every check passes or does not apply', async () => {
    await send(profileSchema, profiles, profileRecord('ok-1', 'fine@example.com'));
    await send(eventSchema, events, storefront('ok-ev-1', 'fine@example.com'));
    const r = await doctor('fine@example.com');
    assert.deepEqual(failing(r), []);
    assert.equal(r.profile.found, true);
    assert.match(r.verdict, /every check passes/);
  });

  it('the profile dataset is not enabled for Profile: check 3 names it', async () => {
    const notEnabled = await p.createDataset('Commerce Profiles (copy)', profileSchema);
    await send(profileSchema, notEnabled, profileRecord('a-1', 'ann@example.com'));
    const r = await doctor('ann@example.com');
    assert.equal(r.profile.found, false);
    assert.deepEqual(failing(r), ['datasets']);
    assert.match(r.verdict, /"Commerce Profiles \(copy\)" .* is not enabled for Profile: its 1 records stay in the lake/);
  });

  it('storefront events sent to the profile dataset (the Profile Dataset ID is the events dataset mixed up): check 2 names it', async () => {
    await send(profileSchema, profiles, storefront('b-1', 'bob@example.com'));
    const r = await doctor('bob@example.com');
    assert.ok(failing(r).includes('failedRecords'), JSON.stringify(failing(r)));
    assert.match(r.verdict, /1 events in the profile dataset in "Commerce Profiles"/);
    assert.match(r.checks[1].fix.join(' '), /Profile Dataset ID must differ/);
  });

  it('the data went to another sandbox (stage instead of production): check 7 names it', async () => {
    assert.equal((await p.call('POST', '/data/foundation/sandbox-management/sandboxes', { name: 'stage', title: 'Stage', type: 'development' })).status, 201);
    const stage = { 'x-sandbox-name': 'stage' };
    const s = await p.call('POST', '/data/foundation/schemaregistry/tenant/schemas', { type: 'object', title: 'Commerce Customer Profiles', allOf: [{ $ref: FG('profile') }, { $ref: FG('identitymap') }, { $ref: FG('profile-personal-details') }], 'meta:immutableTags': ['union'] }, stage);
    const ds = await p.call('POST', '/data/foundation/catalog/dataSets', { name: 'Commerce Profiles', schemaRef: { id: s.json.$id, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } }, stage);
    const conn = await p.call('POST', '/data/foundation/flowservice/connections', { name: 'Commerce (stage)', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } } }, stage);
    const stageInlet = (await p.call('GET', `/data/foundation/flowservice/connections/${conn.json.id}`, undefined, stage)).json.items[0].auth.params.inletId;
    await send(s.json.$id, String(ds.json[0]).replace('@/dataSets/', ''), { _id: 'c-1', personalEmail: { address: 'cat@example.com' }, identityMap: { Email: [{ id: 'cat@example.com', primary: true }] } }, stageInlet);
    const r = await doctor('cat@example.com');
    assert.ok(failing(r).includes('otherSandboxes'), JSON.stringify(failing(r)));
    assert.match(r.verdict, /in sandbox "stage" \(1 records\), none in "prod": the source sends to another sandbox/);
  });

  it('a profile record without its primary identity: checks 2 and 3 name it', async () => {
    await send(profileSchema, profiles, { _id: 'e-1', identityMap: { CustomerId: [{ id: 'C-e-1' }], Email: [{ id: 'eve@example.com' }] } });
    const r = await doctor('eve@example.com');
    assert.ok(failing(r).includes('datasets') && failing(r).includes('failedRecords'), JSON.stringify(failing(r)));
    assert.match(r.verdict, /records sent to "Commerce Profiles" .* have no primary identity \(its schema's primary identity is \/personalEmail\/address \(Email\)/);
  });

  it('the connector\'s key was revoked (403003 "Client ID is invalid"): check 8 names the client id, count and time', async () => {
    const id = (await p.call('GET', '/data/foundation/kith/credentials')).json.credentials.find((c: any) => c.name === 'Commerce Services Connector').id;
    assert.equal((await p.call('DELETE', `/data/foundation/kith/credentials/${id}`)).status, 204);
    for (let i = 0; i < 2; i++) {
      const refused = await p.call('POST', '/data/foundation/import/batches', { datasetId: profiles, inputFormat: { format: 'json' } }, { 'x-api-key': connectorKey });
      assert.equal(refused.status, 403);
      assert.equal(refused.json.error_code, '403003');
    }
    const r = await doctor('fine@example.com');
    assert.deepEqual(failing(r), ['gatewayRejections']);
    const row = r.checks[7].evidence.rejections.find((x: any) => x.reason === 'revokedApiKey');
    assert.deepEqual([row.errorCode, row.count, row.clientId], ['403003', 2, connectorKey.slice(0, 12)]);
    assert.match(row.detail, /Commerce Services Connector/);
    assert.match(r.verdict, /403003 revokedApiKey ×2/);
  });

  it('kith doctor profile --email prints the readable report (exit 1 when a check fails)', async () => {
    let text = '';
    const out = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) });
    const env = { KITH_URL: k.baseUrl, KITH_TOKEN: k.local.accessToken, KITH_API_KEY: k.local.apiKey, KITH_ORG_ID: k.local.orgId };
    const code = await runDoctor(k.config, ['profile', '--email', 'ann@example.com'], out, env);
    assert.equal(code, 1);
    assert.match(text, /Profile doctor: Email:ann@example.com in sandbox "prod"/);
    assert.match(text, /\[FAIL\]  3\. Datasets and schemas enabled for Profile/);
    assert.match(text, /fix: Enable "Commerce Profiles \(copy\)"/);
    assert.equal(await runDoctor(k.config, ['profile'], out, env), 2, 'usage');
  });
});
