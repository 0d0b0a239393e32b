import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { Platform } from '../../test/helpers/platform.js';

const PROFILE = 'https://ns.adobe.com/xdm/context/profile';

/** KITH_MAX_BACKLOG / --max-backlog: the configured threshold, not a constant, decides when /collection answers 429. */
describe('configured backlog threshold', () => {
  let k: TestKith;
  let p: Platform;
  let send: (i: number) => Promise<{ status: number; headers: Record<string, unknown>; json: any }>;
  let batch: () => Promise<{ status: number; headers: Record<string, unknown>; json: any }>;
  before(async () => {
    // the processor is off: every accepted message stays behind
    k = await startTestKith({ maxBacklog: 3 }, { processor: { disabled: true } });
    p = new Platform(k);
    const schema = await p.createSchema('BP', PROFILE, ['https://ns.adobe.com/xdm/context/profile-person-details']);
    const ds = await p.createDataset('BP', schema);
    const inlet = await p.createInlet('bp');
    send = (i) => p.collect(`/collection/${inlet.inletId}`, p.envelope(schema, ds, { person: { name: { firstName: `n${i}` } } }));
    batch = () => p.collect(`/collection/batch/${inlet.inletId}`, { messages: [p.envelope(schema, ds, { person: { name: { firstName: 'b' } } })] });
  });
  after(async () => {
    await k.stop();
  });

  it('accepts up to the threshold, then answers 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await send(i)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
    const r = await send(99);
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.json.status, 429);
  });

  it('a batch of messages is refused whole once saturated', async () => {
    const r = await batch();
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '1');
  });

  describe('invalid input', () => {
    it('an unknown inlet gets its own error, not 429', async () => {
      const r = await p.collect('/collection/0000', p.envelope('x', 'y', {}));
      assert.ok(r.status >= 400 && r.status < 500 && r.status !== 429, String(r.status));
    });
  });
});
