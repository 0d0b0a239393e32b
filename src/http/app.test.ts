import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { obj, str, int, responses, params, query } from './schemas.js';
import { MAX_JSON_DEPTH } from '../shared/json-depth.js';

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('HTTP layer: validation, error mapping, nesting limit, response check', () => {
  let k: TestKith;
  before(async () => {
    k = await startTestKith({}, {
      extraRoutes: (app) => {
        app.post(
          '/t/echo/:id',
          {
            config: { auth: 'none' },
            schema: { params: params('id'), querystring: query({ limit: int }), body: obj({ client_id: str, n: int }, ['client_id']), response: responses({ 200: obj({ id: str, client_id: str, limit: int }, ['id']) }) },
          },
          async (req) => ({ id: (req.params as { id: string }).id, client_id: (req.body as { client_id: string }).client_id, limit: (req.query as { limit?: number }).limit }),
        );
        app.get('/t/wrong', { config: { auth: 'none' }, schema: { response: responses({ 200: obj({ ok: { type: 'boolean' } }, ['ok']) }) } }, async () => ({ ok: 'yes' }));
        app.get('/t/unchecked', { config: { auth: 'none' } }, async () => ({ anything: 1 }));
        app.get('/t/decode/:id', { config: { auth: 'none' } }, async (req) => ({ id: decodeURIComponent((req.params as { id: string }).id) }));
        app.get('/t/overflow', { config: { auth: 'none' } }, async () => {
          const f = (n: number): number => f(n + 1) + 1;
          return { n: f(0) };
        });
        app.get('/t/fault', { config: { auth: 'none' } }, async () => {
          throw new Error('disk on fire');
        });
      },
    });
  });
  after(() => k.stop());

  const post = (url: string, payload: string, ct = 'application/json') => k.app.inject({ method: 'POST', url, payload, headers: { 'content-type': ct } });

  it('valid input passes, query coerced to its type', async () => {
    const r = await post('/t/echo/a?limit=5', JSON.stringify({ client_id: 'x' }));
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { id: 'a', client_id: 'x', limit: 5 });
  });

  it(`a body nested exactly ${MAX_JSON_DEPTH} levels is accepted`, async () => {
    const r = await post('/t/echo/a', `{"client_id":"x","more":${deep(MAX_JSON_DEPTH - 1)}}`);
    assert.equal(r.statusCode, 200, r.body);
  });

  it('a response without a schema is sent as is', async () => {
    assert.deepEqual((await k.app.inject({ url: '/t/unchecked' })).json(), { anything: 1 });
  });

  describe('invalid input', () => {
    const cases: Array<[string, () => Promise<{ statusCode: number; body: string }>, number, RegExp]> = [
      ['wrong body type, not coerced', () => post('/t/echo/a', JSON.stringify({ client_id: 1 })), 400, /body\.client_id must be string/],
      ['missing required body field', () => post('/t/echo/a', '{}'), 400, /body must have required property 'client_id'/],
      ['numeric string where an integer is declared', () => post('/t/echo/a', '{"client_id":"x","n":"5"}'), 400, /body\.n must be integer/],
      ['wrong query type', () => post('/t/echo/a?limit=abc', JSON.stringify({ client_id: 'x' })), 400, /querystring\.limit must be integer/],
      ['malformed JSON', () => post('/t/echo/a', '{"client_id":'), 400, /Malformed JSON/],
      [`body nested ${MAX_JSON_DEPTH + 1} levels`, () => post('/t/echo/a', `{"client_id":"x","more":${deep(MAX_JSON_DEPTH)}}`), 400, /nests deeper than/],
      ['body nested 10,000 levels', () => post('/t/echo/a', `{"client_id":${deep(10_000)}}`), 400, /nests deeper than/],
      ['bad percent-encoding in the path', () => k.app.inject({ url: '/t/echo/%E0%A4%A', method: 'POST' }), 400, /percent-encoding/],
      ['%25 decoded twice by a handler', () => k.app.inject({ url: '/t/decode/%25' }), 400, /percent-encoding/],
      ['stack overflow while handling input', () => k.app.inject({ url: '/t/overflow' }), 400, /nests too deeply/],
    ];
    for (const [name, send, status, detail] of cases)
      it(name, async () => {
        const r = await send();
        assert.equal(r.statusCode, status, r.body);
        const b = JSON.parse(r.body) as Record<string, unknown>;
        assert.equal(b.status, status);
        assert.match(String(b.detail), detail);
        assert.doesNotMatch(r.body, /\n\s+at /, 'no stack trace in the body');
      });
  });

  it('a true server fault is a 500 without the message or a stack', async () => {
    const r = await k.app.inject({ url: '/t/fault' });
    assert.equal(r.statusCode, 500);
    assert.doesNotMatch(r.body, /disk on fire|\n\s+at /);
  });

  it('with KITH_CHECK_RESPONSES=1 a response that does not match its schema answers 500 naming the route', async () => {
    const r = await k.app.inject({ url: '/t/wrong' });
    if (process.env.KITH_CHECK_RESPONSES !== '1') return assert.equal(r.statusCode, 200); // production: sent as is
    assert.equal(r.statusCode, 500);
    assert.match(r.json<{ detail: string }>().detail, /GET \/t\/wrong \(200\).*\/ok must be boolean/);
  });

  it('/openapi.json lists the shared schemas under components.schemas', async () => {
    const o = (await k.app.inject({ url: '/openapi.json' })).json<{ components: { schemas: Record<string, unknown> } }>();
    assert.ok(o.components.schemas.Problem && o.components.schemas.GatewayError);
  });
});
