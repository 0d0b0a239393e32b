import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import Fastify, { type FastifyInstance } from 'fastify';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { installBodyDeadlines } from './body-deadline.js';
import { Platform } from '../../test/helpers/platform.js';

/** A raw client: writes `text`, then nothing; `closed` resolves with everything the server sent once it closes. */
function rawClient(port: number, text: string): { socket: Socket; received: () => string; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => (got += d.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(text);
  return { socket, received: () => got, closed: once(socket, 'close').then(() => got) };
}

const portOf = (app: FastifyInstance) => {
  const a = app.server.address();
  return typeof a === 'object' && a ? a.port : 0;
};

// Without the limits these connections stay open for Node's defaults (300 s): the guard timeout fails the test instead.
const guard = { timeout: 20_000 };

describe('slow clients cannot hold connections', () => {
  let k: TestKith;
  before(async () => {
    k = await startTestKith({ headersTimeoutMs: 300, bodyTimeoutMs: 300, uploadTimeoutMs: 60_000, idleTimeoutMs: 60_000, keepAliveTimeoutMs: 300 });
  });
  after(async () => {
    await k.stop();
  });

  const cases: Array<[string, string, RegExp]> = [
    ['headers trickled: 408 then close', 'POST /collection/abc HTTP/1.1\r\nHost: x\r\nContent-Type: app', /^HTTP\/1\.1 408/],
    [
      'a body trickled on an API route: 408 then close',
      'POST /collection/abc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
      /^HTTP\/1\.1 408[^]*request-timeout/,
    ],
    [
      'a body trickled on an authenticated platform route: 408 then close',
      'POST /data/foundation/kith/credentials HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nAUTH\r\n\r\n{',
      /^HTTP\/1\.1 408/,
    ],
    ['an idle keep-alive connection is closed', 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 200/],
  ];
  for (const [name, text, expected] of cases)
    it(name, guard, async () => {
      const auth = Object.entries(k.headers()).map(([h, v]) => `${h}: ${v}\r\n`).join('');
      const c = rawClient(portOf(k.app), text.replace('AUTH\r\n', auth));
      assert.match(await c.closed, expected);
    });
});

describe('an upload that stops making progress is dropped', () => {
  let k: TestKith;
  before(async () => {
    k = await startTestKith({ idleTimeoutMs: 300, uploadTimeoutMs: 60_000 });
  });
  after(async () => {
    await k.stop();
  });

  it('a stalled upload body: the connection is closed', guard, async () => {
    const p = new Platform(k);
    const schema = await p.createSchema('Idle', 'https://ns.adobe.com/xdm/context/profile', ['https://ns.adobe.com/xdm/context/profile-person-details']);
    const ds = await p.createDataset('Idle', schema);
    const batch = (await p.call('POST', '/data/foundation/import/batches', { datasetId: ds })).json.id as string;
    const auth = Object.entries(k.headers()).map(([h, v]) => `${h}: ${v}\r\n`).join('');
    const c = rawClient(portOf(k.app), `PUT /data/foundation/import/batches/${batch}/datasets/${ds}/files/a.json HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n${auth}\r\n{`);
    await c.closed;
    assert.equal(c.received(), '', 'dropped, not answered');
  });
});

describe('upload routes get the upload deadline, others the body deadline', () => {
  let app: FastifyInstance;
  before(async () => {
    app = Fastify({ http: { connectionsCheckingInterval: 100 } });
    installBodyDeadlines(app, { bodyMs: 200, uploadMs: 60_000, idleMs: 0 });
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, b, d) => d(null, b));
    app.put('/short', async (req) => ({ n: (req.body as Buffer).length }));
    app.put('/long', { config: { upload: true } }, async (req) => ({ n: (req.body as Buffer).length }));
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
  });

  it('the short route closes while the upload keeps going, then the upload completes', guard, async () => {
    const head = (path: string) => `PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 4\r\n\r\nab`;
    const long = rawClient(portOf(app), head('/long'));
    const short = rawClient(portOf(app), head('/short'));
    assert.match(await short.closed, /^HTTP\/1\.1 408/);
    assert.equal(long.socket.destroyed, false);
    assert.equal(long.received(), '', 'the upload has had no answer yet');
    long.socket.end('cd');
    assert.match(await long.closed, /^HTTP\/1\.1 200[^]*\{"n":4\}/);
  });

  describe('invalid input', () => {
    it('a request without a body is not timed', guard, async () => {
      const r = await app.inject({ method: 'PUT', url: '/short', headers: { 'content-type': 'application/octet-stream' }, payload: '' });
      assert.equal(r.statusCode, 200);
    });
  });
});
