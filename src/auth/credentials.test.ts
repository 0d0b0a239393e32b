import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../shared/clock.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { CredentialService, TOKEN_RECHECK_MS } from './credentials.js';

const ORG = 'TEST@AdobeOrg';

/**
 * A verdict on a token stands TOKEN_RECHECK_MS: revokes by this service count at once, revokes by another service on
 * the same file (the CLI, another process) once the verdict is read again.
 */
describe('CredentialService.verifyToken: how long a verdict stands', () => {
  const h = sqliteAdapterHarness('control', (db) => new SqliteResourceStore(db));
  let store: SqliteResourceStore;
  const clock = new ManualClock(1_000_000);
  let server: CredentialService;
  let cli: CredentialService;
  before(async () => {
    store = await h.create();
    server = new CredentialService(store, clock);
    cli = new CredentialService(new SqliteResourceStore(h.dbOf(store)), clock);
    await server.createOrg(ORG, 'kith');
  });
  after(() => h.destroy(store));

  const issue = async () => {
    const c = await server.createCredential(ORG, 'x');
    return { id: c.credential.id, token: await server.issueToken(c.credential) };
  };

  const cases: Array<[string, (t: { id: string; token: string }) => Promise<unknown>, 'at once' | 'after the recheck']> = [
    ['this service revokes the token', (t) => server.revokeToken(t.token), 'at once'],
    ['this service revokes the credential', (t) => server.revokeCredential(ORG, t.id), 'at once'],
    ['another service revokes the token', (t) => cli.revokeToken(t.token), 'after the recheck'],
    ['another service revokes the credential', (t) => cli.revokeCredential(ORG, t.id), 'after the recheck'],
  ];
  for (const [name, revoke, when] of cases)
    it(`${name}: refused ${when}`, async () => {
      const t = await issue();
      assert.ok(await server.verifyToken(t.token), 'valid before');
      await revoke(t);
      assert.equal((await server.verifyToken(t.token)) === undefined, when === 'at once');
      clock.advance(TOKEN_RECHECK_MS);
      assert.equal(await server.verifyToken(t.token), undefined);
    });

  describe('invalid input', () => {
    it('an unknown token, and a token past its expiry even within a standing verdict, are refused', async () => {
      assert.equal(await server.verifyToken('kith_at_nope'), undefined);
      const c = await server.createCredential(ORG, 'short');
      const token = await server.issueToken(c.credential, 500);
      assert.ok(await server.verifyToken(token));
      clock.advance(500);
      assert.equal(await server.verifyToken(token), undefined);
    });
  });
});
