import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const EVENT = 'https://ns.adobe.com/xdm/context/experienceevent';
const GOOD_ECID = '9223372036854775807' + '0000000000000000001';
const OVER_HALF_ECID = '9223372036854775808' + '0000000000000000001';

/** AEP's identity value rules hold on every ingestion path: sync validation, async streaming and batch files. */
describe('identity value validation on every ingestion path', () => {
  let k: TestKith;
  let p: Platform;
  let schema: string;
  let ds: string;
  let inlet: string;
  const event = (id: string, extra: Record<string, unknown>) => ({ _id: id, timestamp: '2026-01-02T03:04:05Z', eventType: 'web.webpagedetails.pageViews', ...extra });
  const failedCodes = async () => {
    const f = await p.call('GET', `/data/foundation/kith/failed-records?datasetId=${ds}`);
    assert.equal(f.status, 200, f.body);
    return Object.fromEntries(f.json.records.map((r: { code: string; reason: string; payload: { e?: { _id?: string } } }) => [r.payload?.e?._id, { code: r.code, reason: r.reason }]));
  };

  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    schema = await p.createSchema('Device events', EVENT, [FG('identitymap'), FG('experienceevent-environment-details')], true);
    // the ECID in an identity-descriptor field (device.typeID), not only in identityMap
    await p.addIdentityDescriptor(schema, '/device/typeID', 'ECID', false);
    ds = await p.createDataset('Device events', schema, { profile: true, identity: true });
    inlet = (await p.createInlet('identity values')).inletId;
  });
  after(() => k.stop());

  it('syncValidation accepts a valid ECID in identityMap and in a descriptor field', async () => {
    const r = await p.collect(`/collection/${inlet}?syncValidation=true`, p.envelope(schema, ds, event('ok-1', { identityMap: { ECID: [{ id: GOOD_ECID }] }, device: { typeID: GOOD_ECID } })));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.syncValidation, { status: 'pass' });
  });

  it('a blocked value (anonymous) drops only that identity: syncValidation passes and the record lands', async () => {
    const r = await p.collect(`/collection/${inlet}?syncValidation=true`, p.envelope(schema, ds, event('blocked-1', { identityMap: { Email: [{ id: 'anonymous' }], ECID: [{ id: GOOD_ECID }] } })));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.syncValidation, { status: 'pass' });
    await k.processor.drain();
    assert.equal((await failedCodes())['blocked-1'], undefined);
    const table = (await p.getDataset(ds)).tags['adobe/pqs/table'][0];
    assert.equal((await k.queryLake(`SELECT _id FROM ${table} WHERE _id = 'blocked-1'`)).length, 1);
  });

  describe('invalid input', () => {
    const syncCases: Array<[string, Record<string, unknown>, string, string]> = [
      ['an identityMap ECID of 123', { identityMap: { ECID: [{ id: '123' }] } }, '#/identityMap/ECID/0/id', 'UPLIB-101003-400'],
      ['an ECID whose first half overflows int64', { identityMap: { ECID: [{ id: OVER_HALF_ECID }] } }, '#/identityMap/ECID/0/id', 'UPLIB-101003-400'],
      ['a descriptor-field ECID of 123', { device: { typeID: '123' } }, '#/device/typeID', 'UPLIB-101003-400'],
      ['an identity value over 1024 characters', { identityMap: { CRMID: [{ id: 'x'.repeat(1025) }] } }, '#/identityMap/CRMID/0/id', 'IDENTITY_INVALID'],
    ];
    for (const [what, extra, pointer, code] of syncCases)
      it(`syncValidation answers 400 naming ${what}`, async () => {
        const r = await p.collect(`/collection/${inlet}?syncValidation=true`, p.envelope(schema, ds, event('sync-bad', extra)));
        assert.equal(r.status, 400, JSON.stringify(r.json));
        assert.equal(r.json.title, 'Invalid XDM Message Format');
        assert.ok(r.json.report.message.includes(code), r.json.report.message);
        const cause = r.json.report.cause._streamingValidation[0].causingExceptions[0];
        assert.equal(cause.pointerToViolation, pointer);
        assert.equal(cause.code, code);
        if (code === 'UPLIB-101003-400') assert.match(cause.message, /^Invalid ECID: /);
      });

    it('without syncValidation, streaming and batch files make them failed records with the reason', async () => {
      const stream = async (id: string, extra: Record<string, unknown>) =>
        assert.equal((await p.collect(`/collection/${inlet}`, p.envelope(schema, ds, event(id, extra)))).status, 200);
      await stream('stream-map', { identityMap: { ECID: [{ id: '123' }] } });
      await stream('stream-field', { device: { typeID: '123' } });
      await stream('stream-good', { device: { typeID: GOOD_ECID } });
      const c = await p.call('POST', '/data/foundation/import/batches', { datasetId: ds, inputFormat: { format: 'json' } });
      assert.equal(c.status, 201, c.body);
      const batchId = c.json.id as string;
      const lines = [event('file-field', { device: { typeID: OVER_HALF_ECID } }), event('file-good', { device: { typeID: GOOD_ECID } })].map((x) => JSON.stringify(x));
      const put = await p.call('PUT', `/data/foundation/import/batches/${batchId}/datasets/${ds}/files/events.json`, Buffer.from(lines.join('\n')), { 'content-type': 'application/octet-stream' });
      assert.equal(put.status, 200, put.body);
      assert.equal((await p.call('POST', `/data/foundation/import/batches/${batchId}?action=COMPLETE`)).status, 200);
      await k.processor.drain();
      await eventually(async () => (await p.call('GET', `/data/foundation/catalog/batches/${batchId}`)).json[batchId].status === 'success', 'batch success');

      const failed = await failedCodes();
      for (const id of ['stream-map', 'stream-field', 'file-field']) {
        assert.equal(failed[id]?.code, 'UPLIB-101003-400', `${id}: ${JSON.stringify(failed[id])}`);
        assert.match(failed[id].reason, /^Invalid ECID: /);
      }
      assert.match(failed['stream-field'].reason, /\/device\/typeID "123"/);
      assert.equal(failed['stream-good'], undefined);
      assert.equal(failed['file-good'], undefined);
    });
  });
});
