import type { IdentityRef } from '../../profile/identity-resolver.js';
import type { Clock } from '../../shared/clock.js';
import { KeyedSerial } from '../../shared/serial.js';
import { err, ok, type Result } from '../../shared/result.js';
import { notFound, unprocessable, type Problem } from '../../shared/problem.js';
import type { ActionRunner, JourneyDefinitions, JourneyRuntimeApi, Person, PersonReader } from '../journey-ports.js';
import type { JourneyInstance, JourneyVersion, Journey, StepEvent } from '../journey-types.js';
import type { InboxItem, JourneyStore, NewInboxItem } from '../store/journey-store.js';
import { CommitBatcher } from './commit-batcher.js';
import { audienceItems, audienceReadItems, eventItems } from './feeds.js';
import { mergeLosers } from './identity-merge.js';
import { personKeyOf, readPayload, type Payload } from './inbox-items.js';
import { audienceEnter, enterOf, jumpItem, keyIn, sameNs } from './entry-inputs.js';
import { InputIndex } from './input-index.js';
import { interpret, type EnterInput, type InterpreterInput, type Transition } from './interpreter.js';
import { Limiter } from './limiter.js';
import { sortableIds } from './instance-ids.js';
import { runTest } from './test-run.js';
import { callAction, stillWaitsFor } from './action-call.js';
import { enterUnlessIn, instancesOfPerson, type LastOf } from './person-instances.js';

export interface JourneyEngineOptions {
  /** Person keys handled at once (default 256). */
  concurrency?: number;
  /** How often due waits are looked for and the inbox polled (default 1,000 ms). */
  tickMs?: number;
  /** Actions running at once (default 32). */
  actionConcurrency?: number;
  /** Inbox items read per batch (default 2,000). */
  inboxBatch?: number;
}

export interface JourneyEngineDeps {
  store: JourneyStore;
  definitions: JourneyDefinitions;
  people: PersonReader;
  actions: ActionRunner;
  clock: Clock;
  onError: (error: unknown, context: string) => void;
  options?: JourneyEngineOptions;
  /** Instance ids (default: sortable by creation, see instance-ids.ts). */
  newId?: () => string;
}

type Found = { journey: Journey; version: JourneyVersion };
/** An inbox item with its payload read once. */
type Input = { it: InboxItem; p: Payload | undefined };
/** A key's last instance of a journey, read for a whole inbox batch (`instance` undefined: none). */

/**
 * The journey runner: feeds the interpreter from the durable inbox, the timer wheel (`store.due`) and action
 * outcomes, and writes what it answers.
 *
 * ORDERING: every piece of work that reads or writes a person key's instances (its inbox items, its due waits, an
 * action outcome, a stop) runs on that key's KeyedSerial lane, so one key's inputs are applied one at a time, inbox
 * items in seq order (they are read in seq order and handed to the lane in that order). Different keys run
 * concurrently, up to `concurrency` lanes at once.
 *
 * WRITES: one input's writes (instances, step events, the consumed inbox seq) are one unit; units ready at the same
 * time are merged into one transaction (CommitBatcher). Actions run outside any transaction: the instance is first
 * committed waiting `{kind: 'action'}` (due now), then the action runs with idempotency key `<instanceId>:<stepIndex>`,
 * then its outcome commits with its step. A crash in between leaves the action wait due: the next start runs it
 * again with the same key (at least once).
 */
export class JourneyEngine implements Pick<JourneyRuntimeApi, 'definitionsChanged' | 'stopVersion' | 'test'> {
  private readonly lanes = new KeyedSerial();
  private readonly limiter: Limiter;
  private readonly actionLimiter: Limiter;
  private readonly batcher: CommitBatcher;
  private readonly index: InputIndex;
  private readonly tracked = new Set<Promise<unknown>>();
  /** Instances whose action runs or whose due wait is queued (the timer wheel skips them). */
  private readonly inFlight = new Set<string>();
  private readonly opts: Required<JourneyEngineOptions>;
  private readonly newId: () => string;
  private readUpTo = 0;
  /** Units committed (drain's progress). */
  private applied = 0;
  private pumping: Promise<void> | undefined;
  /** Inbox items handed to lanes and not done; `room` wakes the pump when it drops. */
  private inboxPending = 0;
  private room: Array<() => void> = [];
  /** runDue waiting for in-flight due waits to drop before reading its next page. */
  private dueRoom: Array<() => void> = [];
  private dueRunning = false;
  private again = false;
  private ticker: NodeJS.Timeout | undefined;
  private closed = false;
  /** Per batch read running (last instances, due waits): the keys whose lane was handed work meanwhile (stale answers). */
  private readonly touched = new Set<Set<string>>();

