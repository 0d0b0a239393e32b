import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { WorkerProcessor } from '../../src/ingest/processor/worker-processor.js';
import { Platform, eventually } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;

describe('processor worker supervision (the thread that lands data dies)', () => {
  let k: TestKith;
  let p: Platform;
  let schemaId = '';
  let datasetId = '';
  let inletId = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    schemaId = await p.createSchema('Restart events', FG('experienceevent'), [FG('identitymap')], true);
    datasetId = await p.createDataset('Restart events', schemaId, { profile: true, identity: true });
    inletId = (await p.createInlet('restart')).inletId;
  });
  after(() => k.stop());

  const batch = (from: number, n: number) => ({
    messages: Array.from({ length: n }, (_, i) =>
      p.envelope(schemaId, datasetId, { _id: `r-${from + i}`, timestamp: '2026-01-01T00:00:00Z', eventType: 'restart.test', identityMap: { Email: [{ id: `r${(from + i) % 7}@restart.example`, primary: true }] } }),
    ),
  });

  it('a crashed processor worker is replaced: everything acknowledged before, during and after lands once, and reads work again', async () => {
    const wp = k.processor as WorkerProcessor;
    assert.ok(wp instanceof WorkerProcessor);
    assert.equal(wp.starts, 1);
    let sent = 0;
    const post = async (n: number) => {
      const r = await p.collect(`/collection/batch/${inletId}`, batch(sent, n));
      assert.equal(r.status, 207, JSON.stringify(r.json));
      sent += n;
    };
    const lookupR1 = () => p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=r1%40restart.example&relatedEntityIdNS=Email`);
    await post(40);
    await eventually(async () => (await lookupR1()).status === 200, 'the first events in the profile');
    for (let i = 0; i < 4; i++) await post(40);
    wp.injectFault(); // an error nothing catches in that thread
    await eventually(async () => !wp.running(), 'the worker to exit');
    // acknowledged while no processor runs: kept in the log
    await post(40);
    const ready = await k.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 503, 'not ready while the processor is being replaced');
    // a read made during the restart is answered: the reader thread serves it, with no processor running
    const lookup = await lookupR1();
    assert.equal(lookup.status, 200, JSON.stringify(lookup.json));
    await wp.settled();
    assert.equal(wp.starts, 2);
    await post(40);
    await eventually(async () => (await k.app.inject({ method: 'GET', url: '/ready' })).statusCode === 200, 'ready again');
    await k.processor.drain();
    const table = (await p.getDataset(datasetId)).tags['adobe/pqs/table'][0];
    const rows = await k.queryLake(`SELECT _id, count(*)::INTEGER AS n FROM ${table} GROUP BY _id`);
    assert.equal(rows.length, sent, 'every acknowledged message is in the lake');
    assert.deepEqual(rows.filter((r) => Number(r.n) !== 1), [], 'none twice');
    // the profile store got every event too (deduplicated by _id across the restart)
    const events = await eventually(async () => {
      const r = await p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=r0%40restart.example&relatedEntityIdNS=Email&limit=1000`);
      return r.status === 200 && r.json.children.length === Math.ceil(sent / 7) ? r.json.children : undefined;
    }, 'the events of r0 in the profile');
    assert.equal(new Set(events.map((c: { entityId: string }) => c.entityId)).size, events.length);
  });
});
