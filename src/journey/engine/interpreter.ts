import type { IdentityRef } from '../../profile/identity-resolver.js';
import type { ActionResult, Person } from '../journey-ports.js';
import type { ExitCriterion, Journey, JourneyInstance, JourneyNode, JourneyVersion, StepEvent, StepStatus } from '../journey-types.js';
import { holds } from './conditions.js';

/**
 * The journey interpreter: PURE functions from (definition, instance, person, input, now) to the transition as data
 * (the new instance, the step events, what the runner does next). No I/O, no clock: the runner owns both.
 *
 * Steps: the entry emits a `start` step (entrance); a node emits its step when the instance LEAVES it (`transitions`,
 * or `ended`/`error`… with `instanceEnded` when the instance stops there), except `waitForEvent`, which also emits
 * `transitions` when it starts waiting. An action node emits nothing until its outcome (`actionDone`). Every step
 * carries the node the instance came from (`parent*`). Every wait (and so every active instance at rest) is due no
 * later than the instance deadline (`instanceTimeoutSeconds`, default 91 days): the timer then ends it.
 *
 * `event.*` in a condition reads the event being processed: the entering event (entry), the arrived event
 * (waitForEvent, exit criteria, and the nodes passed right after it), else the instance's trigger.
 */

export const DEFAULT_INSTANCE_TIMEOUT_SECONDS = 91 * 86_400;
/** Nodes passed in one transition before the instance is ended as an error (a definition loop without a wait). */
export const MAX_NODES_PER_TRANSITION = 200;

export interface InterpreterContext {
  journey: Journey;
  version: JourneyVersion;
  person: Person;
  now: number;
  /** Test mode: every wait (timer, event timeout) lasts 0. */
  test?: boolean;
}

export type EnterSource = 'event' | 'audience' | 'readAudience' | 'jump' | 'test';

export interface EnterInput {
  kind: 'enter';
  source: EnterSource;
  instanceId: string;
  identity: IdentityRef;
  personKey: string;
  /** The entering event / audience transition (conditions and templates read it). */
  trigger?: Record<string, unknown>;
  /** The step's eventID: the event `_id`, `audience`, `jump`, `test`. */
  eventId: string;
  eventName?: string;
  segmentStatus?: 'existing' | 'realized' | 'exited';
  /** The person's most recent (non-test) instance of this journey, any version, if any. */
  last?: JourneyInstance;
  /** The audience read run entering the person: a replay of the run (after a crash) does not enter them twice. */
  runId?: string;
}

export type InterpreterInput =
  | EnterInput
  /** An ExperienceEvent for this instance (waitForEvent or an exit criterion). */
  | { kind: 'event'; event: Record<string, unknown> }
  | { kind: 'audienceExit'; segmentId: string }
  /** The instance's wait is due. */
  | { kind: 'timer' }
  | { kind: 'actionDone'; result: ActionResult }
  /** The runner ends the instance (identity merge, version stopped); eventID says why. */
  | { kind: 'forceEnd'; eventId: 'identityMerge' | 'journeyStopped' };

export type Next =
  | { kind: 'action'; nodeId: string; idempotencyKey: string }
  | { kind: 'timer'; due: number }
  | { kind: 'event'; eventType: string; due: number }
  | { kind: 'ended' }
  /** The instance ended on a jump: enter the target journey's live version. */
  | { kind: 'jump'; journeyId: string };

export type Transition =
  | { applied: true; instance: JourneyInstance; steps: StepEvent[]; next: Next }
  /** Nothing to do (not due, not waiting for this, entry refused): `why` for logs and tests. */
  | { applied: false; why: string };

interface Moving {
  inst: JourneyInstance;
  steps: StepEvent[];
  /** Where the instance came from (the next step's parent). */
  parent?: JourneyNodeLike;
  event?: Record<string, unknown>;
  eventId: string;
  eventName?: string;
  external: boolean;
}

const skip = (why: string): Transition => ({ applied: false, why });

export function interpret(ctx: InterpreterContext, instance: JourneyInstance | undefined, input: InterpreterInput): Transition {
  if (input?.kind === 'enter') return enter(ctx, input);
  if (!instance) return skip('no instance');
  if (instance.status === 'ended') return skip('instance ended');
  switch (input?.kind) {
    case 'event':
      return onEvent(ctx, instance, input.event);
    case 'audienceExit':
      return onAudienceExit(ctx, instance, input.segmentId);
    case 'timer':
      return onTimer(ctx, instance);
    case 'actionDone':
      return onActionDone(ctx, instance, input.result);
    case 'forceEnd': {
      const m = moving(ctx, instance, undefined, input.eventId, false);
      return finish(ctx, m, stepAt(ctx, m, instance.nodeId, 'ended', true));
    }
    default:
      return skip('unknown input');
  }
}

