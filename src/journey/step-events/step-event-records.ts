import type { Journey, JourneyVersion, NodeType, StepEvent } from '../journey-types.js';
import { ok, err, type Result } from '../../shared/result.js';

/**
 * Step events as XDM records (pure). Every field sits under `_experience.journeyOrchestration.stepEvents`, named as
 * AEP's Journey Orchestration step events name them:
 *
 * - common: entrance, reentrance, instanceEnded, eventID, eventName, isExternalEvent, nodeID, nodeName, nodeType,
 *   stepID (the step id), stepName (the node name), stepType, stepStatus, journeyID, journeyVersionID,
 *   journeyVersionName, journeyVersion, instanceID, externalKey (the participant's id), parentNodeID/Type/Name,
 *   inTest, processingTime (ms), instanceType, exitCriteriaID/Name, segmentQualificationStatus;
 * - action steps only: actionID, actionName, actionType, actionExecutionTime (ms), actionExecutionError,
 *   actionExecutionErrorCode, actionExecutionOriginError, actionExecutionOriginCode, actionErrorContext;
 * - the step-event record: profileID, profileNamespace; the profile-event record: `identityMap` instead (primary).
 *
 * `_id`s: `<stepId>#profileEvent` and `<stepId>#stepEvent` (distinct per dataset, so enabling the profile-event
 * dataset for Profile never meets the other's ids); the journey record's `_id` is the journeyVersionID.
 * Undefined fields are omitted; `origTimestamp` is in the schema but the engine does not record it.
 */
export type XdmRecord = Record<string, unknown>;

export const profileEventIdOf = (stepId: string) => `${stepId}#profileEvent`;
export const stepEventIdOf = (stepId: string) => `${stepId}#stepEvent`;

/** AEP's documented step types: a condition is `ConditionalRouterStep`, any other step the default `ActionStep`. */
export function stepTypeOf(nodeType: NodeType | 'start'): string {
  return nodeType === 'condition' ? 'ConditionalRouterStep' : 'ActionStep';
}

/** A millisecond duration as an XDM long (whole, not negative). */
const ms = (v: number) => Math.max(0, Math.round(v));

function put(out: XdmRecord, k: string, v: unknown): void {
  if (v !== undefined) out[k] = v;
}

/** Why a step event cannot become records; undefined when it can. */
function invalid(e: StepEvent): string | undefined {
  if (typeof e.id !== 'string' || e.id === '') return 'step event without an id';
  if (!Number.isFinite(e.timestamp)) return `step ${e.id}: timestamp is not a finite number`;
  if (!e.identity || typeof e.identity.id !== 'string' || e.identity.id === '' || typeof e.identity.namespace !== 'string' || e.identity.namespace === '')
    return `step ${e.id}: no identity (namespace and id are required)`;
  if (!Number.isFinite(e.processingTime)) return `step ${e.id}: processingTime is not a finite number`;
  if (e.action && !Number.isFinite(e.action.actionExecutionTime)) return `step ${e.id}: actionExecutionTime is not a finite number`;
  return undefined;
}

/** The `stepEvents` object shared by both step records. */
function stepFields(e: StepEvent): XdmRecord {
  const s: XdmRecord = {};
  put(s, 'entrance', e.entrance);
  put(s, 'reentrance', e.reentrance);
  put(s, 'instanceEnded', e.instanceEnded);
  put(s, 'eventID', e.eventID);
  put(s, 'eventName', e.eventName);
  put(s, 'isExternalEvent', e.isExternalEvent);
  put(s, 'nodeID', e.nodeId);
  put(s, 'nodeName', e.nodeName);
  put(s, 'nodeType', e.nodeType);
  put(s, 'stepID', e.id);
  put(s, 'stepName', e.nodeName);
  put(s, 'stepType', stepTypeOf(e.nodeType));
  put(s, 'stepStatus', e.stepStatus);
  put(s, 'journeyID', e.journeyId);
  put(s, 'journeyVersionID', e.journeyVersionId);
  put(s, 'journeyVersionName', e.journeyVersionName);
  put(s, 'journeyVersion', e.journeyVersion);
  put(s, 'instanceID', e.instanceId);
  put(s, 'externalKey', e.identity.id);
  put(s, 'parentNodeID', e.parentNodeId);
  put(s, 'parentNodeType', e.parentNodeType);
  put(s, 'parentNodeName', e.parentNodeName);
  put(s, 'inTest', e.inTest);
  put(s, 'processingTime', ms(e.processingTime));
  put(s, 'instanceType', e.instanceType);
  put(s, 'exitCriteriaID', e.exitCriteriaID);
  put(s, 'exitCriteriaName', e.exitCriteriaName);
  put(s, 'segmentQualificationStatus', e.segmentQualificationStatus);
  // action fields belong to action steps only (an outcome on another node type is the engine's mistake: dropped)
  const a = e.nodeType === 'action' ? e.action : undefined;
  if (a) {
    put(s, 'actionID', a.actionID);
    put(s, 'actionName', a.actionName);
    put(s, 'actionType', a.actionType);
    put(s, 'actionExecutionTime', ms(a.actionExecutionTime));
    put(s, 'actionExecutionError', a.actionExecutionError);
    put(s, 'actionExecutionErrorCode', a.actionExecutionErrorCode);
    put(s, 'actionExecutionOriginError', a.actionExecutionOriginError);
    put(s, 'actionExecutionOriginCode', a.actionExecutionOriginCode);
    put(s, 'actionErrorContext', a.actionErrorContext);
  }
  return s;
}

const wrap = (stepEvents: XdmRecord): XdmRecord => ({ journeyOrchestration: { stepEvents } });

/** Both records of a step: the profile event (ExperienceEvent + identityMap) and the journey step event. */
export function stepEventRecords(e: StepEvent): Result<{ profileEvent: XdmRecord; stepEvent: XdmRecord }, string> {
  const bad = invalid(e);
  if (bad) return err(bad);
  const timestamp = new Date(e.timestamp).toISOString();
  const fields = stepFields(e);
  return ok({
    profileEvent: {
      _id: profileEventIdOf(e.id),
      timestamp,
      identityMap: { [e.identity.namespace]: [{ id: e.identity.id, primary: true }] },
      _experience: wrap({ ...fields }),
    },
    stepEvent: {
      _id: stepEventIdOf(e.id),
      timestamp,
      _experience: wrap({ ...fields, profileID: e.identity.id, profileNamespace: e.identity.namespace }),
    },
  });
}

/** The record of a journey version in the Journeys dataset (`_id` = journeyVersionID). */
export function journeyRecord(journey: Pick<Journey, 'id' | 'name'>, version: Pick<JourneyVersion, 'id' | 'version' | 'definition'>): XdmRecord {
  const s: XdmRecord = { journeyID: journey.id, journeyVersionID: version.id, name: version.definition.name || journey.name };
  put(s, 'description', version.definition.description);
  s.version = version.version;
  return { _id: version.id, _experience: wrap(s) };
}

/** The journey record from what a step event carries, when its version is no longer known (no description then). */
export function journeyRecordFromStep(e: Pick<StepEvent, 'journeyId' | 'journeyVersionId' | 'journeyVersionName' | 'journeyVersion'>): XdmRecord {
  return { _id: e.journeyVersionId, _experience: wrap({ journeyID: e.journeyId, journeyVersionID: e.journeyVersionId, name: e.journeyVersionName, version: e.journeyVersion }) };
}
