import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { MAX_JSON_DEPTH } from '../../src/shared/json-depth.js';
import { Platform } from '../helpers/platform.js';

const EVENT = 'https://ns.adobe.com/xdm/context/experienceevent';
/** `n` levels of nested arrays as JSON text (a value this deep cannot be built and stringified in JS). */
const deepText = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('streaming collection: a message nested past the limit fails alone', () => {
  let k: TestKith;
  let p: Platform;
  let schema: string;
  let ds: string;
  let inletId: string;
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    schema = await p.createSchema('Nesting events', EVENT, []);
    ds = await p.createDataset('Nesting events', schema);
    inletId = (await p.createInlet('nesting inlet')).inletId;
  });
  after(() => k.stop());

  const event = (id: string, extra = '') =>
    JSON.stringify(p.envelope(schema, ds, { _id: id, timestamp: '2026-01-02T03:04:05Z', eventType: 'web.webpagedetails.pageViews' })).replace(/"eventType"/, `${extra}"eventType"`);
  const withDeepField = (id: string, levels: number) => event(id, `"_deep":${deepText(levels)},`);

  it(`batch: a message nested 10,000 levels gets its own 400, the valid ones are accepted and land`, async () => {
    const body = `{"messages":[${event('ok-1')},${withDeepField('deep-1', 10_000)},${event('ok-2')}]}`;
    const r = await p.collect(`/collection/batch/${inletId}`, body);
    assert.equal(r.status, 207, JSON.stringify(r.json));
    const [a, b, c] = r.json.responses;
    assert.ok(a.xactionId && c.xactionId, 'valid messages accepted');
    assert.equal(b.statusCode, 400);
    assert.match(b.message, new RegExp(`nests deeper than ${MAX_JSON_DEPTH} levels`));
    await k.processor.drain();
    const table = (await p.getDataset(ds)).tags['adobe/pqs/table'][0];
    const ids = (await k.queryLake(`SELECT _id FROM ${table} ORDER BY _id`)).map((row) => row._id);
    assert.deepEqual(ids, ['ok-1', 'ok-2']);
  });

  it('batch: a message within the limit is not refused for its nesting', async () => {
    const r = await p.collect(`/collection/batch/${inletId}`, `{"messages":[${withDeepField('fine-1', MAX_JSON_DEPTH - 10)}]}`);
    assert.equal(r.status, 207);
    assert.doesNotMatch(JSON.stringify(r.json.responses[0]), /nests deeper/);
  });

  describe('invalid input', () => {
    it('single message nested 10,000 levels: 400 in the DCS shape', async () => {
      const r = await p.collect(`/collection/${inletId}`, withDeepField('deep-2', 10_000));
      assert.equal(r.status, 400);
      assert.match(r.json.report.message, /nests deeper than/);
    });
    it('raw data nested 10,000 levels: 400', async () => {
      const r = await p.collect(`/collection/${inletId}?x-adobe-flow-id=nope`, `{"a":${deepText(10_000)}}`);
      assert.equal(r.status, 400);
    });
    it('a batch whose messages is not an array: 400 naming the field', async () => {
      const r = await p.collect(`/collection/batch/${inletId}`, '{"messages":{"a":1}}');
      assert.equal(r.status, 400);
      assert.match(JSON.stringify(r.json), /messages must be array/);
    });
  });
});
