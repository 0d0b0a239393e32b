import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { WorkerProcessor } from '../../src/ingest/processor/worker-processor.js';
import { WorkerReaders } from '../../src/runtime/reader-host.js';
import { Platform, eventually } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;

describe('profile reader thread (lookups never wait for the processor)', () => {
  let k: TestKith;
  let p: Platform;
  let eventSchema = '';
  let profileSchema = '';
  let events = '';
  let profiles = '';
  let inletId = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    eventSchema = await p.createSchema('Reader events', FG('experienceevent'), [FG('identitymap')], true);
    profileSchema = await p.createSchema('Reader people', FG('profile'), [FG('identitymap'), FG('profile-person-details')], true);
    events = await p.createDataset('Reader events', eventSchema, { profile: true, identity: true });
    profiles = await p.createDataset('Reader people', profileSchema, { profile: true, identity: true });
    inletId = (await p.createInlet('reader')).inletId;
  });
  after(() => k.stop());

  const event = (n: number, email: string, ecid: string) =>
    p.envelope(eventSchema, events, { _id: `rd-${n}`, timestamp: '2026-01-01T00:00:00Z', eventType: 'reader.test', identityMap: { Email: [{ id: email, primary: true }], ECID: [{ id: ecid }] } });
  const person = (email: string, firstName: string) =>
    p.envelope(profileSchema, profiles, { person: { name: { firstName } }, identityMap: { Email: [{ id: email, primary: true }] } });
  const profileBy = (ns: string, id: string, extra = '') =>
    p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(id)}&entityIdNS=${ns}${extra}`);
  const eventsOf = (ns: string, id: string) =>
    p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=${encodeURIComponent(id)}&relatedEntityIdNS=${ns}`);

  it('runs in its own thread beside the processor worker', () => {
    assert.ok(k.processor instanceof WorkerProcessor);
    assert.ok(k.reader instanceof WorkerReaders);
  });

  it('a linked identity finds the profile as soon as the graph is committed (the replica tails identity.db)', async () => {
    const r = await p.collect(`/collection/batch/${inletId}`, { messages: [person('ann@reader.example', 'Ann'), event(1, 'ann@reader.example', '11111111111111111111111111111111111111')] });
    assert.equal(r.status, 207, JSON.stringify(r.json));
    // the graph and the profile commit separately (one store each): on PostgreSQL a lookup may see the link a moment
    // before Ann's record, so wait for the merged profile, not just the first 200
    type Found = Record<string, { entity: { person?: { name?: { firstName?: string } } } }>;
    const found = await eventually(async () => {
      const x = await profileBy('ECID', '11111111111111111111111111111111111111');
      return x.status === 200 && Object.values(x.json as Found)[0]?.entity.person?.name?.firstName !== undefined ? (x.json as Found) : undefined;
    }, 'the profile by the linked ECID');
    assert.equal(Object.values(found)[0]!.entity.person?.name?.firstName, 'Ann');
  });

  it('lookups answer while no processor runs at all', async () => {
    await p.collect(`/collection/batch/${inletId}`, { messages: [event(2, 'bo@reader.example', '22222222222222222222222222222222222222')] });
    await eventually(async () => (await eventsOf('Email', 'bo@reader.example')).status === 200, 'the event of bo');
    const wp = k.processor as WorkerProcessor;
    wp.injectFault();
    await eventually(async () => !wp.running(), 'the processor worker to exit');
    const [a, b] = await Promise.all([eventsOf('ECID', '22222222222222222222222222222222222222'), profileBy('Email', 'ann@reader.example')]);
    assert.equal(a.status, 200, JSON.stringify(a.json));
    assert.equal(a.json.children.length, 1);
    assert.equal(b.status, 200, JSON.stringify(b.json));
    assert.equal(wp.running(), false, 'answered before the processor came back');
    await wp.settled();
  });

  it('a default merge policy changed through the API is used by the next lookup (the reader drops its cached copy)', async () => {
    const before = await profileBy('ECID', '11111111111111111111111111111111111111');
    assert.equal(before.status, 200);
    const list = await p.call('GET', '/data/core/ups/config/mergePolicies?default=true');
    const def = list.json.children[0];
    const patched = await p.call('PATCH', `/data/core/ups/config/mergePolicies/${def.id}`, [{ op: 'replace', path: '/identityGraph/type', value: 'none' }]);
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    try {
      // without the graph, the ECID alone has no data (the record and the event are the email's)
      const after = await profileBy('ECID', '11111111111111111111111111111111111111');
      assert.equal(after.status, 404, JSON.stringify(after.json));
    } finally {
      await p.call('PATCH', `/data/core/ups/config/mergePolicies/${def.id}`, [{ op: 'replace', path: '/identityGraph/type', value: 'pdg' }]);
    }
  });

  it('a crashed reader is replaced; lookups work again', async () => {
    const readers = k.reader as WorkerReaders;
    const starts = readers.starts();
    readers.injectFault();
    await eventually(async () => readers.starts() === starts + 1, 'a new reader worker');
    await readers.settled();
    const r = await profileBy('Email', 'ann@reader.example');
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });

  describe('invalid input is answered by the reader as before', () => {
    const cases: Array<{ name: string; path: string; status: number }> = [
      { name: 'unknown identity', path: '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=nobody%40reader.example&entityIdNS=Email', status: 404 },
      { name: 'unknown namespace', path: '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=x&entityIdNS=NoSuchNs', status: 404 },
      { name: 'unknown XID', path: '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=not-an-xid', status: 404 },
      { name: 'unknown merge policy', path: '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=ann%40reader.example&entityIdNS=Email&mergePolicyId=nope', status: 404 },
      { name: 'no entityId', path: '/data/core/ups/access/entities?schema.name=_xdm.context.profile', status: 400 },
    ];
    for (const c of cases) it(c.name, async () => assert.equal((await p.call('GET', c.path)).status, c.status));
  });
});
