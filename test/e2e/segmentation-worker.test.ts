import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const BASE = '/data/core/ups';
const ECID = '12345678901234567890123456789012345678';

/**
 * Segmentation in its own worker thread (the default server): it learns identity graphs only from what the
 * processor forwards, so a definition that needs attributes of two identities must see their merge.
 */
describe('segmentation worker: graph views forwarded by the processor', () => {
  let k: TestKith;
  let p: Platform;
  let schema = '';
  let ds = '';
  let inlet = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    schema = await p.createSchema('Visitors', FG('profile'), [FG('identitymap'), FG('profile-person-details'), FG('profile-loyalty-details')], true);
    ds = await p.createDataset('Visitors', schema, { profile: true, identity: true });
    inlet = (await p.createInlet('segmentation worker')).inletId;
  });
  after(() => k.stop());

  const send = async (entity: Record<string, unknown>) => {
    const r = await p.collect(`/collection/${inlet}`, p.envelope(schema, ds, entity));
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  const membership = async (ns: string, id: string, segmentId: string) => {
    const r = await p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(id)}&entityIdNS=${ns}`);
    if (r.status !== 200) return undefined;
    return (Object.values(r.json)[0] as any)?.entity?.segmentMembership?.ups?.[segmentId]?.status as string | undefined;
  };

  it('changes made while the sandbox had no definitions count once one is created (the processor stops and resumes forwarding)', async () => {
    await send({ identityMap: { Email: [{ id: 'early@x.com', primary: true }] }, loyalty: { tier: 'silver' } });
    await k.processor.drain();
    await new Promise((r) => setTimeout(r, 200)); // the worker reports the sandbox empty; changes are no longer forwarded
    await send({ identityMap: { Email: [{ id: 'early@x.com', primary: true }] }, loyalty: { tier: 'diamond' } });
    await k.processor.drain();
    const d = await p.call('POST', `${BASE}/segment/definitions`, { name: 'Diamond', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'loyalty.tier = "diamond"' } });
    assert.equal(d.status, 200, d.body);
    await eventually(async () => (await membership('Email', 'early@x.com', d.json.id)) === 'realized', 'backfilled membership');
    // and new changes stream again
    await send({ identityMap: { Email: [{ id: 'late@x.com', primary: true }] }, loyalty: { tier: 'diamond' } });
    await eventually(async () => (await membership('Email', 'late@x.com', d.json.id)) === 'realized', 'streamed membership');
  });

  it('a profile qualifies once its identities are stitched (attributes from both sides), and both ids answer', async () => {
    const d = await p.call('POST', `${BASE}/segment/definitions`, { name: 'Gold Dan', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'loyalty.tier = "gold" and person.name.firstName = "Dan"' } });
    assert.equal(d.status, 200, d.body);
    const id = d.json.id as string;
    await send({ identityMap: { Email: [{ id: 'dan@x.com', primary: true }] }, loyalty: { tier: 'gold' } });
    await send({ identityMap: { ECID: [{ id: ECID, primary: true }] }, person: { name: { firstName: 'Dan' } } });
    await k.processor.drain();
    await k.processor.remote.segments.drain();
    assert.equal(await membership('ECID', ECID, id), undefined, 'neither identity qualifies alone');
    assert.equal(await membership('Email', 'dan@x.com', id), undefined);
    // one record names both: the graphs merge in the processor, the worker is told, the merged profile qualifies
    await send({ identityMap: { ECID: [{ id: ECID, primary: true }], Email: [{ id: 'dan@x.com' }] } });
    await eventually(async () => (await membership('ECID', ECID, id)) === 'realized', 'membership after the merge');
    assert.equal(await membership('Email', 'dan@x.com', id), 'realized');
    const aud = await eventually(async () => {
      const r = await p.call('GET', `${BASE}/audiences/${id}`);
      return r.json?.metrics?.data?.totalProfiles === 1 ? r : undefined;
    }, 'audience of one merged profile');
    assert.equal(aud.status, 200);
  });

  it('segmentation calls wait for changes made before them (drain sees the last event)', async () => {
    const d = await p.call('POST', `${BASE}/segment/definitions`, { name: 'Platinum', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'loyalty.tier = "platinum"' } });
    assert.equal(d.status, 200, d.body);
    await k.processor.remote.segments.drain();
    await send({ identityMap: { Email: [{ id: 'pat@x.com', primary: true }] }, loyalty: { tier: 'platinum' } });
    await k.processor.drain();
    await k.processor.remote.segments.drain();
    assert.equal(await membership('Email', 'pat@x.com', d.json.id), 'realized');
  });

  describe('invalid input', () => {
    it('an unknown segmentation method is an error, not a hang', async () => {
      // a caller the compiler did not check (the type refuses the name)
      const untyped = k.processor.remote.segments as unknown as { noSuchMethod(): Promise<unknown> };
      await assert.rejects(() => untyped.noSuchMethod(), /unknown RPC method segments\.noSuchMethod/);
    });
  });
});