  constructor(private readonly deps: JourneyEngineDeps) {
    const o = deps.options ?? {};
    this.opts = { concurrency: o.concurrency ?? 256, tickMs: o.tickMs ?? 1000, actionConcurrency: o.actionConcurrency ?? 32, inboxBatch: o.inboxBatch ?? 2000 };
    this.limiter = new Limiter(this.opts.concurrency);
    this.actionLimiter = new Limiter(this.opts.actionConcurrency);
    this.batcher = new CommitBatcher(deps.store);
    this.index = new InputIndex(deps.definitions);
    this.newId = deps.newId ?? sortableIds(deps.clock);
  }

  /** Starts the ticker (due waits, inbox polling) and reads the inbox once. */
  start(): void {
    if (this.ticker || this.closed) return;
    this.ticker = setInterval(() => this.tick(), this.opts.tickMs);
    this.ticker.unref();
    this.tick();
  }

  /** Waits for in-flight work (actions included); the store stays open (its owner closes it). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    for (const w of this.dueRoom.splice(0)) w();
    await this.pumping;
    await this.settled();
  }

  /** Until nothing is left to do now: the inbox read, due waits run, actions done (tests; a manual clock). */
  async drain(): Promise<void> {
    while (!this.closed) {
      const before = this.applied;
      this.kick();
      await this.pumping;
      await this.settled();
      const ran = await this.runDue();
      await this.settled();
      const more = await this.deps.store.readInbox(this.readUpTo, 1);
      // done when nothing is left, or when due waits were handed yet nothing moved (e.g. their version is gone)
      if (more.length === 0 && this.tracked.size === 0 && (ran === 0 || this.applied === before)) return;
    }
  }

  // ---- inputs ------------------------------------------------------------------------------------------------

  /** ExperienceEvents of the sandbox (after the profile step): enqueued for the person keys live versions care about. */
  async feedEvents(sandboxId: string, records: readonly Record<string, unknown>[]): Promise<number> {
    const ix = await this.index.of(sandboxId);
    return this.enqueue(await eventItems(sandboxId, records, ix, this.deps.people, this.deps.clock.now()));
  }

  /** Records of the "Audience Membership Events" table (one per transition). */
  async feedAudienceEvents(sandboxId: string, records: readonly Record<string, unknown>[]): Promise<number> {
    const ix = await this.index.of(sandboxId);
    return this.enqueue(await audienceItems(sandboxId, records, ix, this.deps.people, this.deps.clock.now()));
  }

  /** One run of a read-audience version: each member enters (a batch instance); `runId` dedupes a replayed run. */
  async startAudienceRead(sandboxId: string, journeyId: string, versionId: string, runId: string, members: Iterable<IdentityRef> | AsyncIterable<IdentityRef>): Promise<number> {
    let n = 0;
    for await (const chunk of audienceReadItems(sandboxId, journeyId, versionId, runId, members, this.deps.clock.now())) n += await this.enqueue(chunk);
    return n;
  }

  async definitionsChanged(sandboxId: string): Promise<void> {
    this.deps.definitions.invalidate(sandboxId);
    this.index.invalidate(sandboxId);
  }

