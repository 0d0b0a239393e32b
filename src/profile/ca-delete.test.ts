import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { registerProfileRoutes } from './routes.js';
import { createProfileContext, type ProfileContext } from './wiring.js';
import { localProfileRemote } from './profile-remote.js';
import { InMemoryIdentityResolver } from './testing/in-memory-resolver.js';
import { ManualClock } from '../shared/clock.js';
import { sqliteProfileStoreAt } from './testing/sqlite-profile-store-at.js';

const WHO = { namespace: 'ECID', id: 'ca-1' };
const CA = '/data/core/ca/attributes';

/**
 * DELETE of a computed attribute through the same typed RPC interface the server uses (each call starts in a later
 * macrotask, as on the processor's thread): the 204 comes only once the stored values are gone, and a failing delete
 * answers a problem body.
 */
describe('DELETE a computed attribute', () => {
  let k: TestKith;
  let ctx!: ProfileContext;
  /** A second context, mounted under /broken, whose profile store gets closed (a real failure, not a mock). */
  let broken!: ProfileContext;
  const brokenDir = mkdtempSync(join(tmpdir(), 'kith-ca-delete-'));
  let sandboxId = '';
  before(async () => {
    k = await startTestKith({}, {
      skipProfileRoutes: true,
      extraRoutes: async (app, kith) => {
        const clock = new ManualClock(Date.UTC(1970, 0, 5));
        ctx = createProfileContext({ store: sqliteProfileStoreAt(kith.config.dataDir), ownsStore: true, resources: kith.resources, clock, identities: new InMemoryIdentityResolver() });
        broken = createProfileContext({ store: sqliteProfileStoreAt(brokenDir), ownsStore: true, resources: kith.resources, clock, identities: new InMemoryIdentityResolver() });
        registerProfileRoutes(app, { profile: localProfileRemote(ctx) });
        await app.register(async (sub) => registerProfileRoutes(sub, { profile: localProfileRemote(broken) }), { prefix: '/broken' });
      },
    });
    sandboxId = (await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id;
    for (const c of [ctx, broken])
      for (let i = 0; i < 3; i++)
        await c.profiles.applyEvent(sandboxId, { datasetId: 'dsEv', batchId: 'b', primary: WHO, event: { _id: `e${i}`, timestamp: new Date(1000 * (i + 1)).toISOString() } });
  });
  after(async () => {
    ctx.close();
    broken.profiles.close();
    await k.stop();
    rmSync(brokenDir, { recursive: true, force: true });
  });
  const send = (method: 'POST' | 'DELETE', url: string, payload?: object) => k.app.inject({ method, url, headers: k.headers(), payload });
  const create = async (prefix: string, name: string): Promise<string> => {
    const r = await send('POST', `${prefix}${CA}`, { name, displayName: name, expression: { function: 'COUNT', lookbackDays: 393 } });
    assert.equal(r.statusCode, 200, r.body);
    return r.json().id;
  };

  it('answers 204 only once the stored values are deleted (read back at once)', async () => {
    const id = await create('', 'visits');
    assert.equal((await ctx.store.caStates(sandboxId, id, [WHO])).length, 1, 'backfilled');
    const r = await send('DELETE', `${CA}/${id}`);
    assert.equal(r.statusCode, 204);
    assert.deepEqual(await ctx.store.caStates(sandboxId, id, [WHO]), []);
    assert.equal((await send('DELETE', `${CA}/${id}`)).statusCode, 404);
  });

  describe('invalid input', () => {
    const cases: Array<{ name: string; run: () => Promise<{ statusCode: number; json(): any }>; status: number }> = [
      { name: 'an unknown id', run: () => send('DELETE', `${CA}/nope`), status: 404 },
      {
        name: 'the profile store fails while deleting the values',
        run: async () => {
          const id = await create('/broken', 'doomed');
          await broken.store.close();
          return send('DELETE', `/broken${CA}/${id}`);
        },
        status: 500,
      },
    ];
    for (const c of cases)
      it(`${c.name} -> ${c.status} problem, not 204`, async () => {
        const r = await c.run();
        assert.equal(r.statusCode, c.status);
        const body = r.json();
        assert.equal(body.status, c.status);
        assert.equal(typeof body.title, 'string');
        assert.equal(typeof body.detail, 'string');
      });
  });
});
