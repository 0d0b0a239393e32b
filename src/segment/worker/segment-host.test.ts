import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../shared/clock.js';
import { openSqlite } from '../../store/sqlite/open.js';
import { SqliteMembershipReader } from '../sqlite-membership-reader.js';
import { SqliteResourceStore } from '../../store/sqlite/sqlite-resource-store.js';
import { createProfileContext } from '../../profile/wiring.js';
import { InMemoryIdentityResolver } from '../../profile/testing/in-memory-resolver.js';
import { SB } from '../../profile/testing/profile-fixture.js';
import { SegmentHost } from './segment-host.js';
import { sqliteProfileStoreAt } from '../../profile/testing/sqlite-profile-store-at.js';

const who = (i: number) => ({ namespace: 'Email', id: `p${i}@x.com` });
/** The lake as the host reaches it: exactly-once appends by sequence number (progress is what was written). */
const lake = () => {
  const done = new Map<string, number>();
  return { progress: async (c: string) => done.get(c) ?? 0, write: async (c: string, upTo: number) => void done.set(c, upTo) };
};
const eventually = async (ok: () => boolean) => {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
};
const exportTarget = { tableOf: async () => undefined, append: async () => undefined };

/** The processor thread's side of the segmentation worker, with a real worker over a temp data directory. */
describe('SegmentHost: a segmentation worker that dies is replaced, and nothing it was handed is lost', () => {
  const deaths: Array<[string, (host: SegmentHost) => Promise<void>]> = [
    ['its thread is torn down', (host) => host.terminate()],
    ['an error nothing caught', async (host) => host.injectFault()],
  ];
  for (const [how, kill] of deaths)
    it(`restarts the worker after a crash (${how}); the new one evaluates what the dead one never did`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kith-seghost-'));
      const errors: string[] = [];
      const identities = new InMemoryIdentityResolver();
      const resources = new SqliteResourceStore(openSqlite(dir, 'control'));
      const profile = createProfileContext({ store: sqliteProfileStoreAt(dir), ownsStore: true, resources, clock: systemClock, identities });
      const host = await SegmentHost.start({
        dataDir: dir,
        identities,
        lake: lake(),
        exportTarget,
        memberships: new SqliteMembershipReader(openSqlite(dir, 'segment')),
        onError: (m) => errors.push(m),
      });
      const unforward = profile.profiles.onProfileChange(host.onProfileChange);
      profile.profiles.useMemberships(host.memberships);
      const buy = async (i: number) =>
        assert.ok((await profile.profiles.applyEvent(SB.sandbox.id, { datasetId: 'events', batchId: 'b', primary: who(i), event: { _id: `e-${i}`, timestamp: new Date().toISOString(), eventType: 'commerce.purchases' } })).ok);
      const status = async (i: number, segmentId: string) => {
        const p = await profile.profiles.getProfile(SB, who(i));
        return p.ok ? (p.value.entity.segmentMembership as any)?.ups?.[segmentId]?.status : undefined;
      };
      try {
        const d = (await host.remote.segments.createDefinition(SB, { name: 'Buyers', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'xEvent[eventType = "commerce.purchases"].count() >= 1' } })) as { ok: boolean; value: { id: string } };
        assert.ok(d.ok);
        await buy(1);
        await host.remote.segments.drain();
        assert.equal(await status(1, d.value.id), 'realized');

        await kill(host);
        await buy(2); // forwarded to a dying worker or to nobody
        await buy(3);
        await eventually(() => errors.some((e) => /exited .*restarting/.test(e)));
        await host.settled();
        assert.ok(errors.some((e) => /exited .*restarting/.test(e)), errors.join('\n'));
        await host.remote.segments.drain();
        assert.equal(await status(2, d.value.id), 'realized');
        assert.equal(await status(3, d.value.id), 'realized');
        // and the new worker takes changes as usual
        await buy(4);
        await host.remote.segments.drain();
        assert.equal(await status(4, d.value.id), 'realized');
      } finally {
        unforward();
        await host.close();
        profile.close();
        await resources.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

  describe('invalid input', () => {
    it('calls to an unknown method are rejected without killing the worker', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kith-seghost-'));
      const resources = new SqliteResourceStore(openSqlite(dir, 'control'));
      const host = await SegmentHost.start({ dataDir: dir, identities: new InMemoryIdentityResolver(), lake: lake(), exportTarget, memberships: new SqliteMembershipReader(openSqlite(dir, 'segment')), onError: () => undefined });
      try {
        // a caller the compiler did not check (the type refuses the name): an error reply, not a hang
        const untyped = host.remote.segments as unknown as { noSuchMethod(): Promise<unknown> };
        await assert.rejects(() => untyped.noSuchMethod(), /unknown RPC method segments\.noSuchMethod/);
        await host.remote.segments.drain();
      } finally {
        await host.close();
        await resources.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
