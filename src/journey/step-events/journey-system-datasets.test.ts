import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StepEventsFixture } from './testing/step-events-fixture.js';
import {
  JOURNEY_DATASET, JOURNEY_SCHEMA, JOURNEY_SYSTEM_KIND, PROFILE_EVENT_NAME, PROFILE_UPDATE_NAME, STEP_EVENT_DATASET, STEP_EVENT_SCHEMA,
  readJourneySystemDatasets,
} from './journey-system-datasets.js';
import { isEnabled, PROFILE_TAG, TABLE_TAG } from '../../catalog/catalog-types.js';
import { EXPERIENCE_EVENT, JOURNEY, JOURNEY_STEP_EVENT } from '../../schema/global/classes.js';
import { unwrap } from '../../shared/result.js';

describe('JourneySystemDatasets', () => {
  let f: StepEventsFixture;
  before(async () => (f = await StepEventsFixture.open()));
  after(async () => f.close());

  it('creates the three schemas and datasets with the documented names, classes and tables', async () => {
    const sys = unwrap(await f.provisioner().ensure(f.ctx('sb-1')));
    assert.equal(sys.stepEventTable, 'journey_step_events');
    assert.equal(sys.journeyTable, 'journeys');
    assert.equal(sys.profileEventTable, 'journey_step_profile_event_schema_for_journey_orchestration');
    const datasets = await f.catalog.listDatasets('sb-1');
    const cases: Array<[string, string, string, string]> = [
      // dataset id, dataset name, schema title, class
      [sys.profileEventDatasetId, PROFILE_EVENT_NAME, PROFILE_EVENT_NAME, EXPERIENCE_EVENT],
      [sys.stepEventDatasetId, STEP_EVENT_DATASET, STEP_EVENT_SCHEMA, JOURNEY_STEP_EVENT],
      [sys.journeyDatasetId, JOURNEY_DATASET, JOURNEY_SCHEMA, JOURNEY],
    ];
    for (const [id, name, title, cls] of cases) {
      const ds = datasets.find((d) => d.id === id)!;
      assert.equal(ds.name, name);
      assert.deepEqual(ds.tags['kith/system'], ['journeys'], name);
      assert.equal(isEnabled(ds.tags, PROFILE_TAG), false, `${name} is not enabled for Profile`);
      const schema = (await f.schemas.getSchema('sb-1', ds.schemaRef.id))!;
      assert.equal(schema.title, title);
      assert.equal(schema.classId, cls);
    }
    assert.equal(datasets.find((d) => d.id === sys.stepEventDatasetId)!.tags[TABLE_TAG]![0], 'journey_step_events');
    // behaviours as documented: step events are time-series, journeys records
    const behaviour = async (id: string) => (await f.schemas.getSchema('sb-1', datasets.find((d) => d.id === id)!.schemaRef.id))!.behavior;
    assert.equal(await behaviour(sys.stepEventDatasetId), 'time-series');
    assert.equal(await behaviour(sys.journeyDatasetId), 'record');
    // the profile-event schema has identityMap; the step-event schema has none, but profileID / profileNamespace
    const props = async (id: string) => {
      const s = (await f.schemas.resolve('sb-1', datasets.find((d) => d.id === id)!.schemaRef.id))!;
      return (await f.schemas.flattenOf('sb-1', s)).properties;
    };
    const pe = await props(sys.profileEventDatasetId);
    const se = await props(sys.stepEventDatasetId);
    assert.ok(pe.identityMap);
    assert.equal(se.identityMap, undefined);
    const stepFields = (p: Record<string, unknown>) => Object.keys(((((p._experience as { properties: Record<string, { properties: Record<string, { properties: object }> }> }).properties.journeyOrchestration!).properties.stepEvents!).properties));
    assert.ok(stepFields(se).includes('profileID') && stepFields(se).includes('actionExecutionErrorCode'));
    assert.ok(!stepFields(pe).includes('profileID') && stepFields(pe).includes('stepStatus'));
    // updateProfile actions write fragments of a Profile-enabled profile dataset
    const pu = datasets.find((d) => d.id === sys.profileUpdateDatasetId)!;
    assert.equal(pu.name, PROFILE_UPDATE_NAME);
    assert.equal(isEnabled(pu.tags, PROFILE_TAG), true);
    assert.deepEqual(pu.tags['kith/system'], ['journeys']);
    assert.equal(sys.profileUpdateTable, 'journey_profile_updates');
  });

  it('adds the profile-update dataset to a sandbox provisioned before it existed', async () => {
    const ctx = f.ctx('sb-6');
    const full = unwrap(await f.provisioner().ensure(ctx));
    const { profileUpdateDatasetId: _d, profileUpdateTable: _t, ...older } = full;
    await f.resources.put(JOURNEY_SYSTEM_KIND, 'sb-6', 'datasets', older);
    const again = unwrap(await f.provisioner().ensure(ctx));
    assert.deepEqual(again, full, 'the dataset is found by name and adopted');
    assert.deepEqual(await readJourneySystemDatasets(f.resources, 'sb-6'), full);
  });

  it('is idempotent: a second call, a new provisioner and concurrent calls create nothing more', async () => {
    const first = unwrap(await f.provisioner().ensure(f.ctx('sb-1')));
    const again = unwrap(await f.provisioner().ensure(f.ctx('sb-1')));
    assert.deepEqual(again, first);
    const p = f.provisioner();
    const all = await Promise.all([1, 2, 3, 4].map(() => p.ensure(f.ctx('sb-2'))));
    const fresh = f.provisioner();
    const more = await Promise.all([fresh.ensure(f.ctx('sb-3')), fresh.ensure(f.ctx('sb-3'))]);
    for (const r of [...all, ...more]) assert.ok(r.ok);
    for (const sb of ['sb-1', 'sb-2', 'sb-3']) {
      assert.equal((await f.catalog.listDatasets(sb)).length, 4, sb);
      assert.equal((await f.schemas.list(sb, 'tenant', 'schemas')).length, 4, sb);
    }
    assert.deepEqual(await readJourneySystemDatasets(f.resources, 'sb-2'), unwrap(all[0]!));
  });

  it('finishes a provisioning that stopped half-way (schemas and datasets found by name)', async () => {
    const ctx = f.ctx('sb-4');
    unwrap(await f.provisioner().ensure(ctx));
    const ids = (await readJourneySystemDatasets(f.resources, 'sb-4'))!;
    await f.resources.delete(JOURNEY_SYSTEM_KIND, 'sb-4', 'datasets'); // as if the process died before the last put
    const again = unwrap(await f.provisioner().ensure(ctx));
    assert.deepEqual(again, ids);
    assert.equal((await f.catalog.listDatasets('sb-4')).length, 4);
  });

  describe('invalid input', () => {
    it('refuses to adopt a user dataset that holds one of the names', async () => {
      const ctx = f.ctx('sb-5');
      const s = unwrap(await f.schemas.create(ctx, 'schemas', { title: 'Mine', allOf: [{ $ref: JOURNEY }] }));
      unwrap(await f.catalog.createDataset(ctx, { name: 'journeys', schemaRef: { id: s.$id } }));
      const r = await f.provisioner().ensure(ctx);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error.status, 409);
        assert.match(String(r.error.body.detail), /"Journeys" already exists/);
      }
      assert.equal(await readJourneySystemDatasets(f.resources, 'sb-5'), undefined, 'nothing recorded');
    });

    it('reads nothing for a sandbox never provisioned', async () => {
      assert.equal(await readJourneySystemDatasets(f.resources, 'nope'), undefined);
    });
  });
});
