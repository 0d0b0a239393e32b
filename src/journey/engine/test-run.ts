import type { IdentityRef } from '../../profile/identity-resolver.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { ActionResult, Person } from '../journey-ports.js';
import type { Journey, JourneyInstance, JourneyVersion, StepEvent } from '../journey-types.js';
import { personKeyOf } from './inbox-items.js';
import { interpret, type InterpreterContext, type Transition } from './interpreter.js';

/** Steps of one test run before it is cut (a definition that loops through waits). */
export const MAX_TEST_TRANSITIONS = 500;

/**
 * Test mode, in memory: the person enters the version (a draft too) with `inTest`, every wait lasts 0 (an event wait
 * times out at once), every action answers a synthetic `done` without being called. Answers the ended instance and
 * its steps (the runner commits them so they reach the step-event datasets flagged `inTest`).
 */
export function runTest(
  found: { journey: Journey; version: JourneyVersion },
  person: Person,
  input: { identity: IdentityRef; event?: Record<string, unknown> },
  instanceId: string,
  now: number,
): Result<{ instance: JourneyInstance; steps: StepEvent[] }, string> {
  const ctx: InterpreterContext = { journey: found.journey, version: found.version, person, now, test: true };
  const event = input.event && typeof input.event === 'object' && !Array.isArray(input.event) ? input.event : undefined;
  const eventId = typeof event?._id === 'string' ? event._id : 'test';
  let t: Transition = interpret(ctx, undefined, {
    kind: 'enter', source: 'test', instanceId, identity: input.identity, personKey: personKeyOf(input.identity), eventId,
    ...(event ? { trigger: event, eventName: String(event.eventType ?? '') } : {}),
  });
  if (!t.applied) return err(`The person does not enter the journey: ${t.why}`);
  const steps: StepEvent[] = [...t.steps];
  let instance = t.instance;
  for (let i = 0; i < MAX_TEST_TRANSITIONS && instance.status !== 'ended'; i++) {
    if (t.applied && t.next.kind === 'action') {
      const node = found.version.definition.nodes.find((n) => n.id === instance.nodeId);
      const actionType = node?.type === 'action' ? node.action.kind : 'http';
      const result: ActionResult = { status: 'done', fields: { actionID: instance.nodeId, actionName: node?.name ?? instance.nodeId, actionType, actionExecutionTime: 0, attempts: 0 } };
      t = interpret(ctx, instance, { kind: 'actionDone', result });
    } else t = interpret(ctx, instance, { kind: 'timer' });
    if (!t.applied) break;
    steps.push(...t.steps);
    instance = t.instance;
  }
  if (instance.status !== 'ended') {
    // never leave a test instance active: the timer wheel would pick it up
    const end = interpret(ctx, instance, { kind: 'forceEnd', eventId: 'journeyStopped' });
    if (end.applied) {
      steps.push(...end.steps);
      instance = end.instance;
    }
  }
  return ok({ instance, steps });
}
