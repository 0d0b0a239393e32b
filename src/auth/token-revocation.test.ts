import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { runAdmin } from '../cli/admin.js';

/** A token lives only as long as its credential: revoking the credential (API or CLI) kills every token it issued. */
describe('token revocation follows the credential', () => {
  let k: TestKith;
  before(async () => {
    // verdicts are read again at once (revokes by another process count within TOKEN_RECHECK_MS: credentials.test.ts)
    k = await startTestKith({}, { tokenRecheckMs: 0 });
  });
  after(async () => {
    await k.stop();
  });

  /** Credential A's token sent with live credential B's api key (the AEP gateway checks them separately). */
  async function tokenOfAWithKeyOfB() {
    const a = await k.credentials.createCredential(k.local.orgId, 'a');
    const b = await k.credentials.createCredential(k.local.orgId, 'b');
    const token = await k.credentials.issueToken(a.credential);
    return { a, headers: { ...k.headers(), authorization: `Bearer ${token}`, 'x-api-key': b.apiKey }, token };
  }
  const platformGet = (headers: Record<string, string>) => k.app.inject({ method: 'GET', url: '/data/foundation/sandbox-management/sandboxes', headers });
  const mint = (headers: Record<string, string>) =>
    k.app.inject({ method: 'POST', url: '/data/foundation/kith/credentials', headers, payload: { name: 'escape' } });
  const invalidToken = { error_code: '401013', message: 'Oauth token is not valid' };

  const revokers: Array<[string, (orgId: string, id: string) => Promise<void>]> = [
    ['DELETE /data/foundation/kith/credentials/{id}', async (_org, id) => {
      const r = await k.app.inject({ method: 'DELETE', url: `/data/foundation/kith/credentials/${id}`, headers: k.headers() });
      assert.equal(r.statusCode, 204);
    }],
    // the CLI opens the data directory with its own service instance: no in-process cache can be relied on
    ['kith admin credentials revoke', async (_org, id) => assert.equal(await runAdmin(k.config, ['credentials', 'revoke', id]), 0)],
  ];
  for (const [name, revoke] of revokers)
    it(`${name}: the credential's token is refused on platform routes and cannot mint a credential`, async () => {
      const { a, headers, token } = await tokenOfAWithKeyOfB();
      assert.equal((await platformGet(headers)).statusCode, 200, 'live before');
      await revoke(k.local.orgId, a.credential.id);
      const r = await platformGet(headers);
      assert.equal(r.statusCode, 401);
      assert.deepEqual(r.json(), invalidToken);
      const m = await mint(headers);
      assert.equal(m.statusCode, 401);
      assert.deepEqual(m.json(), invalidToken);
      assert.equal(await k.credentials.verifyToken(token), undefined);
    });

  it('kith admin token revoke (another service instance) kills a token the server has already seen', async () => {
    const { headers, token } = await tokenOfAWithKeyOfB();
    assert.equal((await platformGet(headers)).statusCode, 200, 'live (and seen) before');
    assert.equal(await runAdmin(k.config, ['token', 'revoke', token]), 0);
    const r = await platformGet(headers);
    assert.equal(r.statusCode, 401);
    assert.deepEqual(r.json(), invalidToken);
  });

  it("another credential's tokens keep working", async () => {
    const { a } = await tokenOfAWithKeyOfB();
    await k.credentials.revokeCredential(k.local.orgId, a.credential.id);
    assert.equal((await platformGet(k.headers())).statusCode, 200);
  });

  describe('invalid input', () => {
    it('a token whose credential record is gone is refused', async () => {
      const { a, headers } = await tokenOfAWithKeyOfB();
      await k.resources.delete('credential', `org:${k.local.orgId}`, a.credential.id);
      assert.equal((await platformGet(headers)).statusCode, 401);
    });
    it('revoking an unknown credential is a 404, not an error', async () => {
      const r = await k.app.inject({ method: 'DELETE', url: '/data/foundation/kith/credentials/nope', headers: k.headers() });
      assert.equal(r.statusCode, 404);
    });
  });
});