  /** Ends every active instance of a version (eventID `journeyStopped`). */
  async stopVersion(sandboxId: string, versionId: string): Promise<{ ended: number }> {
    await this.definitionsChanged(sandboxId);
    let ended = 0;
    for (let after: string | undefined; ; ) {
      const page = await this.deps.store.instancesOfVersion(sandboxId, versionId, { status: 'active', limit: 1000, ...(after ? { after } : {}) });
      if (page.length === 0) return { ended };
      after = page.at(-1)!.id;
      const done = await Promise.all(page.map((i) => this.lane(i.personKey, () => this.limiter.run(() => this.forceEnd(i.id, 'journeyStopped')))));
      ended += done.filter(Boolean).length;
    }
  }

  /** Runs a person through a version (a draft too): no action is called, waits last 0, steps carry `inTest`. */
  async test(sandboxId: string, versionId: string, input: { identity: IdentityRef; event?: Record<string, unknown> }): Promise<Result<{ instanceId: string; steps: StepEvent[] }, Problem>> {
    const found = await this.deps.definitions.version(sandboxId, versionId);
    if (!found) return err(notFound(`No journey version ${versionId}`));
    const person = await this.deps.people.read(sandboxId, input.identity);
    const r = runTest(found, person, input, this.newId(), this.deps.clock.now());
    if (!r.ok) return err(unprocessable(r.error));
    await this.batcher.commit({ instances: [r.value.instance], stepEvents: r.value.steps });
    return ok({ instanceId: r.value.instance.id, steps: r.value.steps });
  }

  // ---- the inbox -------------------------------------------------------------------------------------------------

  private async enqueue(items: NewInboxItem[]): Promise<number> {
    const n = items.length === 0 ? 0 : await this.deps.store.enqueue(items);
    if (n > 0) this.kick();
    return n;
  }

  private tick(): void {
    this.kick();
    // a tick while the previous one still pages through due waits leaves it to that one
    if (this.dueRunning) return;
    this.dueRunning = true;
    this.track(this.runDue().finally(() => (this.dueRunning = false)));
  }

