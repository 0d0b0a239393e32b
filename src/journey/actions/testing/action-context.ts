import type { ActionContext } from '../../journey-ports.js';
import type { JourneyInstance } from '../../journey-types.js';

/** An ActionContext for tests: instance `inst-1`, step 3, identity Email:ada@example.com. */
export function actionContext(over: Partial<ActionContext> = {}): ActionContext {
  const instance: JourneyInstance = {
    id: 'inst-1',
    sandboxId: 'sb1',
    journeyId: 'j1',
    versionId: 'v1',
    personKey: 'Email:ada@example.com',
    identity: { namespace: 'Email', id: 'ada@example.com' },
    status: 'running',
    nodeId: 'n1',
    instanceType: 'unitary',
    inTest: false,
    enteredAt: Date.UTC(2026, 0, 1),
    updatedAt: Date.UTC(2026, 0, 1),
    steps: 3,
  };
  return {
    sandboxId: 'sb1',
    instance,
    idempotencyKey: 'inst-1:3',
    profile: { person: { name: { firstName: 'Ada' } }, personalEmail: { address: 'ada@example.com' } },
    event: { eventType: 'commerce.purchases', commerce: { order: { priceTotal: 42.5 } } },
    actionId: 'n1',
    actionName: 'Call',
    ...over,
  };
}
