import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ManualClock } from '../../shared/clock.js';
import { SqliteResourceStore } from '../../store/sqlite/sqlite-resource-store.js';
import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { CredentialService } from '../../auth/credentials.js';
import { SandboxService } from '../../sandbox/sandbox-service.js';
import { CredentialQueryAuth } from './query-auth.js';
import { scriptedServer, type Harness } from './testing/wire-harness.js';

const ORG = 'AUTHORG@AdobeOrg';
const OTHER = 'OTHERORG@AdobeOrg';

/** AEP's Query Service login over real credentials and sandboxes (SQLite resource store in a temp dir), via the pg client. */
describe('query wire authentication: user = org, password = token or client secret, dbname = sandbox', () => {
  const store = sqliteAdapterHarness('control', (db) => new SqliteResourceStore(db));
  let resources: SqliteResourceStore;
  let h: Harness;
  const pw: Record<string, string> = {};
  before(async () => {
    resources = await store.create();
    const clock = new ManualClock(1_000_000);
    const credentials = new CredentialService(resources, clock, 0);
    const sandboxes = new SandboxService(resources, clock);
    for (const org of [ORG, OTHER]) {
      await credentials.createOrg(org, 'kith');
      await sandboxes.create(org, { name: 'prod', type: 'production' }, 'test', { isDefault: true });
    }
    await sandboxes.create(ORG, { name: 'dev', type: 'development' }, 'test');
    const live = await credentials.createCredential(ORG, 'live');
    pw.secret = live.clientSecret;
    pw.token = await credentials.issueToken(live.credential);
    const revoked = await credentials.createCredential(ORG, 'revoked');
    pw.revokedSecret = revoked.clientSecret;
    pw.revokedToken = await credentials.issueToken(revoked.credential);
    await credentials.revokeCredential(ORG, revoked.credential.id);
    const other = await credentials.createCredential(OTHER, 'other');
    pw.otherSecret = other.clientSecret;
    pw.otherToken = await credentials.issueToken(other.credential);
    h = await scriptedServer({ auth: new CredentialQueryAuth(credentials, sandboxes) });
  });
  after(async () => {
    await h.server.close();
    await store.destroy(resources);
  });

  /** Connects; the session spec the engine was opened with, or the SQLSTATE and message of the refusal. */
  async function login(password: string, database?: string, user = ORG) {
    const c = new pg.Client({ host: '127.0.0.1', port: h.port, user, password, ...(database === undefined ? {} : { database }) });
    try {
      await c.connect();
    } catch (e) {
      const d = e as pg.DatabaseError;
      return { code: d.code, message: d.message };
    }
    const spec = [...h.engine.sessions.values()].at(-1)!;
    await c.end();
    return { sandbox: spec.sandboxName, flatten: spec.flatten, orgId: spec.orgId };
  }

  const accepted: Array<[string, () => string, string | undefined, { sandbox: string; flatten: boolean }]> = [
    ['an access token, prod:all', () => pw.token!, 'prod:all', { sandbox: 'prod', flatten: false }],
    ['a client secret, prod:all', () => pw.secret!, 'prod:all', { sandbox: 'prod', flatten: false }],
    ['a plain sandbox name', () => pw.token!, 'dev', { sandbox: 'dev', flatten: false }],
    ['?FLATTEN', () => pw.token!, 'dev:all?FLATTEN', { sandbox: 'dev', flatten: true }],
    ['no dbname: prod:all', () => pw.token!, undefined, { sandbox: 'prod', flatten: false }],
  ];
  for (const [name, password, db, want] of accepted)
    it(`accepted: ${name}`, async () => assert.deepEqual(await login(password(), db), { ...want, orgId: ORG }));

  describe('invalid input', () => {
    const refusedPw = { code: '28P01', message: `password authentication failed for user "${ORG}"` };
    const refused: Array<[string, () => string, string, string | undefined, { code: string; message: string }]> = [
      ['a wrong password', () => 'kith_at_wrong', 'prod:all', undefined, refusedPw],
      ['an empty password', () => '', 'prod:all', undefined, refusedPw],
      ["a revoked credential's secret", () => pw.revokedSecret!, 'prod:all', undefined, refusedPw],
      ["a revoked credential's token", () => pw.revokedToken!, 'prod:all', undefined, refusedPw],
      ["another org's token", () => pw.otherToken!, 'prod:all', undefined, refusedPw],
      ["another org's client secret", () => pw.otherSecret!, 'prod:all', undefined, refusedPw],
      ['an unknown sandbox', () => pw.token!, 'nope:all', undefined, { code: '3D000', message: 'database "nope:all" does not exist' }],
      ['a database other than all', () => pw.token!, 'prod:other', undefined, { code: '3D000', message: 'database "prod:other" does not exist' }],
      ['an unknown option', () => pw.token!, 'prod:all?SHRED', undefined, { code: '3D000', message: 'database "prod:all?SHRED" does not exist' }],
      ['an unknown sandbox with a wrong password: the password is checked first', () => 'nope', 'nope:all', undefined, refusedPw],
    ];
    for (const [name, password, db, user, want] of refused) it(`refused: ${name}`, async () => assert.deepEqual(await login(password(), db, user), want));

    it('a valid token with another user (org) than its own', async () => {
      assert.deepEqual(await login(pw.token!, 'prod:all', OTHER), { code: '28P01', message: `password authentication failed for user "${OTHER}"` });
    });

  });
});
