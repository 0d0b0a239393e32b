import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestKith, testChildEnv, type TestKith } from '../../src/testing/test-kith.js';
import { Platform } from '../helpers/platform.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SM = '/data/foundation/sandbox-management/sandboxes';

describe('platform: operations, sandboxes, CLI', () => {
  let k: TestKith;
  let p: Platform;
  before(async () => {
    k = await startTestKith({ orgId: 'ABCDEF0123456789ABCDEF01@AdobeOrg', tenantId: 'acme' });
    p = new Platform(k);
  });
  after(() => k.stop());

  it('writes credentials.json with the documented keys', () => {
    const c = JSON.parse(readFileSync(join(k.dataDir, 'credentials.json'), 'utf8'));
    for (const key of ['baseUrl', 'orgId', 'sandbox', 'apiKey', 'accessToken', 'tenantId']) assert.ok(c[key], key);
    assert.equal(c.orgId, 'ABCDEF0123456789ABCDEF01@AdobeOrg');
    assert.equal(c.tenantId, 'acme');
    assert.equal(c.sandbox, 'prod');
    assert.equal(c.baseUrl, k.baseUrl);
  });

  it('/health and /ready answer without credentials', async () => {
    assert.deepEqual((await k.app.inject({ method: 'GET', url: '/health' })).json(), { status: 'ok' });
    assert.deepEqual((await k.app.inject({ method: 'GET', url: '/ready' })).json(), { status: 'ready' });
  });

  it('serves an OpenAPI document generated from the routes, and browsable docs', async () => {
    const doc = (await k.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(doc.openapi, '3.0.3');
    for (const path of ['/collection/{inletId}', '/data/foundation/catalog/dataSets', '/data/foundation/schemaregistry/stats', '/data/foundation/flowservice/connections'])
      assert.ok(doc.paths[path], path);
    const docs = await k.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
  });

  it('sandbox CRUD', async () => {
    const c = await p.call('POST', SM, { name: 'dev-1', title: 'Dev one', type: 'development' });
    assert.equal(c.status, 201, c.body);
    assert.equal(c.json.state, 'active');
    assert.equal((await p.call('GET', `${SM}/dev-1`)).json.title, 'Dev one');
    assert.equal((await p.call('PATCH', `${SM}/dev-1`, { title: 'Renamed' })).json.title, 'Renamed');
    const list = await p.call('GET', SM);
    assert.deepEqual(list.json.sandboxes.map((s: { name: string }) => s.name).sort(), ['dev-1', 'prod']);
    assert.equal((await p.call('DELETE', `${SM}/dev-1`)).json.state, 'deleted');
    assert.equal((await p.call('GET', `${SM}/dev-1`)).status, 404);
    const api = await p.call('GET', '/data/foundation/catalog/dataSets', undefined, { 'x-sandbox-name': 'dev-1' });
    assert.equal(api.status, 403, 'a deleted sandbox is no longer addressable');
  });

  it('nothing crosses sandboxes: a dataset with the same name lives in each, data stays apart', async () => {
    await p.call('POST', SM, { name: 'iso', type: 'development' });
    const mk = async (sandbox: string) => {
      const h = { 'x-sandbox-name': sandbox };
      const s = await p.call('POST', '/data/foundation/schemaregistry/tenant/schemas', { title: 'Same', allOf: [{ $ref: 'https://ns.adobe.com/xdm/context/experienceevent' }] }, h);
      const d = await p.call('POST', '/data/foundation/catalog/dataSets', { name: 'Same', schemaRef: { id: s.json.$id } }, h);
      return { schema: s.json.$id as string, ds: String(d.json[0]).slice(11) };
    };
    const a = await mk('prod');
    const b = await mk('iso');
    assert.notEqual(a.ds, b.ds);
    assert.equal((await p.call('GET', `/data/foundation/catalog/dataSets/${a.ds}`, undefined, { 'x-sandbox-name': 'iso' })).status, 404);
    const inlet = await p.createInlet('iso inlet');
    // an inlet of prod cannot write into the other sandbox's dataset
    const r = await p.collect(`/collection/${inlet.inletId}`, p.envelope(b.schema, b.ds, { _id: '1', timestamp: '2026-01-01T00:00:00Z' }));
    assert.equal(r.status, 400);
    assert.match(r.json.report.message, /does not exist in the inlet's sandbox/);
  });

  describe('invalid input', () => {
    const cases: Array<[string, unknown, number]> = [
      ['bad name', { name: 'Bad Name', type: 'development' }, 400],
      ['bad type', { name: 'ok-name', type: 'staging' }, 400],
      ['duplicate', { name: 'prod', type: 'production' }, 409],
    ];
    for (const [name, body, status] of cases) it(name, async () => assert.equal((await p.call('POST', SM, body)).status, status));
    it('the default sandbox cannot be deleted', async () => assert.equal((await p.call('DELETE', `${SM}/prod`)).status, 400));
    it('an unknown sandbox header is refused', async () => {
      const r = await p.call('GET', '/data/foundation/catalog/dataSets', undefined, { 'x-sandbox-name': 'nope' });
      assert.equal(r.status, 403);
      assert.equal(r.json.title, 'Sandbox not found');
    });
    it('a missing sandbox header is refused on sandboxed APIs', async () => {
      const h = k.headers();
      delete h['x-sandbox-name'];
      const r = await k.app.inject({ method: 'GET', url: '/data/foundation/catalog/dataSets', headers: h });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().error_code, '400003');
    });
    it('a non-JSON content type on a JSON API is refused with the gateway body', async () => {
      const r = await k.app.inject({ method: 'POST', url: '/data/foundation/catalog/dataSets', headers: { ...k.headers(), 'content-type': 'application/xml' }, payload: '<x/>' });
      assert.equal(r.statusCode, 400);
      assert.deepEqual(r.json(), { type: '/placeholder/type/uri', status: 400, title: 'BadRequestError', detail: 'A valid content-type must be specified' });
    });
  });
});

describe('kith CLI', () => {
  it('--help lists the commands and options', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/kith.js'), '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    for (const s of ['kith start', 'kith ingest', 'KITH_PORT', 'KITH_DATA_DIR', 'KITH_TENANT_ID']) assert.ok(r.stdout.includes(s), s);
  });
  it('rejects a bad flag value', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/kith.js'), 'start', '--port', 'abc'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /expected a non-negative integer/);
  });
  it('admin credentials create prints a working credential', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-cli-'));
    try {
      const k = await startTestKith({ dataDir: dir });
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/kith.js'), 'admin', 'credentials', 'create', '--name', 'ci', '--data-dir', dir], { encoding: 'utf8', env: testChildEnv(dir) });
      assert.equal(r.status, 0, r.stderr);
      const c = JSON.parse(r.stdout);
      const ok = await k.app.inject({
        method: 'GET',
        url: '/data/foundation/sandbox-management/sandboxes',
        headers: { authorization: `Bearer ${c.accessToken}`, 'x-api-key': c.apiKey, 'x-gw-ims-org-id': c.orgId },
      });
      assert.equal(ok.statusCode, 200);
      await k.stop({ keepData: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('starts with `kith start`, shuts down cleanly on SIGTERM and keeps its credentials across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-sig-'));
    try {
      const run = () =>
        new Promise<{ out: string; code: number | null }>((resolve, reject) => {
          const child = spawn(process.execPath, [join(ROOT, 'bin/kith.js'), 'start', '--port', '0', '--query-port', '0', '--data-dir', dir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: testChildEnv(dir) });
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('API docs')) child.kill('SIGTERM');
          });
          child.stderr.on('data', (d: Buffer) => (out += d.toString()));
          child.on('exit', (code) => resolve({ out, code }));
          setTimeout(() => reject(new Error(`timeout: ${out}`)), 30_000).unref();
        });
      const first = await run();
      assert.equal(first.code, 0, first.out);
      assert.match(first.out, /Kith is listening on http:\/\/127\.0\.0\.1:\d+/);
      assert.ok(existsSync(join(dir, 'credentials.json')));
      const token1 = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')).accessToken;
      const second = await run();
      assert.equal(second.code, 0);
      assert.equal(JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')).accessToken, token1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
