import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { profileFixture, SB } from '../profile/testing/profile-fixture.js';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { pgTestSchema } from '../store/postgres/testing/pg-test-schema.js';
import type { LakeRow } from '../ingest/processor/processor-ports.js';
import { createSegmentContext } from './wiring.js';
import { PgSegmentStore } from './pg-segment-store.js';
import { PgMembershipReader } from './pg-membership-reader.js';

const DAY = 86_400_000;
const SBID = SB.sandbox.id;
const { pool, schema, create } = pgTestSchema('segrt');

describe('streaming segmentation with its store on PostgreSQL', () => {
  it('enters, exits by timer, writes audience events once, recovers after an unclean stop', async () => {
    await create();
    const f = profileFixture();
    const resources = new SqliteResourceStore(openSqlite(':memory:', 'r'));
    const lakeRows: LakeRow[] = [];
    let progress = 0;
    const lake = { progress: async () => progress, write: async (_: string, upTo: number, rows: LakeRow[]) => void (lakeRows.push(...rows), (progress = upTo)) };
    const open = async () => createSegmentContext({ dataDir: ':memory:', resources, clock: f.clock, profile: f.ctx, tickMs: 0, lake, store: await PgSegmentStore.open({ pool, schema }) });
    let seg = await open();
    try {
      assert.equal(await seg.recovering, false);
      const r = await seg.definitions.create(SB, { name: '2 purchases in 30 days', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 30 days before now].count() >= 2' } });
      assert.ok(r.ok);
      await seg.api.drain();
      const people = Array.from({ length: 60 }, (_, i) => ({ namespace: 'Email', id: `p${i}@x.com` }));
      let n = 0;
      const buy = (who: { namespace: string; id: string }, ago: number) => ({ kind: 'event' as const, sandboxId: SBID, input: { datasetId: 'events', batchId: 'b', primary: who, event: { _id: `e-${n++}`, timestamp: new Date(f.clock.now() - ago * DAY).toISOString(), eventType: 'commerce.purchases' } } });
      await f.ctx.profiles.applyBatch(people.flatMap((who, i) => (i % 2 === 0 ? [buy(who, 20), buy(who, 1)] : [buy(who, 1)])));
      await seg.api.drain();
      assert.equal((await seg.store.members(SBID, r.value.id)).length, 30);
      // what the profile shows, through the read port and through the store's own view
      const reader = new PgMembershipReader(pool, schema);
      const p0 = await f.ctx.profiles.getProfile(SB, people[0]!);
      assert.ok(p0.ok);
      assert.equal((p0.value.entity.segmentMembership as any).ups[r.value.id].status, 'realized');
      assert.equal((await reader.membershipsOfPids(SBID, [f.ids.xidOf(SBID, people[0]!)]))[0]?.status, 'realized');
      assert.deepEqual(await reader.membershipsOfPids(SBID, [f.ids.xidOf(SBID, people[1]!)]), []);

      f.clock.advance(11 * DAY); // the older purchase is 31 days old
      const t = await seg.tick();
      assert.ok(t.timers >= 30, `${t.timers} timers`);
      assert.deepEqual(await seg.store.counts(SBID), new Map([[r.value.id, { exited: 30 }]]));
      assert.equal(t.events, 60, 'an audience event per transition, flushed');
      assert.equal(new Set(lakeRows.map((x) => x.id)).size, 60);
      assert.deepEqual(lakeRows.map((x) => x.offset), [...lakeRows.map((x) => x.offset)].sort((a, b) => a - b), 'in sequence order');

      // killed without close(): the next start finds the store open and evaluates every profile again
      seg.runtime.stop();
      await seg.runtime.drain();
      seg = await open();
      assert.equal(await seg.recovering, true);
      await seg.api.drain();
      assert.equal((await seg.store.memberships(SBID, r.value.id)).length, 30);
    } finally {
      await seg.close();
      f.close();
      await resources.close();
    }
  });
});
