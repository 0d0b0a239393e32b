import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { profileFixture, SB } from '../../profile/testing/profile-fixture.js';
import { openSqlite } from '../../store/sqlite/open.js';
import { SqliteResourceStore } from '../../store/sqlite/sqlite-resource-store.js';
import { createSegmentContext, type SegmentContext } from '../wiring.js';
import { DuckDbBatchEvaluator } from '../batch-sql.js';
import { sqliteSegmentStoreAt } from '../testing/sqlite-segment-store-at.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SBID = SB.sandbox.id;

describe('schedules: batch segmentation by cron', () => {
  let f: ReturnType<typeof profileFixture>;
  let seg: SegmentContext;
  beforeEach(() => {
    f = profileFixture();
    f.clock.set(Date.parse('2026-03-10T00:00:00Z'));
    seg = createSegmentContext({ dataDir: ':memory:', store: sqliteSegmentStoreAt(':memory:'), ownsStore: true, resources: new SqliteResourceStore(openSqlite(':memory:', 'r')), clock: f.clock, profile: f.ctx, tickMs: 0, batchSql: new DuckDbBatchEvaluator() });
  });
  afterEach(async () => {
    await seg.close();
    f.close();
  });

  const batchDefinition = async () => {
    // a batch-only definition (not streaming): only jobs evaluate it
    const r = await seg.definitions.create(SB, { name: 'Gold', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'loyalty.tier = "gold"' }, evaluationInfo: { batch: { enabled: true }, continuous: { enabled: false } } });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    return r.value;
  };
  const scheduledJobs = async () => (await seg.jobs.list(SB)).children.filter((j) => j.source === 'scheduler');

  it('an active schedule runs its job at the fire time, once, with scheduleId and runId; members qualify', async () => {
    const d = await batchDefinition();
    await f.ctx.profiles.applyRecord(SBID, { datasetId: 'crm', batchId: 'b', primary: { namespace: 'Email', id: 'g@x.com' }, record: { loyalty: { tier: 'gold' } }, eventTime: f.clock.now() });
    const s = await seg.schedules.create(SB, { name: 'nightly', type: 'batch_segmentation', properties: { segments: ['*'] }, schedule: '0 0 1 * * ?', state: 'active' });
    assert.ok(s.ok, JSON.stringify(!s.ok && s.error));
    assert.equal((await seg.tick()).scheduled, 0, 'not yet 01:00');
    f.clock.advance(HOUR);
    assert.equal((await seg.tick()).scheduled, 1, 'fires at 01:00');
    assert.equal((await seg.tick()).scheduled, 0, 'once per fire time');
    await seg.jobs.idle();
    const [job] = await scheduledJobs();
    assert.equal(job!.status, 'SUCCEEDED');
    assert.equal(job!.properties!.scheduleId, s.value.id);
    assert.match(job!.properties!.runId!, /^[0-9a-f-]{36}$/);
    assert.deepEqual(job!.segments.map((x) => x.segmentId), [d.id]);
    assert.equal((await seg.store.members(SBID, d.id)).length, 1);
    f.clock.advance(DAY);
    assert.equal((await seg.tick()).scheduled, 1, 'and the next day again');
  });

  it('days missed while down run once; an inactive schedule never runs; activating does not catch up', async () => {
    await batchDefinition();
    const s = await seg.schedules.create(SB, { name: 'n', type: 'batch_segmentation', properties: { segments: ['*'] } });
    assert.ok(s.ok);
    assert.equal(s.value.state, 'inactive', 'inactive by default');
    assert.equal(s.value.schedule, '0 0 1 * * ?', 'a schedule is generated when none is given');
    f.clock.advance(3 * DAY);
    assert.equal((await seg.tick()).scheduled, 0, 'inactive');
    assert.ok((await seg.schedules.patch(SB, s.value.id, [{ op: 'add', path: '/state', value: 'active' }])).ok);
    assert.equal((await seg.tick()).scheduled, 0, 'the days it was inactive are not caught up');
    f.clock.advance(5 * DAY); // five fire times pass while "down"
    assert.equal((await seg.tick()).scheduled, 1, 'missed days run once');
    assert.equal((await seg.tick()).scheduled, 0);
    await seg.jobs.idle();
    assert.equal((await scheduledJobs()).length, 1);
  });

  it('PATCH /schedule re-times it; DELETE stops it; list pages', async () => {
    await batchDefinition();
    const s = await seg.schedules.create(SB, { name: 'a', type: 'batch_segmentation', properties: { segments: ['*'] }, state: 'active', schedule: '0 0 5 * * ?' });
    assert.ok(s.ok);
    const p = await seg.schedules.patch(SB, s.value.id, [{ op: 'replace', path: '/schedule', value: '0 30 0 * * ?' }]);
    assert.ok(p.ok);
    assert.equal(p.value.schedule, '0 30 0 * * ?');
    f.clock.advance(HOUR);
    assert.equal((await seg.tick()).scheduled, 1, '00:30 passed');
    assert.ok((await seg.schedules.delete(SB, s.value.id)).ok);
    f.clock.advance(DAY);
    assert.equal((await seg.tick()).scheduled, 0);
    for (const name of ['x', 'y', 'z']) assert.ok((await seg.schedules.create(SB, { name, type: 'batch_segmentation', properties: { segments: ['*'] } })).ok);
    const page = await seg.schedules.list(SB, { limit: 2 });
    assert.equal(page._page.totalCount, 3);
    assert.equal(page.children.length, 2);
    assert.ok('href' in (page._links.next as object));
    assert.equal((await seg.schedules.get(SB, page.children[0]!.id)).ok, true);
  });

  describe('invalid input', () => {
    const bad: Array<[string, unknown, RegExp]> = [
      ['not an object', [1], /Body must be a schedule object/],
      ['no name', { type: 'batch_segmentation', properties: { segments: ['*'] } }, /name is required/],
      ['export type', { name: 'e', type: 'export', properties: {} }, /"export" is not supported/],
      ['unknown type', { name: 'e', type: 'nightly', properties: { segments: ['*'] } }, /type must be "batch_segmentation"/],
      ['no properties', { name: 'e', type: 'batch_segmentation' }, /properties is required/],
      ['segments not an array', { name: 'e', type: 'batch_segmentation', properties: { segments: '*' } }, /properties.segments must be an array/],
      ['unknown segment', { name: 'e', type: 'batch_segmentation', properties: { segments: ['nope'] } }, /not found: nope/],
      ['bad cron', { name: 'e', type: 'batch_segmentation', properties: { segments: ['*'] }, schedule: '0 0 25 * * ?' }, /schedule: hours: "25"/],
      ['more than once a day', { name: 'e', type: 'batch_segmentation', properties: { segments: ['*'] }, schedule: '0 0 */6 * * ?' }, /at most once a day/],
      ['bad state', { name: 'e', type: 'batch_segmentation', properties: { segments: ['*'] }, state: 'on' }, /state must be "active" or "inactive"/],
    ];
    for (const [name, body, re] of bad)
      it(`create: ${name} -> 400`, async () => {
        const r = await seg.schedules.create(SB, body);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.equal(r.error.status, 400);
          assert.match((r.error.body as { detail: string }).detail, re);
        }
      });

    it('patch: other paths, ops and values are refused; unknown ids are 404', async () => {
      const s = await seg.schedules.create(SB, { name: 'p', type: 'batch_segmentation', properties: { segments: ['*'] } });
      assert.ok(s.ok);
      const table: Array<[unknown, RegExp]> = [
        [{ op: 'add', path: '/state', value: 'active' }, /JSON Patch array/],
        [[], /JSON Patch array/],
        [[{ op: 'remove', path: '/state' }], /op must be "add" or "replace"/],
        [[{ op: 'add', path: '/name', value: 'x' }], /only \/state and \/schedule/],
        [[{ op: 'add', path: '/state', value: 'paused' }], /state must be/],
        [[{ op: 'add', path: '/schedule', value: '* * * * * ?' }], /at most once a day/],
      ];
      for (const [body, re] of table) {
        const r = await seg.schedules.patch(SB, s.value.id, body);
        assert.equal(r.ok, false, JSON.stringify(body));
        if (!r.ok) assert.match((r.error.body as { detail: string }).detail, re);
      }
      assert.equal((await seg.schedules.get(SB, s.value.id)).ok && (await seg.schedules.get(SB, s.value.id)).ok, true, 'unchanged and still there');
      for (const r of [await seg.schedules.get(SB, 'nope'), await seg.schedules.patch(SB, 'nope', [{ op: 'add', path: '/state', value: 'active' }]), await seg.schedules.delete(SB, 'nope')]) {
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.error.status, 404);
      }
    });
  });
});