/** The deadline of an instance (entry + instanceTimeoutSeconds). */
export function deadlineOf(version: JourneyVersion, enteredAt: number): number {
  const s = version.definition.instanceTimeoutSeconds;
  return enteredAt + (typeof s === 'number' && s > 0 ? s : DEFAULT_INSTANCE_TIMEOUT_SECONDS) * 1000;
}

function enter(ctx: InterpreterContext, input: EnterInput): Transition {
  const def = ctx.version.definition;
  const inTest = input.source === 'test';
  if (!inTest && input.last) {
    if (input.runId !== undefined && input.last.runId === input.runId) return skip('entered by this run');
    if (input.last.status !== 'ended') return skip('already in the journey');
    const re = def.reentrance ?? { mode: 'none' };
    if (re.mode === 'none') return skip('re-entrance not allowed');
    if (ctx.now < input.last.enteredAt + Math.max(0, re.waitSeconds) * 1000) return skip('re-entrance wait period');
  }
  if (def.entry?.type === 'event' && def.entry.condition && input.source !== 'jump') {
    if (holds(def.entry.condition, ctx.person, ctx.now, input.trigger) !== true) return skip('entry condition');
  }
  const inst: JourneyInstance = {
    id: input.instanceId,
    sandboxId: ctx.journey.sandboxId,
    journeyId: ctx.journey.id,
    versionId: ctx.version.id,
    personKey: input.personKey,
    identity: input.identity,
    status: 'running',
    nodeId: 'start',
    instanceType: input.source === 'readAudience' ? 'batch' : 'unitary',
    inTest,
    enteredAt: ctx.now,
    updatedAt: ctx.now,
    steps: 0,
  };
  if (input.trigger) inst.trigger = input.trigger;
  if (input.runId !== undefined) inst.runId = input.runId;
  const m: Moving = { inst, steps: [], event: input.trigger, eventId: input.eventId, eventName: input.eventName, external: input.source === 'event' };
  const start: JourneyNodeLike = { id: 'start', type: 'start', name: 'start' };
  // an entry without a next node is an invalid definition: the start step is an error
  return leave(ctx, m, start, def.entry?.next ?? '', 'transitions', (s) => {
    s.entrance = true;
    if (input.last) s.reentrance = true;
    if (input.segmentStatus) s.segmentQualificationStatus = input.segmentStatus;
  });
}

function onEvent(ctx: InterpreterContext, inst: JourneyInstance, event: Record<string, unknown>): Transition {
  if (!event || typeof event !== 'object' || Array.isArray(event) || typeof event.eventType !== 'string') return skip('not an event');
  const eventId = typeof event._id === 'string' ? event._id : '';
  const exit = (ctx.version.definition.exitCriteria ?? []).find(
    (c) => c.type === 'event' && c.eventType === event.eventType && (!c.condition || holds(c.condition, ctx.person, ctx.now, event) === true),
  );
  if (exit) return exitBy(ctx, inst, exit, event);
  if (inst.wait?.kind !== 'event' || inst.wait.eventType !== event.eventType) return skip('not waiting for this event');
  const node = nodeOf(ctx, inst.nodeId);
  if (node?.type !== 'waitForEvent') return skip('not at a waitForEvent node');
  if (node.condition && holds(node.condition, ctx.person, ctx.now, event) !== true) return skip('event condition');
  const m = moving(ctx, inst, event, eventId, true);
  m.eventName = event.eventType;
  return leave(ctx, m, node, node.next, 'transitions');
}

function onAudienceExit(ctx: InterpreterContext, inst: JourneyInstance, segmentId: string): Transition {
  const exit = (ctx.version.definition.exitCriteria ?? []).find((c) => c.type === 'audienceExit' && c.segmentId === segmentId);
  return exit ? exitBy(ctx, inst, exit, undefined) : skip('no exit criterion for this audience');
}

function exitBy(ctx: InterpreterContext, inst: JourneyInstance, c: ExitCriterion, event: Record<string, unknown> | undefined): Transition {
  const m = moving(ctx, inst, event, 'exitCriteria', event !== undefined);
  if (c.type === 'event') m.eventName = c.eventType;
  const s = stepAt(ctx, m, inst.nodeId, 'ended', true);
  s.exitCriteriaID = c.id;
  s.exitCriteriaName = c.name ?? c.id;
  return finish(ctx, m, s);
}

