import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../shared/clock.js';
import { ok } from '../../shared/result.js';
import type { HttpActionSpec } from '../journey-types.js';
import { JourneyActionRunner } from './action-runner.js';
import { checkHttpAction } from './http-action.js';
import { actionContext } from './testing/action-context.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server: the path picks the behaviour; every request is recorded under its first path segment's key. */
function startServer(): Promise<{ server: Server; base: string; seen: Map<string, Seen[]> }> {
  const seen = new Map<string, Seen[]>();
  const hits = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const [, kind = '', key = ''] = url.split('?')[0].split('/');
      const id = `${kind}/${key}`;
      const list = seen.get(id) ?? [];
      list.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      seen.set(id, list);
      const n = (hits.get(id) ?? 0) + 1;
      hits.set(id, n);
      const status = (code: number) => {
        res.statusCode = code;
        res.end('{}');
      };
      switch (kind) {
        case 'ok':
          return status(200);
        case 'created':
          return status(201);
        case 'status':
          return status(Number(key));
        case 'flaky':
          return status(n === 1 ? 500 : 200);
        case 'busy':
          return status(n === 1 ? 429 : 204);
        case 'fail-then-hang':
          return n === 1 ? status(500) : undefined; // the second attempt never gets an answer
        case 'hang':
          return undefined;
        case 'big':
          res.statusCode = 200;
          return res.end(Buffer.alloc(1024 * 1024, 0x61));
        case 'redirect':
          res.statusCode = 302;
          res.setHeader('location', '/ok/redirected');
          return res.end();
        default:
          return status(404);
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })),
  );
}

const noSleep = () => Promise.resolve();
const sink = { write: () => Promise.resolve(ok(undefined)) };

