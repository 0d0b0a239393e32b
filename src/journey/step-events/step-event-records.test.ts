import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StepEventsFixture, stepEvent } from './testing/step-events-fixture.js';
import { journeyRecord, journeyRecordFromStep, profileEventIdOf, stepEventIdOf, stepEventRecords, stepTypeOf, type XdmRecord } from './step-event-records.js';
import type { JourneySystemDatasetIds } from './journey-system-datasets.js';
import type { RecordValidator } from '../../schema/schema-lookup.js';
import type { ActionOutcomeFields, JourneyVersion, StepEvent } from '../journey-types.js';
import { unwrap } from '../../shared/result.js';

const stepFields = (r: XdmRecord) => ((r._experience as XdmRecord).journeyOrchestration as XdmRecord).stepEvents as XdmRecord;

const HTTP_FAILED: ActionOutcomeFields = {
  actionID: 'a-1', actionName: 'Notify CRM', actionType: 'http', actionExecutionTime: 5012.6, actionExecutionError: 'timeout',
  actionExecutionErrorCode: '504', actionExecutionOriginError: 'http', actionExecutionOriginCode: '500', actionErrorContext: 'POST https://crm.example/x', attempts: 3,
};

describe('step event records', () => {
  let f: StepEventsFixture;
  let validate: { profile: RecordValidator; step: RecordValidator; journey: RecordValidator };
  /** The `stepEvents` field names each schema defines (the validator leaves objects below `_experience` open). */
  let declared: { profile: Set<string>; step: Set<string>; journey: Set<string> };

  before(async () => {
    f = await StepEventsFixture.open();
    const sys: JourneySystemDatasetIds = unwrap(await f.provisioner().ensure(f.ctx('sb-1')));
    const schemaOf = async (id: string) => (await f.catalog.getDataset('sb-1', id))!.schemaRef.id;
    validate = {
      profile: (await f.schemas.validator('sb-1', await schemaOf(sys.profileEventDatasetId)))!,
      step: (await f.schemas.validator('sb-1', await schemaOf(sys.stepEventDatasetId)))!,
      journey: (await f.schemas.validator('sb-1', await schemaOf(sys.journeyDatasetId)))!,
    };
    const fields = async (id: string) => {
      const props = (await f.schemas.flattenOf('sb-1', (await f.schemas.resolve('sb-1', await schemaOf(id)))!)).properties as XdmRecord;
      const at = (o: XdmRecord, k: string) => (o.properties as XdmRecord)[k] as XdmRecord;
      return new Set(Object.keys(at(at(at({ properties: props }, '_experience'), 'journeyOrchestration'), 'stepEvents').properties as XdmRecord));
    };
    declared = { profile: await fields(sys.profileEventDatasetId), step: await fields(sys.stepEventDatasetId), journey: await fields(sys.journeyDatasetId) };
  });
  after(async () => f.close());

  const cases: Array<{ name: string; event: StepEvent; want: XdmRecord; absent?: string[] }> = [
    {
      name: 'start of a unitary instance',
      event: stepEvent('i1', 0, { reentrance: false, isExternalEvent: true, eventName: 'purchase' }),
      want: { entrance: true, reentrance: false, nodeType: 'start', stepType: 'ActionStep', stepName: 'Start', stepID: 'i1:0', instanceType: 'unitary', isExternalEvent: true, eventName: 'purchase' },
      absent: ['actionID', 'parentNodeID', 'exitCriteriaID', 'segmentQualificationStatus'],
    },
    {
      name: 'condition step with its parent',
      event: stepEvent('i1', 1, { nodeType: 'condition', nodeId: 'c1', nodeName: 'Is VIP?', parentNodeId: 'start', parentNodeType: 'start', parentNodeName: 'Start' }),
      want: { stepType: 'ConditionalRouterStep', nodeID: 'c1', stepName: 'Is VIP?', parentNodeID: 'start', parentNodeType: 'start', parentNodeName: 'Start' },
    },
    {
      name: 'failed HTTP action after retries',
      event: stepEvent('i2', 2, { nodeType: 'action', nodeId: 'a1', nodeName: 'Notify', stepStatus: 'error', instanceEnded: true, action: HTTP_FAILED }),
      want: {
        stepStatus: 'error', instanceEnded: true, actionID: 'a-1', actionName: 'Notify CRM', actionType: 'http', actionExecutionTime: 5013, actionExecutionError: 'timeout',
        actionExecutionErrorCode: '504', actionExecutionOriginError: 'http', actionExecutionOriginCode: '500', actionErrorContext: 'POST https://crm.example/x',
      },
      absent: ['attempts'],
    },
    {
      name: 'successful email action',
      event: stepEvent('i3', 1, { nodeType: 'action', nodeId: 'e1', nodeName: 'Welcome mail', action: { actionID: 'e1', actionName: 'Welcome mail', actionType: 'email', actionExecutionTime: 40, attempts: 1 } }),
      want: { actionType: 'email', actionExecutionTime: 40 },
      absent: ['actionExecutionError', 'actionExecutionErrorCode'],
    },
    {
      name: 'exit criteria on an audience journey (batch)',
      event: stepEvent('i4', 3, { instanceType: 'batch', stepStatus: 'ended', instanceEnded: true, exitCriteriaID: 'x1', exitCriteriaName: 'Left VIP', eventID: 'exitCriteria', segmentQualificationStatus: 'exited' }),
      want: { instanceType: 'batch', exitCriteriaID: 'x1', exitCriteriaName: 'Left VIP', eventID: 'exitCriteria', segmentQualificationStatus: 'exited', stepStatus: 'ended' },
    },
    {
      name: 'test run, instance timed out',
      event: stepEvent('i5', 4, { inTest: true, stepStatus: 'instanceTimedout', instanceEnded: true, eventID: 'timer', processingTime: 0 }),
      want: { inTest: true, stepStatus: 'instanceTimedout', processingTime: 0, eventID: 'timer' },
    },
  ];

  for (const c of cases)
    it(`${c.name}: both records carry the fields and validate`, () => {
      const { profileEvent, stepEvent: se } = unwrap(stepEventRecords(c.event));
      assert.equal(profileEvent._id, profileEventIdOf(c.event.id));
      assert.equal(se._id, stepEventIdOf(c.event.id));
      assert.notEqual(profileEvent._id, se._id);
      assert.equal(profileEvent.timestamp, new Date(c.event.timestamp).toISOString());
      assert.deepEqual(profileEvent.identityMap, { [c.event.identity.namespace]: [{ id: c.event.identity.id, primary: true }] });
      assert.equal(se.identityMap, undefined);
      const p = stepFields(profileEvent);
      const s = stepFields(se);
      for (const [k, v] of Object.entries(c.want)) {
        assert.deepEqual(p[k], v, `profile event ${k}`);
        assert.deepEqual(s[k], v, `step event ${k}`);
      }
      for (const k of c.absent ?? []) assert.ok(!(k in p) && !(k in s), `${k} absent`);
      for (const v of Object.values(s)) assert.notEqual(v, undefined, 'no undefined values');
      assert.equal(s.profileID, c.event.identity.id);
      assert.equal(s.profileNamespace, c.event.identity.namespace);
      assert.ok(!('profileID' in p));
      assert.equal(s.externalKey, c.event.identity.id);
      assert.equal(s.journeyVersionID, c.event.journeyVersionId);
      assert.equal(s.journeyVersion, c.event.journeyVersion);
      assert.deepEqual(validate.profile.validate(profileEvent), { valid: true });
      assert.deepEqual(validate.step.validate(se), { valid: true });
      for (const k of Object.keys(p)) assert.ok(declared.profile.has(k), `${k} is a field of the profile-event schema`);
      for (const k of Object.keys(s)) assert.ok(declared.step.has(k), `${k} is a field of the step-event schema`);
    });

  it('the journey record validates against the Journeys schema; its _id is the version id', () => {
    const version = { id: 'jv-9', version: '2.0', definition: { name: 'Winback', description: 'Lapsed buyers' } } as unknown as JourneyVersion;
    const r = journeyRecord({ id: 'j-9', name: 'Winback (journey)' }, version);
    assert.deepEqual(r, { _id: 'jv-9', _experience: { journeyOrchestration: { stepEvents: { journeyID: 'j-9', journeyVersionID: 'jv-9', name: 'Winback', description: 'Lapsed buyers', version: '2.0' } } } });
    assert.deepEqual(validate.journey.validate(r), { valid: true });
    for (const k of Object.keys(stepFields(r))) assert.ok(declared.journey.has(k), k);
    const fromStep = journeyRecordFromStep(stepEvent('i1', 0));
    assert.deepEqual(stepFields(fromStep), { journeyID: 'j-1', journeyVersionID: 'jv-1', name: 'Welcome', version: '1.0' });
    assert.deepEqual(validate.journey.validate(fromStep), { valid: true });
  });

  it('maps node types to AEP step types', () => {
    const want: Record<string, string> = { start: 'ActionStep', condition: 'ConditionalRouterStep', wait: 'ActionStep', waitForEvent: 'ActionStep', action: 'ActionStep', jump: 'ActionStep', end: 'ActionStep' };
    for (const [t, s] of Object.entries(want)) assert.equal(stepTypeOf(t as StepEvent['nodeType']), s, t);
  });

  describe('invalid input', () => {
    const bad: Array<[string, Partial<StepEvent>, RegExp]> = [
      ['no identity', { identity: undefined as never }, /no identity/],
      ['empty identity id', { identity: { namespace: 'Email', id: '' } }, /no identity/],
      ['empty namespace', { identity: { namespace: '', id: 'x@example.com' } }, /no identity/],
      ['empty step id', { id: '' }, /without an id/],
      ['NaN timestamp', { timestamp: Number.NaN }, /timestamp/],
      ['infinite processing time', { processingTime: Number.POSITIVE_INFINITY }, /processingTime/],
      ['NaN action time', { nodeType: 'action', action: { ...HTTP_FAILED, actionExecutionTime: Number.NaN } }, /actionExecutionTime/],
    ];
    for (const [name, extra, msg] of bad)
      it(`refuses ${name}`, () => {
        const r = stepEventRecords(stepEvent('i9', 1, extra));
        assert.equal(r.ok, false);
        if (!r.ok) assert.match(r.error, msg);
      });

    it('drops action fields on a step that is not an action', () => {
      const { profileEvent, stepEvent: se } = unwrap(stepEventRecords(stepEvent('i9', 1, { nodeType: 'wait', action: HTTP_FAILED })));
      for (const r of [profileEvent, se]) for (const k of Object.keys(stepFields(r))) assert.ok(!k.startsWith('action'), k);
    });

    it('keeps weird strings verbatim and the records still validate', () => {
      const weird = 'Ünïcode "quoted" \\ back\nnew line \u0000 nul \u{1F600} <script>\'; DROP TABLE journeys;--';
      const e = stepEvent('i9', 1, { nodeName: weird, eventName: weird, identity: { namespace: 'Custom NS', id: weird }, journeyVersionName: '' });
      const { profileEvent, stepEvent: se } = unwrap(stepEventRecords(e));
      assert.equal(stepFields(se).stepName, weird);
      assert.equal(stepFields(se).profileID, weird);
      assert.equal(stepFields(se).journeyVersionName, '');
      assert.deepEqual(profileEvent.identityMap, { 'Custom NS': [{ id: weird, primary: true }] });
      assert.deepEqual(JSON.parse(JSON.stringify(se)), se, 'survives JSON');
      assert.deepEqual(validate.profile.validate(profileEvent), { valid: true });
      assert.deepEqual(validate.step.validate(se), { valid: true });
    });

    it('the validator refuses a step status or type outside the schema', () => {
      const { stepEvent: se } = unwrap(stepEventRecords(stepEvent('i9', 1, { stepStatus: 'exploded' as never, processingTime: 1.5 })));
      assert.equal(validate.step.validate(se).valid, false);
      assert.equal(stepFields(se).processingTime, 2, 'durations are whole milliseconds');
      const wrongType = { ...se, _experience: { journeyOrchestration: { stepEvents: { inTest: 'yes' } } } };
      assert.equal(validate.step.validate(wrongType).valid, false);
    });
  });
});
