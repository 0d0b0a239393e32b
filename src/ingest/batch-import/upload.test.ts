import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startTestKith, type TestKith } from '../../testing/test-kith.js';
import { Platform, eventually } from '../../../test/helpers/platform.js';

const PROFILE = 'https://ns.adobe.com/xdm/context/profile';
const LIMIT = 64 * 1024;
const guard = { timeout: 30_000 };

/** Batch file uploads are written to disk as they arrive, with the size limit enforced while streaming. */
describe('batch file uploads stream to disk', () => {
  let k: TestKith;
  let p: Platform;
  let ds: string;
  before(async () => {
    k = await startTestKith({ apiBodyLimit: LIMIT });
    p = new Platform(k);
    const schema = await p.createSchema('Up', PROFILE, ['https://ns.adobe.com/xdm/context/profile-person-details']);
    ds = await p.createDataset('Up', schema);
  });
  after(async () => {
    await k.stop();
  });

  const newBatch = async () => (await p.call('POST', '/data/foundation/import/batches', { datasetId: ds, inputFormat: { format: 'json' } })).json.id as string;
  const fileUrl = (batch: string, name = 'a.json') => `/data/foundation/import/batches/${batch}/datasets/${ds}/files/${name}`;
  const staged = (batch: string) => join(k.dataDir, 'uploads', batch, ds);
  const stagedFiles = (batch: string) => (existsSync(staged(batch)) ? readdirSync(staged(batch)) : []);

  /** A real HTTP upload whose body is written by the caller; resolves with the status and body. */
  function upload(method: string, url: string, headers: Record<string, string> = {}) {
    const port = (k.app.server.address() as { port: number }).port;
    const req = request({ host: '127.0.0.1', port, method, path: url, headers: { ...k.headers(), 'content-type': 'application/octet-stream', ...headers } });
    const done = new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
    });
    return { req, done };
  }

  it('the first bytes are on disk before the body has ended', guard, async () => {
    const batch = await newBatch();
    const u = upload('PUT', fileUrl(batch));
    const first = '{"_id":"1"}\n'.repeat(100);
    u.req.write(first);
    // without streaming nothing reaches the disk until the last byte: this wait never ends
    await eventually(async () => stagedFiles(batch).some((f) => statSync(join(staged(batch), f)).size >= first.length), 'the partial upload on disk');
    u.req.end('{"_id":"2"}\n');
    assert.equal((await u.done).status, 200);
    assert.deepEqual(stagedFiles(batch), ['a.json'], 'the temporary file was renamed');
    assert.equal(readFileSync(join(staged(batch), 'a.json'), 'utf8'), `${first}{"_id":"2"}\n`);
  });

  it('any content type, or none, is taken as the raw file', guard, async () => {
    const batch = await newBatch();
    for (const [name, type] of [['none.json', undefined], ['csv.json', 'text/csv'], ['json.json', 'application/json']] as const) {
      const r = await k.app.inject({ method: 'PUT', url: fileUrl(batch, name), headers: { ...k.headers(), ...(type ? { 'content-type': type } : {}) }, payload: '{"_id":"x"}\n' });
      assert.equal(r.statusCode, 200, `${name}: ${r.body}`);
      assert.equal(readFileSync(join(staged(batch), name), 'utf8'), '{"_id":"x"}\n');
    }
  });

  it('large files: INITIALIZE, then chunks with Content-Range written in place', guard, async () => {
    const batch = await newBatch();
    assert.equal((await p.call('POST', `${fileUrl(batch, 'big.json')}?action=INITIALIZE`)).status, 201);
    const parts = ['{"_id":"a"}\n', '{"_id":"b"}\n'];
    let at = 0;
    for (const part of parts) {
      const u = upload('PATCH', fileUrl(batch, 'big.json'), { 'content-range': `bytes ${at}-${at + part.length - 1}/*` });
      u.req.end(part);
      assert.equal((await u.done).status, 200);
      at += part.length;
    }
    assert.equal(readFileSync(join(staged(batch), 'big.json'), 'utf8'), parts.join(''));
  });

  describe('invalid input', () => {
    const over = Buffer.alloc(LIMIT + 1, 'x');
    const cases: Array<[string, (batch: string) => Promise<{ status: number; body: string }>, number]> = [
      ['a chunked body past the limit', async (batch) => {
        const u = upload('PUT', fileUrl(batch), { 'transfer-encoding': 'chunked' });
        u.req.write(over.subarray(0, LIMIT));
        u.req.end(over.subarray(LIMIT));
        return u.done;
      }, 413],
      ['a Content-Length past the limit', async (batch) => {
        const u = upload('PUT', fileUrl(batch), { 'content-length': String(over.length) });
        u.req.end(over);
        return u.done;
      }, 413],
      ['a chunk whose range ends past the limit', async (batch) => {
        await p.call('POST', `${fileUrl(batch)}?action=INITIALIZE`);
        const u = upload('PATCH', fileUrl(batch), { 'content-range': `bytes ${LIMIT}-${LIMIT + 1}/*` });
        u.req.end('ab');
        return u.done;
      }, 413],
      ['a chunk shorter than its Content-Range', async (batch) => {
        await p.call('POST', `${fileUrl(batch)}?action=INITIALIZE`);
        const u = upload('PATCH', fileUrl(batch), { 'content-range': 'bytes 0-9/*' });
        u.req.end('abc');
        return u.done;
      }, 400],
      ['an unknown batch', async () => {
        const u = upload('PUT', fileUrl('nope'));
        u.req.end('{}');
        return u.done;
      }, 404],
      ['a file name that is a path', async (batch) => {
        const u = upload('PUT', fileUrl(batch, '..'));
        u.req.end('{}');
        return u.done;
      }, 400],
    ];
    it('a disk that fills during the upload: 503 with Retry-After', { ...guard, skip: !existsSync('/dev/full') && 'no /dev/full' }, async () => {
      const batch = await newBatch();
      await p.call('POST', `${fileUrl(batch)}?action=INITIALIZE`);
      // every write to /dev/full fails with ENOSPC
      rmSync(join(staged(batch), 'a.json'));
      symlinkSync('/dev/full', join(staged(batch), 'a.json'));
      const u = upload('PATCH', fileUrl(batch), { 'content-range': 'bytes 0-2/*' });
      u.req.end('abc');
      const r = await u.done;
      assert.equal(r.status, 503, r.body);
      assert.equal(r.headers['retry-after'], '30');
    });
    for (const [name, send, status] of cases)
      it(name, guard, async () => {
        const batch = await newBatch();
        const r = await send(batch);
        assert.equal(r.status, status, r.body);
        assert.equal(JSON.parse(r.body).status, status);
        assert.ok(!stagedFiles(batch).some((f) => f.includes('.part-')), 'no partial file is left behind');
        if (status === 413) assert.ok(!stagedFiles(batch).includes('a.json') || statSync(join(staged(batch), 'a.json')).size === 0);
      });
  });
});
