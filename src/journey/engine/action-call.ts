import type { ActionResult, ActionRunner, Person } from '../journey-ports.js';
import type { JourneyInstance, JourneyVersion } from '../journey-types.js';

/**
 * Whether `cur` still waits for the action `seen` waited for: the same node and step. An action is called, and its
 * outcome applied, only then (a stale copy from a due read taken before another run's outcome committed, or an
 * instance that moved meanwhile by an exit or a stop, is not the action's anymore).
 */
export function stillWaitsFor(cur: JourneyInstance | undefined, seen: JourneyInstance): cur is JourneyInstance {
  return cur !== undefined && cur.status !== 'ended' && cur.wait?.kind === 'action' && cur.steps === seen.steps && cur.nodeId === seen.nodeId;
}

/** Calls the action of the instance's node with its idempotency key `<instanceId>:<stepIndex>`; a node that is no action fails as an error. */
export function callAction(actions: ActionRunner, version: JourneyVersion, inst: JourneyInstance, person: Person): Promise<ActionResult> {
  const node = version.definition.nodes.find((n) => n.id === inst.nodeId);
  if (node?.type !== 'action')
    return Promise.resolve({ status: 'failed', error: 'error', fields: { actionID: inst.nodeId, actionName: inst.nodeId, actionType: 'http', actionExecutionTime: 0, attempts: 0 } });
  return actions.run(node.action, {
    sandboxId: inst.sandboxId,
    instance: inst,
    idempotencyKey: `${inst.id}:${inst.steps}`,
    profile: person.profile,
    actionId: node.id,
    actionName: node.name ?? node.id,
    ...(inst.trigger ? { event: inst.trigger } : {}),
  });
}
