import type { JourneyInstance, StepEvent } from '../../journey-types.js';
import type { NewInboxItem } from '../journey-store.js';

/** Test builders of the journey store's values (the contract suite, the transfer suite, engine tests). */

/** Past 2^31: entries, dues and outbox times are 64-bit. */
export const T0 = Date.UTC(2026, 0, 2);
export const KEY = 'Email:a@x.com';

export const instance = (id: string, over: Partial<JourneyInstance> = {}): JourneyInstance => ({
  id, sandboxId: 'sb', journeyId: 'j1', versionId: 'v1', personKey: KEY, identity: { namespace: 'Email', id: 'a@x.com' }, status: 'running',
  nodeId: 'n1', instanceType: 'unitary', inTest: false, enteredAt: T0, updatedAt: T0, steps: 0, ...over,
});

/** An instance waiting for a timer due at `due`. */
export const waiting = (id: string, due: number, over: Partial<JourneyInstance> = {}): JourneyInstance => instance(id, { status: 'waiting', wait: { kind: 'timer', due }, ...over });

/** A step event `<instanceId>:<stepIndex>`. */
export const stepEvent = (id: string, over: Partial<StepEvent> = {}): StepEvent => ({
  id, sandboxId: 'sb', timestamp: T0, journeyId: 'j1', journeyVersionId: 'v1', journeyVersionName: 'Welcome', journeyVersion: '1.0', instanceId: id.split(':')[0]!,
  instanceType: 'unitary', identity: { namespace: 'Email', id: 'a@x.com' }, nodeId: 'n1', nodeName: 'Start', nodeType: 'start', stepStatus: 'transitions',
  entrance: true, instanceEnded: false, inTest: false, eventID: 'e1', processingTime: 3, ...over,
});

export const inboxItem = (dedupeKey: string, over: Partial<NewInboxItem> = {}): NewInboxItem => ({
  sandboxId: 'sb', personKey: KEY, kind: 'event', dedupeKey, payload: JSON.stringify({ _id: dedupeKey }), at: T0, ...over,
});
