import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

/** What the console needs from the server besides the platform APIs: its assets, whoami, identity suggestions. */
describe('console support routes', () => {
  let k: TestKith;
  let p: Platform;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kith-console-assets-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/app-1.js"></script>');
    writeFileSync(join(dir, 'assets/app-1.js'), `console.log(${JSON.stringify('x'.repeat(4000))});`);
    k = await startTestKith({}, { consoleDir: dir });
    p = new Platform(k);
  });
  after(async () => {
    await k.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the console at / without credentials, with a CSP, and its hashed assets (gzip, immutable, etag)', async () => {
    const r = await k.app.inject({ url: '/' });
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] as string, /text\/html/);
    assert.match(r.headers['content-security-policy'] as string, /script-src 'self'/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    const a = await k.app.inject({ url: '/assets/app-1.js', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(a.statusCode, 200);
    assert.equal(a.headers['content-encoding'], 'gzip');
    assert.match(a.headers['cache-control'] as string, /immutable/);
    const again = await k.app.inject({ url: '/assets/app-1.js', headers: { 'if-none-match': a.headers.etag as string } });
    assert.equal(again.statusCode, 304);
    assert.equal((await k.app.inject({ url: '/assets/nope.js' })).statusCode, 404);
  });

  it('whoami tells the org of a token and API key', async () => {
    const r = await k.app.inject({ url: '/data/foundation/kith/whoami', headers: { authorization: `Bearer ${k.local.accessToken}`, 'x-api-key': k.local.apiKey } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().orgId, k.local.orgId);
    assert.equal(r.json().tenantId, k.local.tenantId);
  });

  describe('whoami: invalid input', () => {
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['no token', {}, 403, '403010'],
      ['an unknown token', { authorization: 'Bearer kith_at_nope', 'x-api-key': 'k' }, 401, '401013'],
      ['no API key', { authorization: 'Bearer TOKEN' }, 403, '403000'],
      ['an unknown API key', { authorization: 'Bearer TOKEN', 'x-api-key': 'kith_ak_nope' }, 403, '403003'],
    ];
    for (const [name, headers, status, code] of cases)
      it(`${name}: ${status} ${code}`, async () => {
        const h = Object.fromEntries(Object.entries(headers).map(([key, v]) => [key, v.replace('TOKEN', k.local.accessToken)]));
        const r = await k.app.inject({ url: '/data/foundation/kith/whoami', headers: h });
        assert.equal(r.statusCode, status, r.body);
        assert.equal(r.json().error_code, code);
      });
  });

  it('suggests identities near a value: exact, typo, containing', async () => {
    const { profSchema, profDs, post } = await p.customersAndOrders('suggest');
    assert.equal(await post(profSchema, profDs, { personalEmail: { address: 'ann.kim@example.com' }, identityMap: { CRMID: [{ id: 'CRM-77' }] } }), 200);
    await eventually(async () => (await p.call('GET', '/data/core/identity/suggest?value=ann.kim@example.com')).json.suggestions.length > 0, 'the identity in the graph');
    const s = async (q: string) => (await p.call('GET', `/data/core/identity/suggest?${q}`)).json.suggestions.map((x: any) => `${x.match}:${x.namespace}:${x.id}`);
    assert.deepEqual(await s('value=ANN.KIM@example.com'), ['exact:Email:ann.kim@example.com']);
    assert.deepEqual(await s('value=ann.kin@example.com'), ['typo:Email:ann.kim@example.com']);
    assert.deepEqual(await s('value=crm-7&namespace=crmid'), ['typo:CRMID:CRM-77']);
    assert.deepEqual(await s('value=nobody@nowhere.org'), []);
  });

  describe('suggest: invalid input', () => {
    for (const [name, q] of [
      ['no value', ''],
      ['an empty value', 'value='],
      ['a limit of 0', 'value=a&limit=0'],
      ['a limit that is not a number', 'value=a&limit=ten'],
    ] as const)
      it(`${name}: 400 naming the parameter`, async () => {
        const r = await p.call('GET', `/data/core/identity/suggest?${q}`);
        assert.equal(r.status, 400, r.body);
        assert.match(r.json.detail, /value|limit/);
      });
  });
});
