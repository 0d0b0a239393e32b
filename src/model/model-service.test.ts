import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../shared/clock.js';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { ModelService, RUNS_KEPT } from './model-service.js';
import type { ModelSpec } from './model-types.js';

const SB = 'sb-1';
const spec: ModelSpec = { name: 'Churn risk', kind: 'churn', namespace: 'Email', outcome: {}, predictionWindowDays: 30, lookbackDays: 90 };

describe('ModelService on the ResourceStore', () => {
  let models: ModelService;
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
    models = new ModelService(new SqliteResourceStore(openSqlite(':memory:', 'resources')), clock);
  });

  it('creates with a derived attribute and the schedule\'s next time; names are unique', async () => {
    const m = await models.create(SB, { ...spec, schedule: { frequency: 'daily', time: '03:00' } }, 'user');
    assert.ok(m.ok);
    assert.equal(m.value.attribute, 'churnRisk');
    assert.equal(m.value.versions, 0);
    assert.equal(m.value.nextRunAt, Date.parse('2026-03-02T03:00:00Z'));
    const dup = await models.create(SB, { ...spec, name: 'CHURN RISK' });
    assert.ok(!dup.ok && dup.error.status === 409);
    const sameAttribute = await models.create(SB, { ...spec, name: 'Other', attribute: 'churnRisk' });
    assert.ok(!sameAttribute.ok && sameAttribute.error.status === 409);
    const otherSandbox = await models.create('sb-2', spec);
    assert.ok(otherSandbox.ok, 'sandboxes are separate');
  });

  it('refuses an invalid definition with every problem listed', async () => {
    const r = await models.create(SB, { ...spec, predictionWindowDays: 0, lookbackDays: 1 });
    assert.ok(!r.ok);
    assert.equal(r.error.status, 400);
    assert.equal((r.error.body.report as { problems: unknown[] }).problems.length, 2);
  });

  it('runs get the next version; replace keeps versions and the published version; delete takes the runs', async () => {
    const m = await models.create(SB, spec);
    assert.ok(m.ok);
    const r1 = await models.queueRun(SB, m.value.id, 'api');
    const r2 = await models.queueRun(SB, m.value.id, 'api');
    assert.ok(r1.ok && r2.ok);
    assert.deepEqual([r1.value.version, r2.value.version], [1, 2]);
    assert.deepEqual((await models.runs(SB, m.value.id)).map((r) => r.version), [2, 1]);
    assert.deepEqual((await models.runsIn(SB, 'queued')).map((r) => r.version), [1, 2]);
    await models.update(SB, m.value.id, (cur) => ({ ok: true, value: { ...cur, publishedVersion: 1 } }));
    const replaced = await models.replace(SB, m.value.id, { ...spec, lookbackDays: 120 });
    assert.ok(replaced.ok);
    assert.deepEqual([replaced.value.versions, replaced.value.publishedVersion, replaced.value.lookbackDays], [2, 1, 120]);
    assert.ok((await models.delete(SB, m.value.id)).ok);
    assert.equal((await models.get(SB, m.value.id)).ok, false);
    assert.deepEqual(await models.runsIn(SB, 'queued'), []);
  });

  it('keeps the newest runs only', async () => {
    const m = await models.create(SB, spec);
    assert.ok(m.ok);
    for (let i = 0; i < RUNS_KEPT + 3; i++) await models.queueRun(SB, m.value.id, 'api');
    await models.pruneRuns(SB, m.value.id);
    const runs = await models.runs(SB, m.value.id);
    assert.equal(runs.length, RUNS_KEPT);
    assert.equal(runs.at(-1)!.version, 4);
  });

  it('unknown ids are 404s', async () => {
    assert.equal((await models.get(SB, 'nope')).ok, false);
    const q = await models.queueRun(SB, 'nope', 'api');
    assert.ok(!q.ok && q.error.status === 404);
    const d = await models.delete(SB, 'nope');
    assert.ok(!d.ok && d.error.status === 404);
  });
});
