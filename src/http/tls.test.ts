import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestKith, type TestKith } from '../testing/test-kith.js';

const FIXTURES = new URL('../../test/fixtures/tls/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kith-tls-'));

/** A fresh self-signed certificate for 127.0.0.1 from openssl when installed, else the committed one. */
function certificate(): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    return { cert, key };
  } catch {
    return { cert: join(FIXTURES, 'cert.pem'), key: join(FIXTURES, 'key.pem') };
  }
}

function get(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS listener (--tls-cert, --tls-key)', () => {
  let k: TestKith;
  let ca: Buffer;
  before(async () => {
    const c = certificate();
    ca = readFileSync(c.cert);
    k = await startTestKith({ tlsCert: c.cert, tlsKey: c.key });
  });
  after(async () => {
    await k.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API over HTTPS and reports an https base URL', async () => {
    assert.match(k.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(k.local.baseUrl, k.baseUrl, 'credentials.json carries the https URL');
    const health = await get(`${k.baseUrl}/health`, ca);
    assert.deepEqual([health.status, JSON.parse(health.body)], [200, { status: 'ok' }]);
    const api = await get(`${k.baseUrl}/data/foundation/sandbox-management/sandboxes`, ca, k.headers());
    assert.equal(api.status, 200);
  });

  describe('invalid input', () => {
    it('plain HTTP on the TLS port gets no API answer', async () => {
      const r = await fetch(`${k.baseUrl.replace('https:', 'http:')}/health`).then((x) => x.status, () => 'refused');
      assert.notEqual(r, 200);
    });
    const bad: Array<[string, () => { tlsCert: string; tlsKey: string }, RegExp]> = [
      ['a missing certificate file', () => ({ tlsCert: join(dir, 'nope.pem'), tlsKey: join(dir, 'nope.pem') }), /cannot read the TLS certificate file/],
      ['a file that is not PEM', () => {
        const p = join(dir, 'junk.pem');
        writeFileSync(p, 'junk');
        return { tlsCert: p, tlsKey: p };
      }, /./],
    ];
    for (const [name, files, re] of bad)
      it(`${name}: the server does not start`, async () => {
        await assert.rejects(startTestKith(files()), re);
      });
  });
});
