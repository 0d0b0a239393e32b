import type { Journey, JourneyInstance, JourneyVersion } from '../journey-types.js';
import type { Person } from '../journey-ports.js';
import type { JourneyStore } from '../store/journey-store.js';
import { unique } from './entry-inputs.js';
import { interpret, type EnterInput, type Transition } from './interpreter.js';

/** A person key's last instance of a journey, read ahead for a whole inbox batch (`lastInstances`). */
export type LastOf = { seq: number; instance: JourneyInstance | undefined };

/**
 * The instances of a person (every key of their graph), test runs left out. A direct entry of a one-key person
 * needs only their last instance of the journey (read ahead with the inbox batch when `known`).
 */
export async function instancesOfPerson(store: JourneyStore, sandboxId: string, key: string, person: Person, journeyId: string | undefined, known?: LastOf): Promise<JourneyInstance[]> {
  const keys = unique([key, ...(person.personKeys ?? [])]);
  if (journeyId !== undefined && keys.length === 1) {
    const last = known ? known.instance : await store.lastInstance(sandboxId, journeyId, key);
    if (!last) return [];
    if (!last.inTest) return [last];
  }
  return (await store.instancesOf(sandboxId, keys)).filter((i) => !i.inTest);
}

/** An entry, unless the person (any key of their graph) is in the journey; re-entrance reads their last instance. */
export function enterUnlessIn(
  lv: { journey: Journey; version: JourneyVersion },
  person: Person,
  all: JourneyInstance[],
  active: JourneyInstance[],
  input: EnterInput,
  now: number,
  instanceId: string,
): Transition {
  if (active.some((i) => i.journeyId === lv.journey.id)) return { applied: false, why: 'already in the journey' };
  const mine = all.filter((i) => i.journeyId === lv.journey.id);
  const last = mine.length ? mine.reduce((a, b) => (b.enteredAt >= a.enteredAt ? b : a)) : undefined;
  const t = interpret({ journey: lv.journey, version: lv.version, person, now }, undefined, { ...input, instanceId, ...(last ? { last } : {}) });
  if (t.applied) active.push(t.instance);
  return t;
}
