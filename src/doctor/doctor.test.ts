import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { ManualClock } from '../shared/clock.js';
import { DoctorTestApi } from './testing.js';
import type { CheckId } from './doctor-types.js';

const HOUR = 3600_000;

/**
 * Every check of the profile doctor made to fail for its reason, then passing once the cause is fixed, through the
 * public API of a real Kith (the processor inline, a manual clock).
 */
describe('Profile doctor: each check fails for its reason and passes once the cause is fixed', () => {
  let k: TestKith;
  let api: DoctorTestApi;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  let customers = { schema: '', ds: '' };
  let orders = { schema: '', ds: '' };
  let inlet = '';
  const status = async (ns: string, id: string, check: CheckId) => (await api.check(ns, id, check)).status;
  const event = (id: string, email: string) => ({ _id: id, timestamp: new Date(clock.now()).toISOString(), eventType: 'commerce.purchases', identityMap: { Email: [{ id: email, primary: true }] } });

  before(async () => {
    k = await startTestKith({}, { clock });
    api = new DoctorTestApi(k);
    customers.schema = await api.schema('Customers', 'profile', ['identitymap', 'profile-person-details', 'profile-personal-details', 'profile-consents']);
    await api.primaryDescriptor(customers.schema, '/personalEmail/address', 'Email');
    customers.ds = await api.dataset('Customers', customers.schema, true);
    orders.schema = await api.schema('Orders', 'experienceevent', ['identitymap', 'experienceevent-commerce']);
    orders.ds = await api.dataset('Orders', orders.schema, true);
    inlet = await api.inlet('doctor');
  });
  after(() => k.stop());

  it('the answer names the identity and the sandbox, and has the ten checks in order with a verdict', async () => {
    const r = await api.doctor('Email', 'nobody@example.com');
    assert.deepEqual(r.checks.map((c) => c.number), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual([r.identity.namespace, r.identity.id, r.sandbox.name, r.profile.found], ['Email', 'nobody@example.com', 'prod', false]);
    assert.equal(r.summary.pass + r.summary.fail + r.summary.notApplicable, 10);
    assert.match(r.verdict, /^1\. No record naming Email:nobody@example.com/);
  });

  it('1. records received: none → fail; once one is sent → pass, with the dataset, its source and times', async () => {
    const c1 = await api.check('Email', 'first@example.com', 'recordsReceived');
    assert.equal(c1.status, 'fail');
    assert.match(c1.summary, /No record naming Email:first@example.com reached sandbox "prod"/);
    assert.ok(c1.fix.length > 0);
    assert.equal(await api.send(inlet, customers.schema, customers.ds, { _id: 'c-first', personalEmail: { address: 'first@example.com' } }), 200);
    const c2 = await api.check('Email', 'first@example.com', 'recordsReceived');
    assert.equal(c2.status, 'pass', c2.summary);
    const lake = (c2.evidence.lake as any[])[0];
    assert.deepEqual([lake.datasetId, lake.dataset, lake.records, lake.lastRecordId, lake.sources[0].source], [customers.ds, 'Customers', 1, 'c-first', 'streaming']);
    assert.equal(typeof lake.lastReceivedAt, 'number');
    assert.deepEqual(c2.fix, []);
  });

  it('1. the value is looked for whole and case-insensitively: "Case@Example.COM" counts for case@example.com, "xcase@example.com" does not', async () => {
    assert.equal(await api.send(inlet, customers.schema, customers.ds, { _id: 'case-1', personalEmail: { address: 'Case@Example.COM' } }), 200);
    assert.equal(await api.send(inlet, customers.schema, customers.ds, { _id: 'case-2', personalEmail: { address: 'xcase@example.com' } }), 200);
    const c = await api.check('Email', 'case@example.com', 'recordsReceived');
    assert.deepEqual((c.evidence.lake as any[]).map((l) => [l.records, l.lastRecordId]), [[1, 'case-1']]);
  });

  it('2. failed records: events sent to the profile dataset → fail naming it; the same events sent to the events dataset → pass', async () => {
    for (const i of [1, 2]) assert.equal(await api.send(inlet, customers.schema, customers.ds, event(`mis-${i}`, 'misrouted@example.com')), 200);
    const c1 = await api.check('Email', 'misrouted@example.com', 'failedRecords');
    assert.equal(c1.status, 'fail');
    assert.match(c1.summary, /2 events in the profile dataset in "Customers"/);
    assert.match(c1.fix.join(' '), /ExperienceEvents were sent to the profile dataset "Customers".*"Orders"/);
    assert.equal((c1.evidence.failed as any[])[0].misrouted, 'eventInProfileDataset');
    for (const i of [1, 2]) assert.equal(await api.send(inlet, orders.schema, orders.ds, event(`mis-${i}`, 'misrouted@example.com')), 200);
    const c2 = await api.check('Email', 'misrouted@example.com', 'failedRecords');
    assert.equal(c2.status, 'pass', c2.summary);
    assert.equal(c2.evidence.resolved, 2);
  });

  it('2. not ingested to profile: a record of an unknown namespace → fail with the reason; the namespace created and the record replayed → pass', async () => {
    const schema = await api.schema('Leads', 'profile', ['identitymap', 'profile-personal-details']);
    const ds = await api.dataset('Leads', schema, true);
    assert.equal(await api.send(inlet, schema, ds, { _id: 'lead-1', identityMap: { Member: [{ id: 'M-77', primary: true }] } }), 200);
    const c1 = await api.check('Member', 'M-77', 'failedRecords');
    assert.equal(c1.status, 'fail');
    assert.equal((c1.evidence.notIngestedToProfile as any[])[0].code, 'UNKNOWN_NAMESPACE');
    assert.match(c1.fix.join(' '), /Create the namespace/);
    await api.ok('POST', '/data/core/idnamespace/identities', { name: 'Member', code: 'Member', idType: 'CROSS_DEVICE' });
    await api.ok('POST', '/data/foundation/kith/not-ingested-to-profile/replay', { reason: 'UNKNOWN_NAMESPACE' });
    assert.equal(await status('Member', 'M-77', 'failedRecords'), 'pass');
  });

  it('3. datasets: a profile dataset not enabled for Profile → fail; enabled → pass', async () => {
    const schema = await api.schema('Members', 'profile', ['identitymap', 'profile-personal-details']);
    await api.primaryDescriptor(schema, '/personalEmail/address', 'Email');
    const ds = await api.dataset('Members', schema, false);
    assert.equal(await api.send(inlet, schema, ds, { _id: 'm-1', personalEmail: { address: 'member@example.com' } }), 200);
    const r = await api.doctor('Email', 'member@example.com');
    const c1 = r.checks.find((c) => c.id === 'datasets')!;
    assert.equal(c1.status, 'fail');
    assert.match(c1.summary, /"Members" \(.+\) is not enabled for Profile: its 1 records stay in the lake/);
    assert.equal(r.profile.found, false);
    await api.enable(ds);
    assert.equal(await status('Email', 'member@example.com', 'datasets'), 'pass');
  });

  it('3. datasets: records without a primary identity → fail naming the descriptor they lack; sent again with it → pass', async () => {
    assert.equal(await api.send(inlet, customers.schema, customers.ds, { _id: 'np-2', identityMap: { Email: [{ id: 'lead@example.com' }] } }), 200);
    const c1 = await api.check('Email', 'lead@example.com', 'datasets');
    assert.equal(c1.status, 'fail');
    assert.match(c1.summary, /1 records sent to "Customers" .* have no primary identity \(its schema's primary identity is \/personalEmail\/address \(Email\)/);
    assert.equal(await api.send(inlet, customers.schema, customers.ds, { _id: 'np-2', personalEmail: { address: 'lead@example.com' } }), 200);
    assert.equal(await status('Email', 'lead@example.com', 'datasets'), 'pass');
  });

  it('4. namespace: unknown → fail; created → pass', async () => {
    const c1 = await api.check('Loyalty', 'L-1', 'namespace');
    assert.equal(c1.status, 'fail');
    assert.match(c1.summary, /namespace "Loyalty" does not exist/);
    await api.ok('POST', '/data/core/idnamespace/identities', { name: 'Loyalty', code: 'Loyalty', idType: 'CROSS_DEVICE' });
    assert.equal(await status('Loyalty', 'L-1', 'namespace'), 'pass');
  });

  it('4. namespace: a value blocked by the linking rules → fail; unblocked → pass', async () => {
    const rules = await api.ok('GET', '/data/core/identity/settings');
    await api.ok('PUT', '/data/core/identity/settings', { ...rules, blockedValues: { ...rules.blockedValues, Email: ['test@example.com'] } });
    const c1 = await api.check('Email', 'test@example.com', 'namespace');
    assert.equal(c1.status, 'fail');
    assert.match(c1.summary, /blocked by the sandbox's linking rules/);
    await api.ok('PUT', '/data/core/identity/settings', rules);
    assert.equal(await status('Email', 'test@example.com', 'namespace'), 'pass');
  });

  it('4. namespace: an invalid ECID → fail (UPLIB-101003-400); a valid one → pass', async () => {
    const c1 = await api.check('ECID', '1234', 'namespace');
    assert.equal(c1.status, 'fail');
    assert.match(c1.summary, /Invalid ECID \(UPLIB-101003-400\)/);
    assert.equal(await status('ECID', '12345678901234567890123456789012345678', 'namespace'), 'pass');
  });

  it('5. identity graph: evicted by the graph size limit → fail; the limit raised → pass', async () => {
    const rules = await api.ok('GET', '/data/core/identity/settings');
    await api.ok('PUT', '/data/core/identity/settings', { ...rules, graphSizeLimit: 3 });
    const ecid = (n: number) => `${String(n).padStart(19, '0')}${'1'.padStart(19, '0')}`;
    for (const n of [1, 2, 3]) {
      clock.advance(1000);
      assert.equal(await api.send(inlet, orders.schema, orders.ds, { _id: `g-${n}`, timestamp: new Date(clock.now()).toISOString(), eventType: 'web.webpagedetails.pageViews', identityMap: { Email: [{ id: 'graph@example.com' }], ECID: [{ id: ecid(n) }] } }), 200);
    }
    const c1 = await api.check('ECID', ecid(1), 'identityGraph');
    assert.equal(c1.status, 'fail', c1.summary);
    assert.match(c1.summary, /evicted by the graph size limit/);
    assert.match(c1.fix.join(' '), /size limit \(3\)/);
    await api.ok('PUT', '/data/core/identity/settings', rules);
    const c2 = await api.check('ECID', ecid(1), 'identityGraph');
    assert.equal(c2.status, 'pass', c2.summary);
    assert.equal(c2.evidence.graphSize, 4);
  });

  it('6. merge policy: a dataSetPrecedence default that leaves out the dataset holding the data → fail; the dataset added → pass', async () => {
    assert.equal(await api.send(inlet, customers.schema, customers.ds, { _id: 'mp-1', personalEmail: { address: 'merged@example.com' } }), 200);
    const p = await api.ok('POST', '/data/core/ups/config/mergePolicies', { name: 'Orders first', identityGraph: { type: 'pdg' }, attributeMerge: { type: 'dataSetPrecedence', order: [orders.ds] }, schema: { name: '_xdm.context.profile' }, default: true });
    const c1 = await api.check('Email', 'merged@example.com', 'mergePolicy');
    assert.equal(c1.status, 'fail');
    assert.match(c1.summary, /leaves out "Customers"/);
    await api.ok('PUT', `/data/core/ups/config/mergePolicies/${p.id}`, { name: 'Orders first', identityGraph: { type: 'pdg' }, attributeMerge: { type: 'dataSetPrecedence', order: [orders.ds, customers.ds] }, schema: { name: '_xdm.context.profile' }, default: true });
    assert.equal(await status('Email', 'merged@example.com', 'mergePolicy'), 'pass');
    await api.ok('PUT', `/data/core/ups/config/mergePolicies/${p.id}`, { name: 'Orders first', identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' }, schema: { name: '_xdm.context.profile' }, default: true });
  });

  it('7. other sandboxes: the records went to "stage" → fail naming it; sent to "prod" → pass', async () => {
    await api.ok('POST', '/data/foundation/sandbox-management/sandboxes', { name: 'stage', title: 'Stage', type: 'development' });
    const schema = await api.schema('Customers', 'profile', ['identitymap', 'profile-personal-details'], 'stage');
    await api.primaryDescriptor(schema, '/personalEmail/address', 'Email', 'stage');
    const ds = await api.dataset('Customers', schema, true, 'stage');
    const stageInlet = await api.inlet('stage source', 'stage');
    assert.equal(await api.send(stageInlet, schema, ds, { _id: 's-1', personalEmail: { address: 'staged@example.com' } }), 200);
    const c1 = await api.check('Email', 'staged@example.com', 'otherSandboxes');
    assert.equal(c1.status, 'fail');
    assert.match(c1.summary, /sandbox "stage" \(1 records\), none in "prod"/);
    assert.equal(await api.send(inlet, customers.schema, customers.ds, { _id: 's-1', personalEmail: { address: 'staged@example.com' } }), 200);
    assert.equal(await status('Email', 'staged@example.com', 'otherSandboxes'), 'pass');
  });

  it('8. gateway rejections: a revoked key in use → fail with the client id, count and time; a day without one → pass', async () => {
    const made = await api.ok('POST', '/data/foundation/kith/credentials', { name: 'commerce connector' });
    await api.ok('DELETE', `/data/foundation/kith/credentials/${made.id}`);
    for (let i = 0; i < 3; i++) assert.equal((await api.call('GET', '/data/foundation/catalog/dataSets', undefined, { 'x-api-key': made.apiKey })).status, 403);
    const c1 = await api.check('Email', 'first@example.com', 'gatewayRejections');
    assert.equal(c1.status, 'fail');
    const row = (c1.evidence.rejections as any[]).find((r) => r.reason === 'revokedApiKey');
    assert.deepEqual([row.count, row.errorCode, row.clientId], [3, '403003', String(made.apiKey).slice(0, 12)]);
    assert.match(c1.fix.join(' '), /revoked credential/);
    clock.advance(25 * HOUR);
    assert.equal(await status('Email', 'first@example.com', 'gatewayRejections'), 'pass');
  });

  it('10. consent: the person refused collection → fail; consent given → pass', async () => {
    const rec = (val: string) => ({ _id: 'consent-1', personalEmail: { address: 'optout@example.com' }, consents: { collect: { val } } });
    assert.equal(await api.send(inlet, customers.schema, customers.ds, rec('n')), 200);
    const c1 = await api.check('Email', 'optout@example.com', 'consent');
    assert.equal(c1.status, 'fail', c1.summary);
    assert.match(c1.summary, /refuses collection/);
    clock.advance(1000);
    assert.equal(await api.send(inlet, customers.schema, customers.ds, { ...rec('y'), _id: 'consent-2' }), 200);
    assert.equal(await status('Email', 'optout@example.com', 'consent'), 'pass');
  });

  describe('invalid input', () => {
    const bad: Array<[string, string]> = [
      ['no entityId', '?entityIdNS=Email'],
      ['no entityIdNS', '?entityId=a@example.com'],
      ['an empty entityId', '?entityIdNS=Email&entityId='],
      ['an entityId over 1024 characters', `?entityIdNS=Email&entityId=${'a'.repeat(1025)}`],
    ];
    for (const [what, q] of bad)
      it(`${what}: 400`, async () => {
        const r = await api.call('GET', `/data/foundation/kith/doctor/profile${q}`);
        assert.equal(r.status, 400, r.body);
      });
    it('values with quotes, backslashes and unicode are looked for, never break the lake query', async () => {
      for (const id of ["o'brien@example.com", 'back\\slash"quote', 'ü😀@example.com', '%_*']) {
        const r = await api.call('GET', `/data/foundation/kith/doctor/profile?entityIdNS=Email&entityId=${encodeURIComponent(id)}`);
        assert.equal(r.status, 200, r.body);
      }
    });
    it('without the sandbox header: the gateway refuses (and records it)', async () => {
      const r = await k.app.inject({ method: 'GET', url: '/data/foundation/kith/doctor/profile?entityIdNS=Email&entityId=x', headers: { ...k.headers(), 'x-sandbox-name': '' } });
      assert.equal(r.statusCode, 400);
    });
  });
});