function onTimer(ctx: InterpreterContext, inst: JourneyInstance): Transition {
  const w = inst.wait;
  if (!w) return skip('not waiting');
  if (w.kind === 'action') return skip('action pending');
  if (ctx.now < w.due) return skip('not due');
  const m = moving(ctx, inst, inst.trigger, 'timer', false);
  if (!ctx.test && ctx.now >= deadlineOf(ctx.version, inst.enteredAt)) return finish(ctx, m, stepAt(ctx, m, inst.nodeId, 'instanceTimedout', true));
  const node = nodeOf(ctx, inst.nodeId);
  if (w.kind === 'timer') {
    if (node?.type !== 'wait') return finish(ctx, m, stepAt(ctx, m, inst.nodeId, 'error', true));
    return leave(ctx, m, node, node.next, 'transitions');
  }
  if (node?.type !== 'waitForEvent') return finish(ctx, m, stepAt(ctx, m, inst.nodeId, 'error', true));
  return leave(ctx, m, node, node.timeoutNext, 'timedout');
}

function onActionDone(ctx: InterpreterContext, inst: JourneyInstance, result: ActionResult): Transition {
  if (inst.wait?.kind !== 'action') return skip('no action pending');
  const node = nodeOf(ctx, inst.nodeId);
  const m = moving(ctx, inst, inst.trigger, 'executedAction', false);
  if (node?.type !== 'action' || !result || typeof result !== 'object') return finish(ctx, m, stepAt(ctx, m, inst.nodeId, 'error', true));
  const failed = result.status === 'failed';
  const status: StepStatus = failed ? (result.error === 'capping' ? 'capped' : 'error') : 'transitions';
  return leave(ctx, m, node, failed ? node.errorNext : node.next, status, (s) => {
    if (result.fields) s.action = result.fields;
    // a skipped action (no consent, no recipient) goes on along `next`; its step says why nothing was sent
    if (result.status === 'skipped' && s.action && s.action.actionErrorContext === undefined) s.action = { ...s.action, actionErrorContext: `skipped: ${result.reason}` };
  });
}

type JourneyNodeLike = { id: string; type: string; name?: string };

function moving(ctx: InterpreterContext, inst: JourneyInstance, event: Record<string, unknown> | undefined, eventId: string, external: boolean): Moving {
  return { inst: { ...inst, status: 'running' }, steps: [], parent: describe(ctx, inst.parentNodeId), event, eventId, external };
}

function describe(ctx: InterpreterContext, id: string | undefined): JourneyNodeLike | undefined {
  if (id === undefined) return undefined;
  if (id === 'start') return { id, type: 'start', name: 'start' };
  const n = nodeOf(ctx, id);
  return { id, type: n?.type ?? '', name: n?.name ?? id };
}

function nodeOf(ctx: InterpreterContext, id: string | undefined): JourneyNode | undefined {
  if (typeof id !== 'string') return undefined;
  const nodes = Array.isArray(ctx.version.definition?.nodes) ? ctx.version.definition.nodes : [];
  return nodes.find((n) => n?.id === id);
}

/** A step at node `nodeId` (appended to the transition); instance bookkeeping follows. */
function stepAt(ctx: InterpreterContext, m: Moving, nodeId: string, stepStatus: StepStatus, instanceEnded: boolean): StepEvent {
  const node = describe(ctx, nodeId);
  const inst = m.inst;
  const s: StepEvent = {
    id: `${inst.id}:${inst.steps}`,
    sandboxId: inst.sandboxId,
    timestamp: ctx.now,
    journeyId: inst.journeyId,
    journeyVersionId: inst.versionId,
    journeyVersionName: ctx.version.definition?.name ?? ctx.journey.name,
    journeyVersion: ctx.version.version,
    instanceId: inst.id,
    instanceType: inst.instanceType,
    identity: inst.identity,
    nodeId,
    nodeName: node?.name ?? nodeId,
    nodeType: (node?.type || 'end') as StepEvent['nodeType'],
    stepStatus,
    entrance: false,
    instanceEnded,
    inTest: inst.inTest,
    eventID: m.eventId,
    // the time the instance spent at the node: its wait for the first step of a transition, 0 after
    processingTime: m.steps.length === 0 ? Math.max(0, ctx.now - inst.updatedAt) : 0,
  };
  if (m.eventName) s.eventName = m.eventName;
  if (m.external) s.isExternalEvent = true;
  if (m.parent) {
    s.parentNodeId = m.parent.id;
    s.parentNodeType = m.parent.type;
    s.parentNodeName = m.parent.name ?? m.parent.id;
  }
  m.steps.push(s);
  m.inst = { ...inst, steps: inst.steps + 1 };
  return s;
}

function finish(ctx: InterpreterContext, m: Moving, _last: StepEvent, next: Next = { kind: 'ended' }): Transition {
  const inst: JourneyInstance = { ...m.inst, status: 'ended', updatedAt: ctx.now, endedAt: ctx.now };
  delete inst.wait;
  return { applied: true, instance: inst, steps: m.steps, next };
}

