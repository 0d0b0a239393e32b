import type { IdentityRef } from '../../profile/identity-resolver.js';
import { err, ok, type Result } from '../../shared/result.js';
import { notFound, unprocessable, type Problem } from '../../shared/problem.js';
import type { JourneyRuntimeApi, Person } from '../journey-ports.js';
import type { JourneyInstance, StepEvent } from '../journey-types.js';
import type { InboxItem, JourneyStore, NewInboxItem } from '../store/journey-store.js';
import { CommitBatcher } from './commit-batcher.js';
import { audienceItems, audienceRunItems, eventItems } from './feeds.js';
import { personKeyOf, readPayload, type AudienceRunPayload, type Payload } from './inbox-items.js';
import { jumpItem } from './entry-inputs.js';
import { InputIndex } from './input-index.js';
import { InputTransitions } from './input-transitions.js';
import { interpret, type InterpreterInput, type Transition } from './interpreter.js';
import { Lanes } from './lanes.js';
import { deferred } from '../../shared/deferred.js';
import { ACTION_LEASE_MS, RUN_MEMBERS_IN_FLIGHT, type JourneyEngineDeps, type JourneyEngineOptions } from './engine-options.js';

export type { JourneyEngineDeps, JourneyEngineOptions } from './engine-options.js';
import { Limiter } from './limiter.js';
import { sortableIds } from './instance-ids.js';
import { runTest } from './test-run.js';
import { callAction, stillWaitsFor } from './action-call.js';
import type { LastOf } from './person-instances.js';

