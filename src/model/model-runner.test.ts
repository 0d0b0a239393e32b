import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CredentialService } from '../auth/credentials.js';
import { SandboxService } from '../sandbox/sandbox-service.js';
import { Lake } from '../lake/lake.js';
import { TABLE_TAG, type Dataset } from '../catalog/catalog-types.js';
import { profileFixture } from '../profile/testing/profile-fixture.js';
import { DAY_MS } from './features.js';
import { ModelRunner } from './model-runner.js';
import { ModelService } from './model-service.js';
import { MODEL_SYSTEM_KIND } from './model-system-datasets.js';
import type { ModelSpec } from './model-types.js';
import { event, lakeFixture, type LakeFixture } from './testing/lake-fixture.js';

const ORG = 'ORG@AdobeOrg';
const spec: ModelSpec = { name: 'Buyers', kind: 'conversion', namespace: 'Email', outcome: { eventType: 'commerce.purchases' }, predictionWindowDays: 30, lookbackDays: 90 };

describe('ModelRunner: queued and scheduled runs on the processor thread', () => {
  const f = profileFixture();
  const { clock, resources } = f;
  let sandboxId: string;
  let lake: LakeFixture;
  let runner: ModelRunner;
  const models = new ModelService(resources, clock);
  const appended: string[] = [];
  const errors: unknown[] = [];

  before(async () => {
    await new CredentialService(resources, clock).createOrg(ORG, 'kith');
    const sb = await new SandboxService(resources, clock).create(ORG, { name: 'prod', type: 'production' }, 'test', { isDefault: true });
    assert.ok(sb.ok);
    sandboxId = sb.value.id;
    lake = await lakeFixture(Lake.schemaOf(sandboxId));
    const cutoff = clock.now() - 30 * DAY_MS;
    const rows: Parameters<LakeFixture['add']>[0] = [];
    for (let i = 0; i < 200; i++) {
      const views = i % 6;
      for (let v = 0; v <= views; v++) rows.push({ ts: cutoff - (v + 1) * 5 * DAY_MS, record: event(`p${i}@x`, 'web.pageView') });
      if ((views >= 3) !== (i % 11 === 0)) rows.push({ ts: cutoff + 3 * DAY_MS, record: event(`p${i}@x`, 'commerce.purchases') });
    }
    await lake.add(rows);
    const dataset = (id: string, table: string, tags: Record<string, string[]> = {}) => ({ id, tags: { [TABLE_TAG]: [table], ...tags } }) as unknown as Dataset;
    runner = new ModelRunner({
      resources,
      clock,
      lake: {
        connect: () => lake.db.connect(),
        appendRecords: async (_sb, table) => void appended.push(table),
        tables: async () => ['events'],
      },
      catalog: { listDatasets: async () => [dataset('ds-events', 'events'), dataset('ds-scores', 'model_scores', { 'kith/system': ['models'] })] },
      profiles: f.ctx.profiles,
      readPerson: async () => ({ personKeys: [], profile: {}, segments: new Set(), events: [] }),
      onError: (e) => errors.push(e),
      tickMs: 0,
    });
  });
  after(async () => {
    await runner.close();
    lake.close();
    f.close();
  });

  it('a run without the Model Scores dataset fails with the reason', async () => {
    const m = await models.create(sandboxId, { ...spec, name: 'Early' });
    assert.ok(m.ok);
    const q = await models.queueRun(sandboxId, m.value.id, 'api');
    assert.ok(q.ok);
    await runner.tick();
    const run = await models.run(sandboxId, m.value.id, q.value.id);
    assert.ok(run.ok);
    assert.equal(run.value.status, 'failed');
    assert.match(run.value.error!, /Model Scores dataset/);
    await models.delete(sandboxId, m.value.id);
  });

  it('a queued run trains, publishes and scores; the model names its published version', async () => {
    await resources.put(MODEL_SYSTEM_KIND, sandboxId, 'datasets', { datasetId: 'ds-scores', table: 'model_scores' });
    const m = await models.create(sandboxId, spec);
    assert.ok(m.ok);
    const q = await models.queueRun(sandboxId, m.value.id, 'api');
    assert.ok(q.ok);
    await runner.wake(sandboxId);
    await runner.tick();
    const run = await models.run(sandboxId, m.value.id, q.value.id);
    assert.ok(run.ok);
    assert.equal(run.value.status, 'published', JSON.stringify(run.value));
    assert.equal(run.value.scored, 200);
    assert.equal(run.value.quality!.trainPeople + run.value.quality!.testPeople, 200, 'the system dataset is not read as events');
    assert.ok(appended.every((t) => t === 'model_scores') && appended.length > 0);
    const after = await models.get(sandboxId, m.value.id);
    assert.ok(after.ok);
    assert.equal(after.value.publishedVersion, 1);
    assert.deepEqual(errors, []);
  });

  it('a due schedule queues a run, runs it and moves to the next day', async () => {
    const m = await models.create(sandboxId, { ...spec, name: 'Daily', schedule: { frequency: 'daily', time: '00:00' } });
    assert.ok(m.ok);
    const next = m.value.nextRunAt!;
    clock.set(next + 1000);
    await runner.tick();
    const runs = await models.runs(sandboxId, m.value.id);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.trigger, 'schedule');
    assert.equal(runs[0]!.status, 'published');
    const after = await models.get(sandboxId, m.value.id);
    assert.ok(after.ok);
    assert.equal(after.value.nextRunAt, next + DAY_MS);
    await runner.tick();
    assert.equal((await models.runs(sandboxId, m.value.id)).length, 1, 'once per fire time');
  });

  it('a run left running by a stop is failed at the next start', async () => {
    const m = await models.create(sandboxId, { ...spec, name: 'Interrupted' });
    assert.ok(m.ok);
    const q = await models.queueRun(sandboxId, m.value.id, 'api');
    assert.ok(q.ok);
    await models.saveRun(sandboxId, { ...q.value, status: 'running' });
    const second = new ModelRunner({ resources, clock, lake: { connect: () => lake.db.connect(), appendRecords: async () => undefined, tables: async () => [] }, catalog: { listDatasets: async () => [] }, profiles: f.ctx.profiles, readPerson: async () => ({ personKeys: [], profile: {}, segments: new Set(), events: [] }), onError: () => undefined, tickMs: 0 });
    await second.start();
    const run = await models.run(sandboxId, m.value.id, q.value.id);
    assert.ok(run.ok);
    assert.equal(run.value.status, 'failed');
    assert.match(run.value.error!, /interrupted/);
    await second.close();
  });

  it('stopping during a run interrupts it: the run fails with that reason', async () => {
    const m = await models.create(sandboxId, { ...spec, name: 'Stopped', eligibility: 'true' });
    assert.ok(m.ok);
    const q = await models.queueRun(sandboxId, m.value.id, 'api');
    assert.ok(q.ok);
    let closing: Promise<void> | undefined;
    const stopping: ModelRunner = new ModelRunner({
      resources, clock,
      lake: { connect: () => lake.db.connect(), appendRecords: async () => undefined, tables: async () => ['events'] },
      catalog: { listDatasets: async () => [{ id: 'ds-events', tags: { [TABLE_TAG]: ['events'] } } as unknown as Dataset] },
      profiles: f.ctx.profiles,
      // the eligibility rule reads people: Kith stops while it does
      readPerson: async () => {
        closing ??= stopping.close();
        return { personKeys: [], profile: {}, segments: new Set(), events: [] };
      },
      onError: () => undefined,
      tickMs: 0,
    });
    await stopping.tick();
    await closing;
    const run = await models.run(sandboxId, m.value.id, q.value.id);
    assert.ok(run.ok);
    assert.equal(run.value.status, 'failed');
    assert.match(run.value.error!, /interrupted/);
  });
});
