import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { DiskGuard, isIngestRoute, statfsFreeBytes } from './disk-guard.js';

describe('DiskGuard', () => {
  it('reads the free space at most once per interval', () => {
    let free = 10;
    let reads = 0;
    let now = 0;
    const g = new DiskGuard('/d', 5, () => (reads++, free), () => now, 1000);
    assert.equal(g.low(), false);
    free = 1;
    now = 999;
    assert.equal(g.low(), false, 'cached');
    assert.equal(reads, 1);
    now = 1000;
    assert.equal(g.low(), true);
    assert.equal(reads, 2);
  });

  it('statfs reports free bytes of a real directory', () => assert.ok(statfsFreeBytes(tmpdir()) > 0));

  const routes: Array<[string, string, boolean]> = [
    ['POST', '/collection/:inletId', true],
    ['POST', '/collection/batch/:inletId', true],
    ['PUT', '/data/foundation/import/batches/:batchId/datasets/:datasetId/files/:fileName', true],
    ['PATCH', '/data/foundation/import/batches/:batchId/datasets/:datasetId/files/:fileName', true],
    ['POST', '/data/foundation/import/batches/:batchId', true],
    ['POST', '/v1/track', true],
    ['POST', '/ee/v1/interact', true],
    ['POST', '/sources/shopify/:connectionId/webhooks', true],
    ['POST', '/data/foundation/kith/failed-records/replay', true],
    ['GET', '/collection/:inletId', false],
    ['OPTIONS', '/v1/track', false],
    ['POST', '/data/foundation/import/batches', false],
    ['GET', '/data/foundation/catalog/dataSets', false],
  ];
  for (const [method, url, ingest] of routes) it(`${method} ${url} ${ingest ? 'is' : 'is not'} guarded`, () => assert.equal(isIngestRoute(method, url), ingest));

  describe('invalid input', () => {
    it('an unreadable file system does not stop ingestion', () => {
      const g = new DiskGuard('/nope', 5, () => {
        throw new Error('ENOENT');
      });
      assert.equal(g.low(), false);
    });
    it('a threshold of 0 turns the guard off', () => assert.equal(new DiskGuard('/d', 0, () => 0).low(), false));
  });
});

describe('ingesting routes answer 503 with Retry-After when the disk is low', () => {
  let k: TestKith;
  before(async () => {
    // a threshold of 1 PiB: more than this disk has, so the real statfs reads "low"
    k = await startTestKith({ minFreeDiskMb: 1024 ** 3 });
  });
  after(async () => {
    await k.stop();
  });

  const json = { 'content-type': 'application/json' };
  const calls: Array<[string, 'POST' | 'PUT' | 'PATCH', string, boolean]> = [
    ['collection', 'POST', '/collection/abc', false],
    ['collection batch', 'POST', '/collection/batch/abc', false],
    ['batch file upload', 'PUT', '/data/foundation/import/batches/b1/datasets/d1/files/a.json', true],
    ['batch chunk upload', 'PATCH', '/data/foundation/import/batches/b1/datasets/d1/files/a.json', true],
    ['batch COMPLETE', 'POST', '/data/foundation/import/batches/b1?action=COMPLETE', true],
    ['Segment track', 'POST', '/v1/track', false],
    ['Edge interact', 'POST', '/ee/v1/interact', false],
    ['Shopify webhook', 'POST', '/sources/shopify/c1/webhooks', false],
    ['failed-records replay', 'POST', '/data/foundation/kith/failed-records/replay', true],
  ];
  for (const [name, method, url, platform] of calls)
    it(name, async () => {
      const r = await k.app.inject({ method, url, headers: platform ? k.headers(json) : json, payload: '{}' });
      assert.equal(r.statusCode, 503, r.body);
      assert.equal(r.headers['retry-after'], '30');
      // Segment's libraries read {success:false,code,message}; every other route answers AEP's problem body
      if (url.startsWith('/v1/')) assert.deepEqual([r.json().success, r.json().code], [false, 'unavailable']);
      else assert.equal(r.json().status, 503);
    });

  it('other routes keep working', async () => {
    const r = await k.app.inject({ method: 'GET', url: '/data/foundation/sandbox-management/sandboxes', headers: k.headers() });
    assert.equal(r.statusCode, 200);
  });
});