  /** Reads the inbox (again, if a read is running) and hands its items to their key's lane. */
  private kick(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((e: unknown) => this.deps.onError(e, 'journey inbox'))
      .finally(() => (this.pumping = undefined));
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      // close() stops the reading; what was handed to the lanes finishes
      while (!this.closed) {
        const items = await this.deps.store.readInbox(this.readUpTo, this.opts.inboxBatch);
        if (items.length === 0) break;
        this.readUpTo = items.at(-1)!.seq;
        const byKey = new Map<string, Input[]>();
        for (const it of items) {
          const input = { it, p: readPayload(it) };
          const its = byKey.get(it.personKey);
          if (its) its.push(input);
          else byKey.set(it.personKey, [input]);
        }
        const lastOf = await this.lastOfBatch(byKey);
        for (const [key, its] of byKey) {
          this.inboxPending += its.length;
          const last = lastOf.get(key);
          void this
            .lane(key, () => this.limiter.run(() => this.handleItems(its, last)))
            .catch((e: unknown) => this.deps.onError(e, 'journey inbox'))
            .finally(() => {
              this.inboxPending -= its.length;
              if (this.inboxPending <= this.opts.inboxBatch || this.inboxPending === 0) for (const w of this.room.splice(0)) w();
            });
        }
        // at most two batches in flight bounds memory (the lanes keep each key's order across batches)
        while (this.inboxPending > this.opts.inboxBatch) await new Promise<void>((r) => this.room.push(r));
      }
    } while (this.again && !this.closed);
    while (this.inboxPending > 0) await new Promise<void>((r) => this.room.push(r));
  }

  /**
   * The last instance of the journey an audience read (or a jump) enters, for every key of the batch whose first item
   * is one and whose lane is idle: one read for the batch instead of one per member. Only keys nothing else touched
   * meanwhile keep their answer (every write of a key's instances runs on its lane, after this hand-off).
   */
  private async lastOfBatch(byKey: Map<string, Input[]>): Promise<Map<string, LastOf>> {
    const out = new Map<string, LastOf>();
    const want = new Map<string, { sandboxId: string; journeyId: string; keys: string[]; seqs: number[] }>();
    for (const [key, its] of byKey) {
      const { it, p } = its[0]!;
      if (p?.kind !== 'readAudience' || this.lanes.busy(key)) continue;
      const g = `${it.sandboxId}\n${p.p.journeyId}`;
      const w = want.get(g) ?? want.set(g, { sandboxId: it.sandboxId, journeyId: p.p.journeyId, keys: [], seqs: [] }).get(g)!;
      w.keys.push(key);
      w.seqs.push(it.seq);
    }
    if (want.size === 0) return out;
    const touched = await this.watching(async () => {
      for (const w of want.values()) {
        const found = await this.deps.store.lastInstances(w.sandboxId, w.journeyId, w.keys);
        w.keys.forEach((k, n) => out.set(k, { seq: w.seqs[n]!, instance: found.get(k) }));
      }
    });
    for (const k of touched) out.delete(k);
    return out;
  }

  /** Runs a read and answers the keys whose lane was handed work while it ran. */
  private async watching(read: () => Promise<void>): Promise<Set<string>> {
    const touched = new Set<string>();
    this.touched.add(touched);
    try {
      await read();
    } finally {
      this.touched.delete(touched);
    }
    return touched;
  }

  /** Runs on the key's lane; a batch read running meanwhile learns the key was handed work, and when that work ended. */
  private lane<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const mark = () => {
      for (const t of this.touched) t.add(key);
    };
    mark();
    return this.lanes.run(key, () => fn().finally(mark));
  }

  private async handleItems(items: Input[], last: LastOf | undefined): Promise<void> {
    for (const { it, p } of items) {
      try {
        await this.handleItem(it, p, last?.seq === it.seq ? last : undefined);
      } catch (e) {
        this.deps.onError(e, `journey inbox item ${it.seq}`);
      }
    }
  }

  private async handleItem(it: InboxItem, p: Payload | undefined, last: LastOf | undefined): Promise<void> {
    if (!p) return this.apply(it.sandboxId, undefined, [], [it.seq]);
    const sandboxId = it.sandboxId;
    const person = await this.person(sandboxId, p.p.identity);
    const all = await instancesOfPerson(this.deps.store, sandboxId, it.personKey, person, p.kind === 'readAudience' ? p.p.journeyId : undefined, last);
    const ts: Transition[] = [];
    const now = this.deps.clock.now();

    // identity merge: the person's graph holds two active instances of a journey; the first entered goes on
    const losers = new Set(mergeLosers(all).map((l) => l.id));
    for (const l of all.filter((i) => losers.has(i.id))) {
      if (l.personKey === it.personKey) ts.push(await this.step(person, l, { kind: 'forceEnd', eventId: 'identityMerge' }, now));
      else this.track(this.lane(l.personKey, () => this.forceEnd(l.id, 'identityMerge')));
    }
    const active = all.filter((i) => i.status !== 'ended' && !losers.has(i.id));
    // the person's instances keyed in this input's namespace: after a merge, the survivor takes the events of every
    // identity of the person in its namespace (one item per namespace per input: no instance sees an input twice)
    const ns = it.personKey.slice(0, it.personKey.indexOf(':') + 1);
    const own = active.filter((i) => i.personKey === it.personKey || i.personKey.startsWith(ns));

    if (p.kind === 'event') {
      for (const inst of own) ts.push(await this.step(person, inst, { kind: 'event', event: p.p.event }, now));
      const ix = await this.index.of(sandboxId);
      for (const lv of ix.eventEntries.get(String(p.p.event.eventType)) ?? [])
        if (sameNs(lv.version.definition.entry.namespace, p.p.identity))
          ts.push(enterUnlessIn(lv, person, all, active, enterOf(p.p, it), now, this.newId()));
    } else if (p.kind === 'audience') {
      if (p.p.status === 'exited') for (const inst of own) ts.push(await this.step(person, inst, { kind: 'audienceExit', segmentId: p.p.segmentId }, now));
      const ix = await this.index.of(sandboxId);
      for (const lv of ix.audienceEntries.get(p.p.segmentId) ?? []) {
        const e = lv.version.definition.entry;
        if (e.type === 'audienceQualification' && e.status === p.p.status && sameNs(e.namespace, p.p.identity))
          ts.push(enterUnlessIn(lv, person, all, active, audienceEnter(p.p, it), now, this.newId()));
      }
    } else {
      const lv = p.p.versionId ? await this.deps.definitions.version(sandboxId, p.p.versionId) : await this.deps.definitions.liveOf(sandboxId, p.p.journeyId);
      // a read's member is the membership's profile identity, in any namespace: the instance is keyed by the person's
      // identity in the journey's namespace, and a person without one does not enter (as with events)
      const ns = lv?.version.definition.entry.namespace ?? '';
      const identity = p.p.source !== 'readAudience' || sameNs(ns, p.p.identity) ? p.p.identity : keyIn(person, ns);
      if (lv && lv.version.status === 'live' && identity) {
        const personKey = identity === p.p.identity ? it.personKey : personKeyOf(identity);
        const input: EnterInput = { kind: 'enter', source: p.p.source, instanceId: '', identity, personKey, eventId: p.p.source === 'jump' ? 'jump' : 'audience', ...(p.p.trigger ? { trigger: p.p.trigger } : {}) };
        if (p.p.source === 'readAudience') input.segmentStatus = 'existing';
        ts.push(enterUnlessIn(lv, person, all, active, input, now, this.newId()));
      }
    }
    await this.apply(sandboxId, person, ts, [it.seq]);
  }

  /**
   * The person's (non-test) instances over every key of their graph. A direct entry of a one-key person (the bulk of
   * an audience read) only needs its last instance of that journey: one index search instead of a scan of the person.
   */
  private async step(person: Person, inst: JourneyInstance, input: InterpreterInput, now: number): Promise<Transition> {
    const found = await this.deps.definitions.version(inst.sandboxId, inst.versionId);
    if (!found) return { applied: false, why: 'unknown version' };
    return interpret({ journey: found.journey, version: found.version, person, now }, inst, input);
  }

  // ---- writes ----------------------------------------------------------------------------------------------------

  /** Commits the transitions of one input (jump entries enqueued first: deduped, so a replay enqueues them once), then starts their actions. */
  private async apply(sandboxId: string, person: Person | undefined, ts: Transition[], consumed: number[]): Promise<void> {
    const applied = ts.filter((t): t is Extract<Transition, { applied: true }> => t.applied);
    const jumps: NewInboxItem[] = [];
    for (const t of applied) {
      if (t.next.kind !== 'jump') continue;
      const target = await this.deps.definitions.liveOf(sandboxId, t.next.journeyId);
      if (target) jumps.push(jumpItem(t.instance, target.version, person, this.deps.clock.now()));
    }
    if (jumps.length) await this.deps.store.enqueue(jumps);
    await this.batcher.commit({ instances: applied.map((t) => t.instance), stepEvents: applied.flatMap((t) => t.steps), consumed });
    if (applied.length) this.applied++;
    for (const t of applied) if (t.next.kind === 'action') this.dispatchAction(t.instance);
    if (jumps.length) this.kick();
  }

  /** The person as the sandbox's journeys need them: their past events only when some condition reads them. */
  private async person(sandboxId: string, identity: IdentityRef): Promise<Person> {
    const ix = await this.index.of(sandboxId);
    return this.deps.people.read(sandboxId, identity, { events: ix.readsHistory });
  }

  private async forceEnd(id: string, eventId: 'identityMerge' | 'journeyStopped'): Promise<boolean> {
    const inst = await this.deps.store.instance(id);
    if (!inst || inst.status === 'ended') return false;
    const person = await this.person(inst.sandboxId, inst.identity);
    const t = await this.step(person, inst, { kind: 'forceEnd', eventId }, this.deps.clock.now());
    await this.apply(inst.sandboxId, person, [t], []);
    return t.applied;
  }

  // ---- timers and actions -----------------------------------------------------------------------------------------

  /**
   * Hands every wait due now to its key's lane (actions to the action pool); answers how many were handed. Pages of
   * `inboxBatch`: the next page is read once half of what was handed finished (100,000 waits due in the same second
   * go through at the engine's pace, not a page per tick).
   */
  async runDue(): Promise<number> {
    if (this.closed) return 0;
    const now = this.deps.clock.now();
    const page = this.opts.inboxBatch;
    // handed in this run: one still due after its handling (its version is gone) waits for the next tick
    const handed = new Set<string>();
    let stuck = 0;
    for (;;) {
      const limit = this.inFlight.size + stuck + page;
      // an idle lane whose key nothing touched during the read: the row read is the instance (no second read)
      const idle = (key: string) => !this.lanes.busy(key);
      let due: JourneyInstance[] = [];
      const touched = await this.watching(async () => void (due = await this.deps.store.due(now, limit)));
      const fresh = new Set<string>();
      let handedNow = 0;
      stuck = 0;
      for (const inst of due) {
        if (this.inFlight.has(inst.id) || this.closed) continue;
        if (handed.has(inst.id)) {
          stuck++;
          continue;
        }
        handedNow++;
        handed.add(inst.id);
        if (inst.wait?.kind === 'action') {
          this.dispatchAction(inst);
          continue;
        }
        if (idle(inst.personKey) && !touched.has(inst.personKey)) fresh.add(inst.id);
        const known = fresh.has(inst.id) ? inst : undefined;
        this.inFlight.add(inst.id);
        this.track(this.lane(inst.personKey, () => this.limiter.run(() => this.handleDue(inst.id, known))).finally(() => this.doneInFlight(inst.id)));
      }
      if (due.length < limit || handedNow === 0 || this.closed) return handed.size;
      while (this.inFlight.size > page / 2 && !this.closed) await new Promise<void>((r) => this.dueRoom.push(r));
    }
  }

  private doneInFlight(id: string): void {
    this.inFlight.delete(id);
    if (this.inFlight.size <= this.opts.inboxBatch / 2) for (const w of this.dueRoom.splice(0)) w();
  }

  /** `known`: the instance as the due read answered it, when nothing could have changed it since. */
  private async handleDue(id: string, known?: JourneyInstance): Promise<void> {
    const inst = known ?? (await this.deps.store.instance(id));
    const now = this.deps.clock.now();
    if (!inst || inst.status === 'ended' || !inst.wait || inst.wait.kind === 'action' || inst.wait.due > now) return;
    const person = await this.person(inst.sandboxId, inst.identity);
    const t = await this.step(person, inst, { kind: 'timer' }, now);
    await this.apply(inst.sandboxId, person, [t], []);
  }

  private dispatchAction(inst: JourneyInstance): void {
    if (this.inFlight.has(inst.id) || this.closed) return;
    this.inFlight.add(inst.id);
    this.track(this.actionLimiter.run(() => this.runAction(inst)).finally(() => this.doneInFlight(inst.id)));
  }

  private async runAction(stale: JourneyInstance): Promise<void> {
    const inst = await this.deps.store.instance(stale.id);
    if (!stillWaitsFor(inst, stale)) return;
    const found = await this.deps.definitions.version(inst.sandboxId, inst.versionId);
    // a version that is gone leaves the instance due (like its timers)
    if (!found) return;
    const person = await this.person(inst.sandboxId, inst.identity);
    const result = await callAction(this.deps.actions, found.version, inst, person);
    await this.lane(inst.personKey, async () => {
      const cur = await this.deps.store.instance(inst.id);
      if (!stillWaitsFor(cur, inst)) return;
      const t = interpret({ journey: found.journey, version: found.version, person, now: this.deps.clock.now() }, cur, { kind: 'actionDone', result });
      await this.apply(inst.sandboxId, person, [t], []);
    });
  }

  // ---- bookkeeping -----------------------------------------------------------------------------------------------

  private track(p: Promise<unknown>): void {
    const q = p.catch((e: unknown) => this.deps.onError(e, 'journey engine'));
    this.tracked.add(q);
    void q.finally(() => this.tracked.delete(q));
  }

  private async settled(): Promise<void> {
    while (this.tracked.size > 0) await Promise.allSettled([...this.tracked]);
  }
}