describe('HTTP action', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  let runner: JourneyActionRunner;
  before(async () => {
    srv = await startServer();
    runner = new JourneyActionRunner({ clock: new ManualClock(), profileUpdates: sink, sleep: noSleep });
  });
  after(() => {
    srv.server.closeAllConnections();
    srv.server.close();
  });
  const spec = (path: string, over: Partial<HttpActionSpec> = {}): HttpActionSpec => ({ kind: 'http', method: 'POST', url: `${srv.base}${path}`, backoffMs: 1, ...over });
  const seen = (id: string) => srv.seen.get(id) ?? [];

  const outcomes: Array<{ name: string; path: string; over?: Partial<HttpActionSpec>; status: string; error?: string; code?: string; origin?: string; originCode?: string; attempts: number }> = [
    { name: '200 → done', path: '/ok/a', status: 'done', attempts: 1 },
    { name: '201 → done', path: '/created/a', status: 'done', attempts: 1 },
    { name: '404 → http/404, no retry', path: '/status/404', status: 'failed', error: 'http', code: '404', attempts: 1 },
    { name: '400 → http/400, no retry', path: '/status/400', status: 'failed', error: 'http', code: '400', attempts: 1 },
    { name: '500 then 200 → retried, done with origin http/500', path: '/flaky/a', status: 'done', origin: 'http', originCode: '500', attempts: 2 },
    { name: '429 then 204 → retried, done', path: '/busy/a', status: 'done', origin: 'http', originCode: '429', attempts: 2 },
    { name: 'always 500 → http/500 after the retries', path: '/status/500', status: 'failed', error: 'http', code: '500', origin: 'http', originCode: '500', attempts: 3 },
    { name: 'retries: 0 → one attempt', path: '/status/503', over: { retries: 0 }, status: 'failed', error: 'http', code: '503', attempts: 1 },
    { name: 'no answer → timeout', path: '/hang/a', over: { timeoutMs: 50, retries: 1 }, status: 'failed', error: 'timeout', origin: 'timeout', attempts: 2 },
    { name: '500 then no answer → timeout with origin http/500', path: '/fail-then-hang/a', over: { timeoutMs: 1000, retries: 1 }, status: 'failed', error: 'timeout', origin: 'http', originCode: '500', attempts: 2 },
    { name: 'a large response body is read bounded', path: '/big/a', status: 'done', attempts: 1 },
    { name: 'a redirect is not followed', path: '/redirect/a', status: 'failed', error: 'http', code: '302', attempts: 1 },
  ];
  for (const o of outcomes) {
    it(o.name, async () => {
      const r = await runner.run(spec(o.path, o.over), actionContext());
      assert.equal(r.status, o.status, JSON.stringify(r));
      assert.equal(r.fields.actionType, 'http');
      assert.equal(r.fields.actionID, 'n1');
      assert.equal(r.fields.actionName, 'Call');
      assert.equal(r.fields.attempts, o.attempts);
      assert.equal(r.fields.actionExecutionError, o.error);
      assert.equal(r.fields.actionExecutionErrorCode, o.code);
      assert.equal(r.fields.actionExecutionOriginError, o.origin);
      assert.equal(r.fields.actionExecutionOriginCode, o.originCode);
      assert.equal(typeof r.fields.actionExecutionTime, 'number');
      if (r.status === 'failed') assert.equal(r.error, o.error);
      const id = o.path.split('/').slice(1, 3).join('/');
      if (o.error !== 'timeout') assert.equal(seen(id).length, o.attempts);
    });
  }
  it('redirect target never called', () => assert.equal(seen('ok/redirected').length, 0));

  it('ECONNREFUSED → error with the code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await runner.run({ kind: 'http', method: 'GET', url: `http://127.0.0.1:${port}/x`, retries: 1, backoffMs: 1 }, actionContext());
    assert.equal(r.status, 'failed');
    assert.equal(r.fields.actionExecutionError, 'error');
    assert.equal(r.fields.actionExecutionErrorCode, 'ECONNREFUSED');
    assert.equal(r.fields.actionExecutionOriginError, 'error');
    assert.equal(r.fields.attempts, 2);
  });

  it('capped: a refused call is not made', async () => {
    const capRunner = new JourneyActionRunner({ clock: new ManualClock(), profileUpdates: sink, sleep: noSleep });
    const s = spec('/ok/capped', { ratePerSecond: 1 });
    const first = await capRunner.run(s, actionContext());
    const second = await capRunner.run(spec('/ok/capped-other-path', { ratePerSecond: 1 }), actionContext()); // same origin
    assert.equal(first.status, 'done');
    assert.equal(second.status, 'failed');
    if (second.status === 'failed') assert.equal(second.error, 'capping');
    assert.equal(second.fields.actionExecutionError, 'capping');
    assert.equal(second.fields.attempts, 0);
    assert.equal(seen('ok/capped').length, 1);
    assert.equal(seen('ok/capped-other-path').length, 0);
    const otherSandbox = await capRunner.run(s, actionContext({ sandboxId: 'sb2' }));
    assert.equal(otherSandbox.status, 'done');
  });

  it('capped on a retry: capping, with the made attempt as origin', async () => {
    const capRunner = new JourneyActionRunner({ clock: new ManualClock(), profileUpdates: sink, sleep: noSleep });
    const r = await capRunner.run(spec('/status/502', { ratePerSecond: 1 }), actionContext());
    assert.equal(r.status, 'failed');
    assert.equal(r.fields.actionExecutionError, 'capping');
    assert.equal(r.fields.actionExecutionOriginError, 'http');
    assert.equal(r.fields.actionExecutionOriginCode, '502');
    assert.equal(r.fields.attempts, 1);
    assert.equal(seen('status/502').length, 1);
  });

  const auths: Array<[string, HttpActionSpec['auth'], string, string | undefined]> = [
    ['none', { type: 'none' }, 'authorization', undefined],
    ['absent', undefined, 'authorization', undefined],
    ['basic', { type: 'basic', username: 'u', password: 'p:w' }, 'authorization', `Basic ${Buffer.from('u:p:w').toString('base64')}`],
    ['bearer', { type: 'bearer', token: 'tok' }, 'authorization', 'Bearer tok'],
    ['apiKey', { type: 'apiKey', header: 'X-Api-Key', value: 'k1' }, 'x-api-key', 'k1'],
  ];
  for (const [name, auth, header, want] of auths) {
    it(`auth ${name} as the server sees it`, async () => {
      const r = await runner.run(spec(`/ok/auth-${name}`, { auth }), actionContext());
      assert.equal(r.status, 'done');
      assert.equal(seen(`ok/auth-${name}`)[0].headers[header], want);
    });
  }

  it('Idempotency-Key equals the key; headers are templated', async () => {
    const r = await runner.run(spec('/ok/idem', { headers: { 'X-Person': '{{profile.person.name.firstName}}', 'Idempotency-Key': 'spoofed' } }), actionContext());
    assert.equal(r.status, 'done');
    const h = seen('ok/idem')[0].headers;
    assert.equal(h['idempotency-key'], 'inst-1:3');
    assert.equal(h['x-person'], 'Ada');
  });

  it('a templated JSON body with quotes and newlines parses on the server', async () => {
    const name = 'Ada "the" \\ Count\nof\r\tLovelace';
    const ctx = actionContext({ profile: { person: { name: { firstName: name } }, age: 36 } });
    const body = '{"name":"{{profile.person.name.firstName}}","age":{{profile.age}},"key":"{{instance.id}}","total":{{event.commerce.order.priceTotal}}}';
    const r = await runner.run(spec('/ok/json', { body }), ctx);
    assert.equal(r.status, 'done');
    const got = seen('ok/json')[0];
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(got.body), { name, age: 36, key: 'inst-1', total: 42.5 });
  });

  it('a JSON content type forces JSON mode; a text body is filled as text', async () => {
    await runner.run(spec('/ok/json-ct', { headers: { 'content-type': 'application/vnd.x+json' }, body: '"{{profile.person.name.firstName}}"' }), actionContext({ profile: { person: { name: { firstName: 'a"b' } } } }));
    assert.equal(JSON.parse(seen('ok/json-ct')[0].body), 'a"b');
    await runner.run(spec('/ok/text', { body: 'Hello {{profile.person.name.firstName}} "x"' }), actionContext());
    const t = seen('ok/text')[0];
    assert.equal(t.body, 'Hello Ada "x"');
    assert.match(String(t.headers['content-type']), /^text\/plain/);
  });

  it('URL placeholders are encoded; GET sends no body', async () => {
    const ctx = actionContext({ profile: { q: 'a b&c=d/e' } });
    const r = await runner.run(spec('/ok/url?q={{profile.q}}&id={{identity.id}}', { method: 'GET', body: 'ignored' }), ctx);
    assert.equal(r.status, 'done');
    const got = seen('ok/url')[0];
    assert.equal(got.url, '/ok/url?q=a%20b%26c%3Dd%2Fe&id=ada%40example.com');
    assert.equal(got.method, 'GET');
    assert.equal(got.body, '');
  });

  describe('invalid input', () => {
    const bad: Array<[string, Partial<HttpActionSpec>, RegExp]> = [
      ['unclosed placeholder in url', { url: 'http://127.0.0.1/{{profile.x' }, /url: unclosed/],
      ['unknown root in body', { body: '{"a":"{{secrets.x}}"}' }, /body: unknown placeholder root/],
      ['relative url', { url: '/just/a/path' }, /absolute http/],
      ['non-http scheme', { url: 'file:///etc/passwd' }, /absolute http/],
      ['bad method', { method: 'TRACE' as HttpActionSpec['method'] }, /method/],
      ['bad header name', { headers: { 'bad header': 'x' } }, /header name/],
      ['negative timeout', { timeoutMs: -1 }, /timeoutMs/],
      ['too many retries', { retries: 99 }, /retries/],
      ['zero rate', { ratePerSecond: 0 }, /ratePerSecond/],
      ['bearer without token', { auth: { type: 'bearer', token: '' } }, /bearer/],
    ];
    for (const [name, over, want] of bad) {
      it(`${name}: check refuses it, run fails without a call`, async () => {
        const s = { ...spec('/ok/never'), ...over } as HttpActionSpec;
        const c = checkHttpAction(s);
        assert.equal(c.ok, false);
        if (!c.ok) assert.match(c.error, want);
        const r = await runner.run(s, actionContext());
        assert.equal(r.status, 'failed');
        assert.equal(r.fields.actionExecutionError, 'error');
        assert.equal(r.fields.actionExecutionErrorCode, 'invalidSpec');
        assert.equal(r.fields.attempts, 0);
      });
    }
    it('a URL whose filled host does not parse fails as invalidUrl', async () => {
      const r = await runner.run({ kind: 'http', method: 'GET', url: 'http://{{profile.host}}/x' }, actionContext({ profile: { host: 'a b' } }));
      assert.equal(r.fields.actionExecutionErrorCode, 'invalidUrl');
      assert.equal(r.fields.attempts, 0);
    });
    it('never called', () => assert.equal(seen('ok/never').length, 0));
    it('a throwing fetch is an error value, not an exception', async () => {
      const throwing = new JourneyActionRunner({ clock: new ManualClock(), profileUpdates: sink, sleep: noSleep, fetch: () => Promise.reject(new TypeError('boom')) });
      const r = await throwing.run(spec('/ok/x'), actionContext());
      assert.equal(r.status, 'failed');
      assert.equal(r.fields.actionExecutionErrorCode, 'request');
      assert.equal(r.fields.attempts, 1);
    });
  });
});
