import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../testing/test-kith.js';
import { SEGMENT_SOURCE_SPEC } from './segment-routes.js';

/**
 * Segment's tracking API answers 200 for ill-typed messages (they are dropped into failed records) and 400
 * `{success:false, code, message}` for bad, oversize or too deeply nested JSON: never a 500, never another shape.
 */
describe('Segment routes: malformed bodies', () => {
  let k: TestKith;
  let auth = '';
  before(async () => {
    k = await startTestKith();
    const h = { ...k.headers(), 'content-type': 'application/json' };
    const c = await k.app.inject({ method: 'POST', url: '/data/foundation/flowservice/connections', headers: h, payload: { name: 'site', connectionSpec: { id: SEGMENT_SOURCE_SPEC, version: '1.0' }, auth: { params: {} } } });
    assert.equal(c.statusCode, 201, c.body);
    const writeKey = (await k.app.inject({ method: 'GET', url: `/data/foundation/flowservice/connections/${c.json().id}`, headers: k.headers() })).json().items[0].auth.params.writeKey;
    auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  });
  after(() => k.stop());

  const post = (path: string, payload: string | Buffer) => k.app.inject({ method: 'POST', url: `/v1/${path}`, headers: { 'content-type': 'application/json', authorization: auth }, payload });
  const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

  describe('ill-typed messages: 200 {success:true}, as Segment answers (the message goes to failed records)', () => {
    const cases: Array<[string, string, unknown]> = [
      ['timestamp far in the future with an early sentAt (clock-skew shift leaves Date range)', 'track', { userId: 'u', event: 'e', timestamp: '+275760-09-13T00:00:00.000Z', sentAt: '1970-01-01T00:00:00.000Z' }],
      ['timestamp a huge number', 'track', { userId: 'u', event: 'e', timestamp: 1e308 }],
      ['userId an object', 'identify', { userId: { id: 1 }, traits: { email: 'a@b.c' } }],
      ['traits an array', 'identify', { userId: 'u', traits: [1, 2] }],
      ['event a number', 'track', { userId: 'u', event: 7 }],
      ['properties null', 'page', { userId: 'u', properties: null }],
      ['batch of nulls and numbers', 'batch', { batch: [null, 1, 'x', { type: 7 }] }],
      ['batch message with context a string', 'batch', { batch: [{ type: 'track', userId: 'u', event: 'e', context: 'web' }], sentAt: 5 }],
    ];
    for (const [name, path, body] of cases)
      it(name, async () => {
        const r = await post(path, JSON.stringify(body));
        assert.equal(r.statusCode, 200, r.body);
        assert.deepEqual(r.json(), { success: true });
      });
  });

  describe('invalid input', () => {
    const cases: Array<[string, string, string | Buffer, string]> = [
      ['not JSON', 'track', '{"userId":', 'invalid_json'],
      ['a JSON array', 'batch', '[1]', 'invalid_json'],
      ['batch not an array', 'batch', '{"batch":{}}', 'invalid_request'],
      ['a message nested 5000 deep', 'track', `{"userId":"u","event":"e","properties":${deep(5000)}}`, 'invalid_request'],
      ['a batch nested 200000 deep', 'batch', `{"batch":[${'['.repeat(200000)}${']'.repeat(200000)}]}`, 'invalid_request'],
      ['a body over the route limit (1 MB)', 'batch', Buffer.alloc(1024 * 1024 + 10, 32), 'payload_too_large'],
    ];
    for (const [name, path, body, code] of cases)
      it(name, async () => {
        const r = await post(path, body);
        assert.equal(r.statusCode, 400, r.body);
        const b = r.json();
        assert.deepEqual([b.success, b.code, typeof b.message], [false, code, 'string'], r.body);
      });
  });
});
