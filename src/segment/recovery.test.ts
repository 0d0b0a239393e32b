import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileFixture, SB } from '../profile/testing/profile-fixture.js';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { createSegmentContext, type SegmentContext } from './wiring.js';
import { sqliteSegmentStoreAt } from './testing/sqlite-segment-store-at.js';

const SBID = SB.sandbox.id;
const who = (i: number) => ({ namespace: 'Email', id: `p${i}@x.com` });

/**
 * Recovery after an unclean stop: profile changes the profile store committed but segmentation never evaluated
 * (the process died in between) are caught up when segmentation starts again; a clean stop needs no catch-up.
 */
describe('segmentation recovery after an unclean stop', () => {
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-segrec-'));
    const f = profileFixture();
    const resources = new SqliteResourceStore(openSqlite(dir, 'control'));
    const open = (): SegmentContext => createSegmentContext({ dataDir: dir, store: sqliteSegmentStoreAt(dir), ownsStore: true, resources, clock: f.clock, profile: f.ctx, tickMs: 0 });
    const event = async (i: number, n: number) =>
      assert.ok((await f.ctx.profiles.applyEvent(SBID, { datasetId: 'events', batchId: 'b', primary: who(i), event: { _id: `e-${i}-${n}`, timestamp: new Date(f.clock.now()).toISOString(), eventType: 'commerce.purchases' } })).ok);
    const status = async (seg: SegmentContext, i: number, id: string) => (await seg.store.membershipsOfPids(SBID, [f.ids.xidOf(SBID, who(i))])).find((m) => m.segmentId === id)?.status;
    return { dir, f, resources, open, event, status, done: async () => { f.close(); await resources.close(); rmSync(dir, { recursive: true, force: true }); } };
  };

  it('a crash between the profile commit and the evaluation: the next start evaluates every profile again', async () => {
    const t = setup();
    try {
      const a = t.open();
      assert.equal(await a.recovering, false, 'a new store is not recovering');
      const d = await a.definitions.create(SB, { name: 'Buyers', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'xEvent[eventType = "commerce.purchases"].count() >= 2' } });
      assert.ok(d.ok);
      await t.event(1, 1);
      await t.event(1, 2);
      await a.api.drain();
      assert.equal(await t.status(a, 1, d.value.id), 'realized');
      // the process "dies": changes are committed to the profile store but never reach segmentation
      a.runtime.stop();
      await t.event(2, 1);
      await t.event(2, 2);
      assert.equal(await t.status(a, 2, d.value.id), undefined);
      // ... and nothing is closed. The next start finds the store open and catches up.
      const b = t.open();
      assert.equal(await b.recovering, true);
      await b.api.drain();
      assert.equal(await t.status(b, 2, d.value.id), 'realized');
      assert.equal(await t.status(b, 1, d.value.id), 'realized', 'members stay members');
      await b.close();
      // a clean stop: the next start has nothing to catch up
      const c = t.open();
      assert.equal(await c.recovering, false);
      assert.equal(c.runtime.backlog(), 0);
      await c.close();
    } finally {
      await t.done();
    }
  });

  describe('invalid input', () => {
    it('an unclean stop with no definitions (or none left) re-evaluates nothing and does not fail', async () => {
      const t = setup();
      try {
        const a = t.open();
        const d = await a.definitions.create(SB, { name: 'Gone', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'xEvent[eventType = "x"].count() >= 1' } });
        assert.ok(d.ok);
        await a.api.drain();
        assert.ok((await a.definitions.delete(SB, d.value.id)).ok);
        a.runtime.stop();
        await t.event(3, 1);
        const b = t.open();
        assert.equal(await b.recovering, true);
        await b.api.drain();
        assert.equal(b.runtime.backlog(), 0);
        await b.close();
      } finally {
        await t.done();
      }
    });
  });
});
