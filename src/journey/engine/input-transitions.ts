import type { Clock } from '../../shared/clock.js';
import type { JourneyDefinitions, Person } from '../journey-ports.js';
import type { JourneyInstance } from '../journey-types.js';
import type { InboxItem, JourneyStore } from '../store/journey-store.js';
import { audienceEnter, enterOf, keyIn, sameNs } from './entry-inputs.js';
import { mergeLosers } from './identity-merge.js';
import { personKeyOf, type Payload } from './inbox-items.js';
import type { InputIndex } from './input-index.js';
import { interpret, type EnterInput, type InterpreterInput, type Transition } from './interpreter.js';
import { enterUnlessIn, instancesOfPerson, type LastOf } from './person-instances.js';

export interface InputTransitionsDeps {
  store: JourneyStore;
  definitions: JourneyDefinitions;
  index: InputIndex;
  clock: Clock;
  newId: () => string;
  /** Ends an instance keyed on another person key than the input's (an identity merge's loser), on that key's lane. */
  endElsewhere: (inst: JourneyInstance) => void;
}

/** What inputs do to a person's instances: the interpreter fed with the instances and definitions they concern. */
export class InputTransitions {
  constructor(private readonly deps: InputTransitionsDeps) {}

  /** What one input does to the person's instances (a merge's losers on other keys are ended on their own lanes). */
  async of(it: InboxItem, p: Exclude<Payload, { kind: 'audienceRun' }>, person: Person, last: LastOf | undefined): Promise<Transition[]> {
    const sandboxId = it.sandboxId;
    const all = await instancesOfPerson(this.deps.store, sandboxId, it.personKey, person, p.kind === 'readAudience' ? p.p.journeyId : undefined, last);
    const ts: Transition[] = [];
    const now = this.deps.clock.now();

    // identity merge: the person's graph holds two active instances of a journey; the first entered goes on
    const losers = new Set(mergeLosers(all).map((l) => l.id));
    for (const l of all.filter((i) => losers.has(i.id))) {
      if (l.personKey === it.personKey) ts.push(await this.step(person, l, { kind: 'forceEnd', eventId: 'identityMerge' }, now));
      else this.deps.endElsewhere(l);
    }
    const active = all.filter((i) => i.status !== 'ended' && !losers.has(i.id));
    // the person's instances keyed in this input's namespace: after a merge, the survivor takes the events of every
    // identity of the person in its namespace (one item per namespace per input: no instance sees an input twice)
    const ns = it.personKey.slice(0, it.personKey.indexOf(':') + 1);
    const own = active.filter((i) => i.personKey === it.personKey || i.personKey.startsWith(ns));

    if (p.kind === 'event') {
      for (const inst of own) ts.push(await this.step(person, inst, { kind: 'event', event: p.p.event }, now));
      const ix = await this.deps.index.of(sandboxId);
      for (const lv of ix.eventEntries.get(String(p.p.event.eventType)) ?? [])
        if (sameNs(lv.version.definition.entry.namespace, p.p.identity))
          ts.push(enterUnlessIn(lv, person, all, active, enterOf(p.p, it), now, this.deps.newId()));
    } else if (p.kind === 'audience') {
      if (p.p.status === 'exited') for (const inst of own) ts.push(await this.step(person, inst, { kind: 'audienceExit', segmentId: p.p.segmentId }, now));
      const ix = await this.deps.index.of(sandboxId);
      for (const lv of ix.audienceEntries.get(p.p.segmentId) ?? []) {
        const e = lv.version.definition.entry;
        if (e.type === 'audienceQualification' && e.status === p.p.status && sameNs(e.namespace, p.p.identity))
          ts.push(enterUnlessIn(lv, person, all, active, audienceEnter(p.p, it), now, this.deps.newId()));
      }
    } else {
      const lv = p.p.versionId ? await this.deps.definitions.version(sandboxId, p.p.versionId) : await this.deps.definitions.liveOf(sandboxId, p.p.journeyId);
      // a read's member is the membership's profile identity, in any namespace: the instance is keyed by the person's
      // identity in the journey's namespace, and a person without one does not enter (as with events)
      const ns = lv?.version.definition.entry.namespace ?? '';
      const identity = p.p.source !== 'readAudience' || sameNs(ns, p.p.identity) ? p.p.identity : keyIn(person, ns);
      if (lv && lv.version.status === 'live' && identity) {
        const personKey = identity === p.p.identity ? it.personKey : personKeyOf(identity);
        const input: EnterInput = { kind: 'enter', source: p.p.source, instanceId: '', identity, personKey, eventId: p.p.source === 'jump' ? 'jump' : 'audience', ...(p.p.trigger ? { trigger: p.p.trigger } : {}), ...(p.p.runId ? { runId: p.p.runId } : {}) };
        if (p.p.source === 'readAudience') input.segmentStatus = 'existing';
        ts.push(enterUnlessIn(lv, person, all, active, input, now, this.deps.newId()));
      }
    }
    return ts;
  }

  /** One instance's step on an input (an instance whose version is gone does not move). */
  async step(person: Person, inst: JourneyInstance, input: InterpreterInput, now: number): Promise<Transition> {
    const found = await this.deps.definitions.version(inst.sandboxId, inst.versionId);
    if (!found) return { applied: false, why: 'unknown version' };
    return interpret({ journey: found.journey, version: found.version, person, now }, inst, input);
  }
}
