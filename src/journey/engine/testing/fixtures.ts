import type { Person } from '../../journey-ports.js';
import type { ActionOutcomeFields, Journey, JourneyDefinition, JourneyNode, JourneyVersion } from '../../journey-types.js';

/** Builders for the engine's tests (journeys, versions, people, action outcomes). */

export const T0 = Date.UTC(2026, 0, 1);

export function journeyOf(id: string, over: Partial<Journey> = {}): Journey {
  return { id, sandboxId: 'sb', name: `Journey ${id}`, versionIds: [`${id}-v1`], liveVersionId: `${id}-v1`, createdAt: T0, updatedAt: T0, ...over };
}

export function versionOf(journeyId: string, definition: Partial<JourneyDefinition> & { nodes: JourneyNode[] }, over: Partial<JourneyVersion> = {}): JourneyVersion {
  const def: JourneyDefinition = {
    name: `Journey ${journeyId}`,
    entry: { type: 'event', eventType: 'signup', namespace: 'Email', next: definition.nodes[0]?.id ?? 'end' },
    ...definition,
  };
  return { id: `${journeyId}-v1`, journeyId, version: '1.0', status: 'live', definition: def, createdAt: T0, updatedAt: T0, publishedAt: T0, ...over };
}

export function personOf(over: Partial<Person> = {}): Person {
  return { personKeys: ['Email:a@x.io'], profile: {}, segments: new Set(), events: [], ...over };
}

export function fields(over: Partial<ActionOutcomeFields> = {}): ActionOutcomeFields {
  return { actionID: 'act', actionName: 'act', actionType: 'http', actionExecutionTime: 12, attempts: 1, ...over };
}

export function eventOf(id: string, eventType: string, body: Record<string, unknown> = {}, email = 'a@x.io'): Record<string, unknown> {
  return { _id: id, eventType, timestamp: new Date(T0).toISOString(), identityMap: { Email: [{ id: email, primary: true }] }, ...body };
}