/** An inbox item with its payload read once. */
type Input = { it: InboxItem; p: Payload | undefined };
/** A transition and the person it was computed for (a jump keys its entry by the person's identities). */
type Move = { t: Transition; person: Person | undefined };

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
  private readonly lanes = new Lanes();
  private readonly limiter: Limiter;
  private readonly actionLimiter: Limiter;
  private readonly batcher: CommitBatcher;
  private readonly index: InputIndex;
  private readonly moves: InputTransitions;
  private readonly tracked = new Set<Promise<unknown>>();
  /** Instances whose due wait the timer wheel handed out and whose step is not done (it skips them). */
  private readonly inFlight = new Set<string>();
  /** Instances whose action runs (the timer wheel skips them; an action is dispatched once at a time). */
  private readonly running = new Set<string>();
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
  /** Whether a due pass ran (the first reads action waits leased by an engine before this one). */
  private passed = false;

  constructor(private readonly deps: JourneyEngineDeps) {
    const o = deps.options ?? {};
    this.opts = { concurrency: o.concurrency ?? 256, tickMs: o.tickMs ?? 1000, actionConcurrency: o.actionConcurrency ?? 512, inboxBatch: o.inboxBatch ?? 2000 };
    this.limiter = new Limiter(this.opts.concurrency);
    this.actionLimiter = new Limiter(this.opts.actionConcurrency);
    this.batcher = new CommitBatcher(deps.store);
    this.index = new InputIndex(deps.definitions);
    this.newId = deps.newId ?? sortableIds(deps.clock);
    const endElsewhere = (l: JourneyInstance) => this.track(this.lanes.run(l.personKey, () => this.forceEnd(l.id, 'identityMerge')));
    this.moves = new InputTransitions({ store: deps.store, definitions: deps.definitions, index: this.index, clock: deps.clock, newId: () => this.newId(), endElsewhere });
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

  /**
   * One run of a read-audience version: each member enters (a batch instance); answers how many members were enqueued
   * (a replayed run enqueues only chunks whose members changed, and starts no member twice: `runId`).
   */
  async startAudienceRead(sandboxId: string, journeyId: string, versionId: string, runId: string, members: Iterable<IdentityRef> | AsyncIterable<IdentityRef>): Promise<number> {
    let n = 0;
    for await (const chunk of audienceRunItems(sandboxId, journeyId, versionId, runId, members, this.deps.clock.now())) if ((await this.enqueue([chunk.item])) > 0) n += chunk.members;
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
      const done = await Promise.all(page.map((i) => this.lanes.run(i.personKey, () => this.limiter.run(() => this.forceEnd(i.id, 'journeyStopped')))));
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
        // items are handed to lanes in seq order: the items before an audience-run chunk, then the chunk's members
        let byKey = new Map<string, Input[]>();
        for (const it of items) {
          const input = { it, p: readPayload(it) };
          if (input.p?.kind === 'audienceRun') {
            await this.handOff(byKey);
            byKey = new Map();
            this.handOffRun(it, input.p.p);
            // a batch of chunks holds millions of members: two chunks in flight at most (memory, GC: bench/journey batch)
            while (this.inboxPending >= RUN_MEMBERS_IN_FLIGHT && !this.closed) await new Promise<void>((r) => this.room.push(r));
            continue;
          }
          const its = byKey.get(it.personKey);
          if (its) its.push(input);
          else byKey.set(it.personKey, [input]);
        }
        await this.handOff(byKey);
        // at most two batches in flight bounds memory (the lanes keep each key's order across batches)
        while (this.inboxPending > this.opts.inboxBatch) await new Promise<void>((r) => this.room.push(r));
      }
    } while (this.again && !this.closed);
    while (this.inboxPending > 0) await new Promise<void>((r) => this.room.push(r));
  }

  private handOff(byKey: Map<string, Input[]>): Promise<void> {
    if (byKey.size === 0) return Promise.resolve();
    return this.lastOfBatch(byKey).then((lastOf) => {
      for (const [key, its] of byKey) {
        const last = lastOf.get(key);
        this.pending(its.length, this.lanes.run(key, () => this.limiter.run(() => this.handleItems(its, last))));
      }
    });
  }

  /** Counts inbox work in flight until it settles (the pump reads ahead at most one batch). */
  private pending(n: number, work: Promise<unknown>): void {
    this.inboxPending += n;
    void work
      .catch((e: unknown) => this.deps.onError(e, 'journey inbox'))
      .finally(() => {
        this.inboxPending -= n;
        // every waiter re-checks its own bound (a batch, two chunks, nothing left)
        for (const w of this.room.splice(0)) w();
      });
  }

  /**
   * A chunk of an audience read: the members whose lane is idle are held and entered together (one pass, one commit:
   * bench/journey batch), the others one by one on their lane after what it runs; the chunk is consumed once all are.
   */
  private handOffRun(it: InboxItem, run: AudienceRunPayload): void {
    const together: IdentityRef[] = [];
    const alone: Array<Promise<void>> = [];
    const seen = new Set<string>();
    const held = deferred();
    for (const m of run.members) {
      const key = personKeyOf(m);
      if (seen.has(key)) continue;
      seen.add(key);
      const p: Payload = { kind: 'readAudience', p: { identity: m, journeyId: run.journeyId, versionId: run.versionId, source: 'readAudience', runId: run.runId } };
      if (this.lanes.busy(key)) alone.push(this.lanes.run(key, () => this.limiter.run(() => this.handleItem({ ...it, personKey: key }, p, undefined, []))));
      else {
        together.push(m);
        this.lanes.hold(key, held.promise);
      }
    }
    const entered = this.enterTogether(it, run, together).finally(held.resolve);
    this.pending(run.members.length, Promise.all([entered, ...alone]).then(() => this.apply([], [it.seq])));
  }

  private async enterTogether(it: InboxItem, run: AudienceRunPayload, members: IdentityRef[]): Promise<void> {
    if (members.length === 0) return;
    const keys = members.map(personKeyOf);
    const last = await this.deps.store.lastInstances(it.sandboxId, run.journeyId, keys);
    const people = await Promise.all(members.map((m) => this.person(it.sandboxId, m)));
    const moves: Move[] = [];
    for (let n = 0; n < members.length; n++) {
      const p: Payload = { kind: 'readAudience', p: { identity: members[n]!, journeyId: run.journeyId, versionId: run.versionId, source: 'readAudience', runId: run.runId } };
      const person = people[n]!;
      for (const t of await this.moves.of({ ...it, personKey: keys[n]! }, p, person, { seq: it.seq, instance: last.get(keys[n]!) })) moves.push({ t, person });
    }
    await this.apply(moves, []);
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
    const touched = await this.lanes.watching(async () => {
      for (const w of want.values()) {
        const found = await this.deps.store.lastInstances(w.sandboxId, w.journeyId, w.keys);
        w.keys.forEach((k, n) => out.set(k, { seq: w.seqs[n]!, instance: found.get(k) }));
      }
    });
    for (const k of touched) out.delete(k);
    return out;
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

  /** `consumed`: the inbox seqs this input's commit marks consumed (none for a member of an audience-run chunk). */
  private async handleItem(it: InboxItem, p: Payload | undefined, last: LastOf | undefined, consumed = [it.seq]): Promise<void> {
    if (!p || p.kind === 'audienceRun') return this.apply([], consumed);
    const person = await this.person(it.sandboxId, p.p.identity);
    const ts = await this.moves.of(it, p, person, last);
    await this.apply(ts.map((t) => ({ t, person })), consumed);
  }

  private step(person: Person, inst: JourneyInstance, input: InterpreterInput, now: number): Promise<Transition> {
    return this.moves.step(person, inst, input, now);
  }

  // ---- writes ----------------------------------------------------------------------------------------------------

  /** Commits the transitions of one input or more (jump entries enqueued first: deduped, so a replay enqueues them once), then starts their actions. */
  private async apply(moves: Move[], consumed: number[]): Promise<void> {
    const applied: Array<Extract<Transition, { applied: true }>> = [];
    const jumps: NewInboxItem[] = [];
    for (const { t, person } of moves) {
      if (!t.applied) continue;
      applied.push(t);
      if (t.next.kind !== 'jump') continue;
      const target = await this.deps.definitions.liveOf(t.instance.sandboxId, t.next.journeyId);
      if (target) jumps.push(jumpItem(t.instance, target.version, person, this.deps.clock.now()));
    }
    if (jumps.length) await this.deps.store.enqueue(jumps);
    const leased = this.deps.clock.now() + ACTION_LEASE_MS;
    for (const t of applied) if (t.next.kind === 'action' && t.instance.wait?.kind === 'action') t.instance.wait.due = Math.max(t.instance.wait.due, leased);
    await this.batcher.commit({ instances: applied.map((t) => t.instance), stepEvents: applied.flatMap((t) => t.steps), consumed });
    if (applied.length) this.applied++;
    for (const { t, person } of moves) if (t.applied && t.next.kind === 'action') this.dispatchAction(t.instance, person);
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
    await this.apply([{ t, person }], []);
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
    const upTo = this.passed ? now : now + ACTION_LEASE_MS;
    this.passed = true;
    const page = this.opts.inboxBatch;
    // handed in this run: one still due after its handling (its version is gone) waits for the next tick
    const handed = new Set<string>();
    let stuck = 0;
    for (;;) {
      const limit = this.inFlight.size + this.running.size + stuck + page;
      // an idle lane whose key nothing touched during the read: the row read is the instance (no second read)
      const idle = (key: string) => !this.lanes.busy(key);
      let due: JourneyInstance[] = [];
      const touched = await this.lanes.watching(async () => void (due = await this.deps.store.due(upTo, limit)));
      // fresh: the row read is the instance; their lanes are held and they move together (one pass, one commit)
      const fresh: JourneyInstance[] = [];
      const held = deferred();
      let handedNow = 0;
      stuck = 0;
      for (const inst of due) {
        if (this.inFlight.has(inst.id) || this.running.has(inst.id) || this.closed) continue;
        // the first pass reads ahead for leased actions only
        if (handed.has(inst.id) || (inst.wait && inst.wait.kind !== 'action' && inst.wait.due > now)) {
          stuck++;
          continue;
        }
        handedNow++;
        handed.add(inst.id);
        if (inst.wait?.kind === 'action') {
          this.dispatchAction(inst);
          continue;
        }
        this.inFlight.add(inst.id);
        if (idle(inst.personKey) && !touched.has(inst.personKey)) {
          fresh.push(inst);
          this.lanes.hold(inst.personKey, held.promise);
        } else this.track(this.lanes.run(inst.personKey, () => this.limiter.run(() => this.handleDue(inst.id))).finally(() => this.doneInFlight(inst.id)));
      }
      this.track(
        this.dueTogether(fresh).finally(() => {
          held.resolve();
          for (const i of fresh) this.doneInFlight(i.id);
        }),
      );
      if (due.length < limit || handedNow === 0 || this.closed) return handed.size;
      while (this.inFlight.size + this.running.size > page / 2 && !this.closed) await new Promise<void>((r) => this.dueRoom.push(r));
    }
  }

  private doneInFlight(id: string, set = this.inFlight): void {
    set.delete(id);
    if (this.inFlight.size + this.running.size <= this.opts.inboxBatch / 2) for (const w of this.dueRoom.splice(0)) w();
  }

  private async handleDue(id: string): Promise<void> {
    const inst = await this.deps.store.instance(id);
    if (inst) await this.dueTogether([inst]);
  }

  /** Due waits whose lanes are held (or run on): their timer steps, one commit. */
  private async dueTogether(insts: JourneyInstance[]): Promise<void> {
    const now = this.deps.clock.now();
    const ready = insts.filter((i) => i.status !== 'ended' && i.wait && i.wait.kind !== 'action' && i.wait.due <= now);
    if (ready.length === 0) return;
    const people = await Promise.all(ready.map((i) => this.person(i.sandboxId, i.identity)));
    const moves: Move[] = [];
    for (let n = 0; n < ready.length; n++) moves.push({ t: await this.step(people[n]!, ready[n]!, { kind: 'timer' }, now), person: people[n] });
    await this.apply(moves, []);
  }

  /** `person`: as the step that reached the action read them (not read again); absent for an action found due. */
  private dispatchAction(inst: JourneyInstance, person?: Person): void {
    if (this.running.has(inst.id) || this.closed) return;
    this.running.add(inst.id);
    this.track(this.actionLimiter.run(() => this.runAction(inst, person)).finally(() => this.doneInFlight(inst.id, this.running)));
  }

  private async runAction(stale: JourneyInstance, known?: Person): Promise<void> {
    const inst = await this.deps.store.instance(stale.id);
    if (!stillWaitsFor(inst, stale)) return;
    const found = await this.deps.definitions.version(inst.sandboxId, inst.versionId);
    // a version that is gone leaves the instance due (like its timers)
    if (!found) return;
    const person = known ?? (await this.person(inst.sandboxId, inst.identity));
    const result = await callAction(this.deps.actions, found.version, inst, person);
    await this.lanes.run(inst.personKey, async () => {
      const cur = await this.deps.store.instance(inst.id);
      if (!stillWaitsFor(cur, inst)) return;
      const t = interpret({ journey: found.journey, version: found.version, person, now: this.deps.clock.now() }, cur, { kind: 'actionDone', result });
      await this.apply([{ t, person }], []);
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