/**
 * The instance leaves `from` towards `nextId` with `status`: the step of `from` is written (ended when there is no
 * next, an error when the next node does not exist), then the instance runs on until it waits or ends.
 */
function leave(ctx: InterpreterContext, m: Moving, from: JourneyNodeLike, nextId: string | undefined, status: StepStatus, decorate?: (s: StepEvent) => void): Transition {
  let fromNode = from;
  let target = nextId;
  let stepStatus = status;
  let decorateStep = decorate;
  for (let hops = 0; ; hops++) {
    const next = target === undefined ? undefined : nodeOf(ctx, target);
    const ends = next === undefined;
    // no next: the instance ends here (a failure keeps its status); a next that does not exist is an error
    const status = !ends ? stepStatus : target !== undefined ? 'error' : stepStatus === 'transitions' ? 'ended' : stepStatus;
    const s = stepAt(ctx, m, fromNode.id, status, ends);
    decorateStep?.(s);
    decorateStep = undefined;
    if (!next) return finish(ctx, m, s);
    if (hops >= MAX_NODES_PER_TRANSITION) {
      s.stepStatus = 'error';
      s.instanceEnded = true;
      return finish(ctx, m, s);
    }
    m.parent = { id: fromNode.id, type: fromNode.type, name: fromNode.name ?? fromNode.id };
    m.inst = { ...m.inst, nodeId: next.id, parentNodeId: fromNode.id };
    const r = arrive(ctx, m, next);
    if (r.kind === 'rest') return r.t;
    fromNode = { id: next.id, type: next.type, name: next.name ?? next.id };
    target = r.next;
    stepStatus = r.status;
    decorateStep = r.decorate;
  }
}

type Arrival = { kind: 'rest'; t: Transition } | { kind: 'pass'; next: string | undefined; status: StepStatus; decorate?: (s: StepEvent) => void };

/** The instance reaches `node`: either it rests there (waits, runs an action, ends) or passes on. */
function arrive(ctx: InterpreterContext, m: Moving, node: JourneyNode): Arrival {
  const deadline = deadlineOf(ctx.version, m.inst.enteredAt);
  switch (node.type) {
    case 'condition': {
      let error = false;
      let chosen: string | undefined;
      for (const b of Array.isArray(node.branches) ? node.branches : []) {
        const h = holds(b?.condition, ctx.person, ctx.now, m.event);
        if (h === 'error') error = true;
        if (h === true) {
          chosen = b.next;
          break;
        }
      }
      return { kind: 'pass', next: chosen ?? node.otherwise, status: error ? 'error' : 'transitions' };
    }
    case 'wait': {
      const until = node.until !== undefined ? Date.parse(node.until) : NaN;
      const due = ctx.test ? ctx.now : typeof node.seconds === 'number' && node.seconds >= 0 ? ctx.now + node.seconds * 1000 : until;
      if (!Number.isFinite(due)) return { kind: 'rest', t: finish(ctx, m, stepAt(ctx, m, node.id, 'error', true)) };
      return rest(ctx, m, { kind: 'timer', due: Math.min(Math.max(due, ctx.now), deadline) });
    }
    case 'waitForEvent': {
      stepAt(ctx, m, node.id, 'transitions', false);
      const due = ctx.test ? ctx.now : ctx.now + Math.max(0, node.timeoutSeconds ?? 0) * 1000;
      return rest(ctx, m, { kind: 'event', eventType: node.eventType, due: Math.min(due, deadline) });
    }
    case 'action':
      return rest(ctx, m, { kind: 'action', nodeId: node.id, idempotencyKey: `${m.inst.id}:${m.inst.steps}` });
    case 'jump': {
      const s = stepAt(ctx, m, node.id, 'ended', true);
      return { kind: 'rest', t: finish(ctx, m, s, { kind: 'jump', journeyId: node.journeyId }) };
    }
    case 'end':
      return { kind: 'rest', t: finish(ctx, m, stepAt(ctx, m, node.id, 'ended', true)) };
    default:
      return { kind: 'rest', t: finish(ctx, m, stepAt(ctx, m, (node as JourneyNode).id, 'error', true)) };
  }
}

function rest(ctx: InterpreterContext, m: Moving, next: Exclude<Next, { kind: 'ended' } | { kind: 'jump' }>): Arrival {
  const wait: JourneyInstance['wait'] =
    next.kind === 'action' ? { kind: 'action', due: ctx.now, attempt: 1 } : next.kind === 'timer' ? { kind: 'timer', due: next.due } : { kind: 'event', eventType: next.eventType, due: next.due };
  const inst: JourneyInstance = { ...m.inst, status: 'waiting', wait, updatedAt: ctx.now };
  return { kind: 'rest', t: { applied: true, instance: inst, steps: m.steps, next } };
}
