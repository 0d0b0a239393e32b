import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { Platform } from '../../test/helpers/platform.js';

const EVENT = 'https://ns.adobe.com/xdm/context/experienceevent';

/** Datasets the platform writes itself (`kith/system`: segmentation, journeys) accept no streaming nor batch ingestion. */
describe('system datasets are read-only to ingestion', () => {
  let k: TestKith;
  let p: Platform;
  let schema: string;
  let system: string;
  let plain: string;
  let inlet: string;
  const event = (i: number) => ({ _id: `e${i}`, timestamp: '2026-12-01T00:00:00Z', identityMap: { Email: [{ id: 'a@example.com', primary: true }] } });
  before(async () => {
    k = await startTestKith({}, { processor: { disabled: true } });
    p = new Platform(k);
    schema = await p.createSchema('Steps', EVENT, ['https://ns.adobe.com/xdm/context/identitymap']);
    const r = await p.call('POST', '/data/foundation/catalog/dataSets', { name: 'Journey Step Events', schemaRef: { id: schema }, tags: { 'kith/system': ['journeys'] } });
    assert.equal(r.status, 201, r.body);
    system = String(r.json[0]).replace('@/dataSets/', '');
    plain = await p.createDataset('Mine', schema);
    inlet = (await p.createInlet('sys')).inletId;
  });
  after(async () => {
    await k.stop();
  });

  it('streaming into a system dataset is refused with the reason; other datasets still accept', async () => {
    const refused = await p.collect(`/collection/${inlet}`, p.envelope(schema, system, event(1)));
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.json), /system dataset of Kith journeys and is read-only/);
    assert.equal((await p.collect(`/collection/${inlet}`, p.envelope(schema, plain, event(2)))).status, 200);
  });

  it('a batch of messages reports the system-dataset message as failed, the others as accepted', async () => {
    const r = await p.collect(`/collection/batch/${inlet}`, { messages: [p.envelope(schema, plain, event(3)), p.envelope(schema, system, event(4))] });
    assert.equal(r.status, 207, JSON.stringify(r.json));
    const [a, b] = r.json.responses;
    assert.ok(a.xactionId, 'the plain dataset message is accepted');
    assert.equal(b.statusCode, 400);
    assert.match(b.message, /read-only: it accepts no ingestion/);
  });

  describe('invalid input', () => {
    it('a batch import into a system dataset is refused at creation', async () => {
      const r = await p.call('POST', '/data/foundation/import/batches', { datasetId: system, inputFormat: { format: 'json' } });
      assert.equal(r.status, 400);
      assert.match(r.body, /system dataset of Kith journeys/);
      const ok = await p.call('POST', '/data/foundation/import/batches', { datasetId: plain, inputFormat: { format: 'json' } });
      assert.equal(ok.status, 201, ok.body);
    });
  });
});
