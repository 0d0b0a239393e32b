import { identityOfKey, personKey } from '../../person-key.js';
import type { IdentityRef } from '../../../profile/identity-resolver.js';
import type { ActionContext, ActionResult, ActionRunner, JourneyDefinitions, Person, PersonReader } from '../../journey-ports.js';
import type { ActionSpec, Journey, JourneyVersion } from '../../journey-types.js';
import { fields } from './fixtures.js';

/**
 * Test stand-ins for the engine's seams to other contexts (definitions service, profile/identity, action runners).
 * Not storage: the runner tests use the real SQLite JourneyStore.
 */

export class FakeDefinitions implements JourneyDefinitions {
  readonly byVersion = new Map<string, { journey: Journey; version: JourneyVersion }>();
  invalidations = 0;

  add(journey: Journey, version: JourneyVersion): this {
    this.byVersion.set(version.id, { journey, version });
    return this;
  }
  async live(sandboxId: string) {
    return [...this.byVersion.values()].filter((f) => f.journey.sandboxId === sandboxId && f.version.status === 'live');
  }
  async running(sandboxId: string) {
    return [...this.byVersion.values()].filter((f) => f.journey.sandboxId === sandboxId && (f.version.status === 'live' || f.version.status === 'finished'));
  }
  async version(sandboxId: string, versionId: string) {
    const f = this.byVersion.get(versionId);
    return f && f.journey.sandboxId === sandboxId ? f : undefined;
  }
  async liveOf(sandboxId: string, journeyId: string) {
    return (await this.live(sandboxId)).find((f) => f.journey.id === journeyId);
  }
  invalidate(): void {
    this.invalidations++;
  }
}

/** `Email:a@x.io` → the engine's key (namespace lower-cased, ../../person-key.ts). */
const normalKey = (k: string): string => personKey(identityOfKey(k));

/** People by key; `link` stitches keys into one graph. Counts concurrent reads (concurrency across persons). */
export class FakePeople implements PersonReader {
  private readonly graphs = new Map<string, Set<string>>();
  readonly profiles = new Map<string, Record<string, unknown>>();
  inFlight = 0;
  maxInFlight = 0;
  /** Turns of the event loop a read takes, per key (shuffles the order across persons). */
  delay: (key: string) => number = () => 0;

  link(...raw: string[]): void {
    const keys = raw.map(normalKey);
    const g = new Set(keys.flatMap((k) => [...(this.graphs.get(k) ?? [k])]));
    for (const k of g) this.graphs.set(k, g);
  }
  async read(_sandboxId: string, identity: IdentityRef): Promise<Person> {
    const key = personKey(identity);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    for (let i = this.delay(key); i > 0; i--) await new Promise<void>((r) => setImmediate(r));
    this.inFlight--;
    const keys = [...(this.graphs.get(key) ?? [key])];
    const profile = this.profiles.get(key) ?? this.profiles.get(`${identity.namespace}:${identity.id}`) ?? {};
    return { personKeys: keys, profile, segments: new Set(), events: [] };
  }
}

/** Records calls; `answer` decides the result (a promise that never settles stands for a crash mid-call). */
export class FakeActions implements ActionRunner {
  readonly calls: Array<{ spec: ActionSpec; ctx: ActionContext }> = [];
  private waiters: Array<() => void> = [];
  answer: (spec: ActionSpec, ctx: ActionContext) => Promise<ActionResult> = async () => ({ status: 'done', fields: fields() });

  async run(spec: ActionSpec, ctx: ActionContext): Promise<ActionResult> {
    this.calls.push({ spec, ctx });
    for (const w of this.waiters.splice(0)) w();
    return this.answer(spec, ctx);
  }
  /** Resolves once at least n calls were made. */
  async called(n: number): Promise<void> {
    while (this.calls.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }
}
