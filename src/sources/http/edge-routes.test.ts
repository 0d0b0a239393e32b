import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../testing/test-kith.js';
import { EDGE_DATASTREAM_SPEC } from './edge-routes.js';

/** The public Edge routes answer every malformed body with a 400 in the Edge Network's error shape, never a 500. */
describe('Edge routes: malformed bodies', () => {
  let k: TestKith;
  let configId = '';
  before(async () => {
    k = await startTestKith();
    const h = { ...k.headers(), 'content-type': 'application/json' };
    const c = await k.app.inject({ method: 'POST', url: '/data/foundation/flowservice/connections', headers: h, payload: { name: 'web', connectionSpec: { id: EDGE_DATASTREAM_SPEC, version: '1.0' }, auth: { params: {} } } });
    assert.equal(c.statusCode, 201, c.body);
    configId = (await k.app.inject({ method: 'GET', url: `/data/foundation/flowservice/connections/${c.json().id}`, headers: k.headers() })).json().items[0].auth.params.datastreamId;
  });
  after(() => k.stop());

  const post = (path: string, payload: string) =>
    k.app.inject({ method: 'POST', url: `${path}?configId=${configId}&requestId=r1`, headers: { 'content-type': 'text/plain; charset=UTF-8', origin: 'https://shop.example' }, payload });
  /** `n` nested objects as JSON text (built as text: JSON.stringify recurses). */
  const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  const event = (xdm: unknown) => JSON.stringify({ events: [{ xdm }] });

  it('a well-formed event is still accepted on every path', async () => {
    for (const path of ['/ee/v1/interact', '/ee/kith/v1/interact', '/ee/v2/interact']) assert.equal((await post(path, event({ eventType: 'web.webpagedetails.pageViews', timestamp: '2026-01-01T00:00:00Z' }))).statusCode, 200, path);
    for (const path of ['/ee/v1/collect', '/ee/v2/collect']) assert.equal((await post(path, event({ eventType: 'x' }))).statusCode, 204, path);
  });

  describe('invalid input', () => {
    const cases: Array<[string, string, string]> = [
      ['timestamp 1e308 (interact)', '/ee/v1/interact', event({ timestamp: 1e308 })],
      ['timestamp 1e308 (collect)', '/ee/v1/collect', event({ timestamp: 1e308 })],
      ['timestamp 1e308 (location hint)', '/ee/kith/v1/collect', event({ timestamp: 1e308 })],
      ['timestamp 1e308 (server API)', '/ee/v2/interact', JSON.stringify({ event: { xdm: { timestamp: 1e308 } } })],
      ['timestamp out of Date range', '/ee/v1/interact', event({ timestamp: '+999999-01-01T00:00:00Z' })],
      ['timestamp not a date', '/ee/v1/interact', event({ timestamp: 'yesterday' })],
      ['timestamp an object', '/ee/v2/collect', event({ timestamp: {} })],
      ['eventType a number', '/ee/v1/interact', event({ eventType: 7 })],
      ['_id an array', '/ee/v1/interact', event({ _id: ['a'] })],
      ['identityMap a string', '/ee/v1/interact', event({ identityMap: 'Email:a@b.c' })],
      ['identityMap namespace not an array', '/ee/v1/interact', event({ identityMap: { Email: { id: 'a@b.c' } } })],
      ['identityMap item without id', '/ee/v1/interact', event({ identityMap: { Email: [{ primary: true }] } })],
      ['xdm an array', '/ee/v1/interact', event([1])],
      ['events an object', '/ee/v1/interact', JSON.stringify({ events: { xdm: {} } })],
      ['events item null', '/ee/v1/interact', JSON.stringify({ events: [null] })],
      ['body an array', '/ee/v1/interact', '[1,2]'],
      ['body null', '/ee/v1/collect', 'null'],
      ['body not JSON', '/ee/v1/interact', '{"events":'],
      ['body nested 5000 deep', '/ee/v1/interact', `{"events":[{"xdm":{},"data":${deep(5000)}}]}`],
      ['body nested 200000 deep', '/ee/v1/collect', `{"events":[{"xdm":{},"data":${'['.repeat(200000)}${']'.repeat(200000)}}]}`],
      ['set-consent: consent a number', '/ee/v1/privacy/set-consent', JSON.stringify({ consent: 1 })],
      ['set-consent: nested 5000 deep', '/ee/v1/privacy/set-consent', `{"consent":[{"standard":"Adobe","version":"1.0","value":${deep(5000)}}]}`],
    ];
    for (const [name, path, body] of cases)
      it(name, async () => {
        const r = await post(path, body);
        assert.equal(r.statusCode, 400, r.body);
        const b = r.json();
        assert.match(b.type, /\/EXEG-0003-400$/, r.body);
        assert.deepEqual([b.status, b.title, typeof b.detail], [400, 'Invalid request', 'string']);
        assert.equal(r.headers['access-control-allow-origin'], 'https://shop.example', 'the browser can read the error');
      });
  });
});
