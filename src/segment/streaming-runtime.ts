import { Serial } from '../shared/serial.js';
import type { Clock } from '../shared/clock.js';
import { TRACE_SLOW_STEP_MS } from '../shared/trace.js';
import type { IdentityRef, GraphMember } from '../profile/identity-resolver.js';
import type { ProfileChange, ProfileService } from '../profile/profile-service.js';
import type { FragmentStore } from '../profile/fragment-store.js';
import type { ComputedAttributeService } from '../profile/computed-attributes.js';
import { evaluate } from './eval/evaluate.js';
import { evaluateWithNextChange } from './eval/next-change.js';
import { project } from './eval/analyze.js';
import { EventsByType } from './eval/event-types.js';
import type { DefinitionService, SandboxRef } from './definition-service.js';
import type { MembershipRow, SegmentStore, StateEvent } from './segment-store.js';
import type { EvaluationMode, MembershipWriter } from './membership-writer.js';
import type { CompiledDefinition } from './segment-types.js';
import { StateCache } from './state-cache.js';
import { membershipsAcross } from './membership-view.js';
import { envNumber } from '../shared/env-number.js';

export interface RuntimeDeps {
  store: SegmentStore;
  definitions: DefinitionService;
  profiles: ProfileService;
  profileStore: FragmentStore;
  computedAttributes: ComputedAttributeService;
  writer: MembershipWriter;
  clock: Clock;
  /** Identities whose state is kept in memory (LRU; default 200,000). */
  stateCacheIdentities?: number;
}

type Key = IdentityRef | { xid: string };
interface Dirty {
  sandboxId: string;
  key: Key;
  /** Definitions the changes can affect ('all' after graph changes, deletes, timers, definition changes). */
  affected: Set<string> | 'all';
}

/** The outcome of evaluating one profile (for jobs and previews). */
export interface ProfileEvaluation {
  pid: string;
  top: GraphMember;
  members: GraphMember[];
  results: Map<string, boolean>;
}

interface EventNeeds {
  keep: (e: StateEvent) => boolean;
  paths: string[][];
  byType: Map<string, CompiledDefinition[]>;
  untyped: CompiledDefinition[];
  caReaders: string[];
}

/** Slow-step trace threshold (KITH_TRACE_SLOW_STEP_MS, see shared/trace.ts). */
const TRACE = TRACE_SLOW_STEP_MS;

const keyString = (sandboxId: string, k: Key): string => ('xid' in k ? `${sandboxId}\u0000x\u0000${k.xid}` : `${sandboxId}\u0000${k.namespace.toLowerCase()}\u0000${k.id}`);

/**
 * Streaming segmentation. Listens to profile changes (records, events, graph changes, deletes) and keeps, per
 * identity, the events that can matter to some definition (prefiltered, projected to the fields the definitions
 * read: the incremental state for counts, sums, windows and sequences). A changed profile is
 * re-evaluated against every streaming definition in dependency order (inSegment targets first, so a segment of
 * segments sees this change's memberships), transitions are written by the MembershipWriter, and a timer is set
 * at the earliest instant a time window could change the answer (so members exit when their events age out).
 *
 * Ordering guarantee: changes are applied in the order the profile service emitted them (one FIFO, one consumer);
 * a profile's evaluation runs after every state update queued before it, so it never sees an older state than an
 * earlier evaluation did.
 */
export class StreamingRuntime {
  private readonly fifo: ProfileChange[] = [];
  private readonly dirty = new Map<string, Dirty>();
  private running: Promise<void> | undefined;
  private background: Promise<void> = Promise.resolve();
  private readonly units = new Serial();
  private readonly state: StateCache;
  private readonly needs = new WeakMap<CompiledDefinition[], EventNeeds>();
  private readonly sandboxRefs = new Map<string, SandboxRef>();
  /** Sandboxes the store was told about (one await per sandbox, not per change). */
  private readonly rememberedSandboxes = new Set<string>();
  private stopped = false;
  /** How long a step waits to gather changes (fewer, larger transactions; adds at most this much latency). */
  coalesceMs = envNumber('KITH_SEGMENT_COALESCE_MS', 2);
  /** Profiles per unit of work (one transaction): a membership is visible when its unit commits (bench/segment/streaming.ts). */
  maxProfilesPerStep = envNumber('KITH_SEGMENT_STEP_PROFILES', 50, { min: 1, integer: true });
  /**
   * Under a backlog a unit takes up to half of the waiting profiles, up to this many. Each commit costs page writes
   * that do not depend on its size (B-tree interior pages, the outbox's last page): when changes arrive faster than
   * small units commit, small units spend the machine on commits and the backlog grows. Larger units then drain it
   * sooner, and the profiles at its end wait less; an idle runtime keeps small units.
   */
  maxProfilesPerBusyStep = envNumber('KITH_SEGMENT_BUSY_STEP_PROFILES', 400, { min: 1, integer: true });
  /** Errors are reported, never thrown into the pipeline. */
  onError: (e: unknown) => void = () => undefined;

  constructor(private readonly d: RuntimeDeps) {
    this.state = new StateCache(d.stateCacheIdentities ?? 200_000, d.profiles.guardrails.maxEventsPerProfile);
  }

  /** The profile service's change hook. Synchronous and cheap: queues the change. */
  readonly onProfileChange = (c: ProfileChange): void => {
    // a sandbox without definitions costs nothing (a new definition evaluates every profile anyway)
    if (this.stopped || this.d.definitions.knownEmpty(c.sandboxId)) return;
    this.fifo.push(c);
    this.kick();
  };

  private kick(): void {
    if (this.running || (this.fifo.length === 0 && this.dirty.size === 0)) return;
    // eslint-disable-next-line prefer-const
    let run: Promise<void> | undefined = undefined;
    run = (async () => {
      // `running` is assigned before the loop can finish; a short pause gathers the next changes into this unit
      await new Promise((r) => setTimeout(r, this.coalesceMs));
      try {
        while (this.fifo.length > 0 || this.dirty.size > 0) {
          await this.step();
          // let queued messages (new changes, API calls) in between units of work
          if (this.dirty.size > 0) await new Promise((r) => setImmediate(r));
        }
      } catch (e) {
        this.onError(e);
      } finally {
        if (this.running === run) this.running = undefined;
      }
    })();
    this.running = run;
  }

  /** Resolves when every queued change has been evaluated (tests, jobs). */
  async drain(): Promise<void> {
    for (;;) {
      const bg = this.background;
      await bg;
      while (this.running) await this.running;
      if (bg === this.background && !this.running) return;
    }
  }

  /** Changes queued and profiles waiting for evaluation. */
  backlog(): number {
    return this.fifo.length + this.dirty.size;
  }

  /**
   * Resolves once at most `limit` changes wait (back-pressure for the pipeline: the processor does not run ahead
   * of segmentation without bound, and its queue cannot grow without bound).
   */
  async caughtUp(limit: number): Promise<void> {
    while (this.backlog() > limit && this.running) await this.running;
  }

  /** Runs definition-level work (backfills) one at a time, in order; drain() waits for it. */
  schedule(task: () => Promise<void>): void {
    this.background = this.background.then(task).catch((e) => this.onError(e));
  }

  stop(): void {
    this.stopped = true;
  }

  rememberSandbox(sb: SandboxRef): void {
    this.sandboxRefs.set(sb.sandbox.id, sb);
  }

  private async sandboxRef(sandboxId: string, defs: CompiledDefinition[]): Promise<SandboxRef | undefined> {
    const hit = this.sandboxRefs.get(sandboxId);
    if (hit) return hit;
    const d = defs[0]?.def;
    if (!d) return undefined;
    const sb: SandboxRef = { orgId: d.imsOrgId, sandbox: { id: sandboxId, name: d.sandbox.sandboxName, type: d.sandbox.type, isDefault: d.sandbox.default } };
    this.sandboxRefs.set(sandboxId, sb);
    return sb;
  }

  private async step(): Promise<void> {
    const t0 = TRACE ? performance.now() : 0;
    let applied = 0, evaluated = 0, tApplied = 0, tEvaluated = 0;
    await this.exclusive(async () => {
      if (TRACE) tApplied = performance.now();
      const batch = this.fifo.splice(0, this.fifo.length);
      applied = batch.length;
      for (const c of batch) await this.applyChange(c);
      if (TRACE) tApplied = performance.now() - tApplied;
      // the oldest dirty profiles, at most unitSize(): a step stays short, so its memberships land (and the changes
      // arriving meanwhile are taken in) soon; the rest wait for the next step, which sees newer state
      const todo: Dirty[] = [];
      const take = unitSize(this.dirty.size, this.maxProfilesPerStep, this.maxProfilesPerBusyStep);
      for (const [k, t] of this.dirty) {
        if (todo.length >= take) break;
        todo.push(t);
        this.dirty.delete(k);
      }
      evaluated = todo.length;
      if (TRACE) tEvaluated = performance.now();
      for (const t of todo) {
        try {
          await this.evaluateProfile(t.sandboxId, t.key, 'streaming', { affected: t.affected === 'all' ? undefined : t.affected });
        } catch (e) {
          this.onError(e);
        }
      }
      if (TRACE) tEvaluated = performance.now() - tEvaluated;
    });
    const total = TRACE ? performance.now() - t0 : 0;
    if (TRACE && total >= TRACE)
      process.stderr.write(`[kith segmentation] slow step ${total.toFixed(0)} ms: ${applied} changes applied in ${tApplied.toFixed(0)} ms, ${evaluated} profiles evaluated in ${tEvaluated.toFixed(0)} ms, commit ${(total - tApplied - tEvaluated).toFixed(0)} ms; ${this.fifo.length} changes and ${this.dirty.size} profiles waiting\n`);
  }

  /**
   * One unit of work: its segment.db writes (memberships, their audience events, timers) in one transaction, which
   * is also when the profile shows the new memberships. Units never interleave (streaming steps and job chunks
   * take turns).
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.units.run(async () => {
      try {
        await this.d.store.begin();
        const out = await fn();
        await this.d.store.commit();
        return out;
      } catch (e) {
        await this.d.store.rollback();
        throw e;
      }
    });
  }

  private markDirty(sandboxId: string, key: Key, affected: Set<string> | 'all' = 'all'): void {
    const k = keyString(sandboxId, key);
    const cur = this.dirty.get(k);
    if (!cur) this.dirty.set(k, { sandboxId, key, affected: affected === 'all' ? 'all' : new Set(affected) });
    else if (cur.affected !== 'all') {
      if (affected === 'all') cur.affected = 'all';
      else for (const id of affected) cur.affected.add(id);
    }
  }

  private async applyChange(c: ProfileChange): Promise<void> {
    const defs = await this.d.definitions.compiled(c.sandboxId);
    if (defs.length === 0) return;
    if (!this.rememberedSandboxes.has(c.sandboxId)) {
      await this.d.store.rememberSandbox(c.sandboxId);
      this.rememberedSandboxes.add(c.sandboxId);
    }
    switch (c.kind) {
      case 'record': {
        if (c.changedLeaves === 0) return;
        this.markDirty(c.sandboxId, c.identity, new Set(defs.filter((d) => d.usesProfile).map((d) => d.def.id)));
        return;
      }
      case 'event': {
        const e = c.event && c.ts !== undefined ? { eventId: c.eventId, ts: c.ts, event: c.event } : await this.d.profileStore.findEvent(c.sandboxId, [c.identity], c.eventId);
        if (!e) return;
        const view = { id: e.eventId, ts: e.ts, event: e.event };
        // only definitions this event can matter to (and those reading computed attributes, which events move):
        // the prefilters of definitions that name this event's type, or no type
        const needs = this.eventNeeds(defs);
        const affected = new Set<string>(needs.caReaders);
        let keep = false;
        const type = view.event.eventType;
        const typed = typeof type === 'string' ? needs.byType.get(type) : undefined;
        for (const list of [typed, needs.untyped])
          if (list)
            for (const d of list)
              if (d.prefilter(view)) {
                keep = true;
                affected.add(d.def.id);
              }
        const projected = { id: view.id, ts: view.ts, event: project(view.event, needs.paths) };
        // the identity's first event: its state is known without reading the store
        if (c.eventCount === 1 && !this.state.get(c.sandboxId, c.identity)) this.state.set(c.sandboxId, c.identity, keep ? [projected] : []);
        else if (keep) this.state.add(c.sandboxId, c.identity, projected);
        this.markDirty(c.sandboxId, c.identity, affected);
        return;
      }
      case 'graph':
        this.markDirty(c.sandboxId, c.identity ?? { xid: c.xid! });
        return;
      case 'delete':
        this.rebuildState(c.sandboxId, c.identity);
        this.markDirty(c.sandboxId, c.identity);
        return;
    }
  }

  private readonly withDependencies = new WeakMap<CompiledDefinition[], boolean>();
  /** Whether some definition reads another's membership (`inSegment`). */
  private hasDependencies(defs: CompiledDefinition[]): boolean {
    let v = this.withDependencies.get(defs);
    if (v === undefined) this.withDependencies.set(defs, (v = defs.some((d) => d.def.dependencies.length > 0)));
    return v;
  }

  /**
   * What the sandbox's definitions together need from events: any one's prefilter, the union of their paths; and
   * the event users by the eventType their filters require (`untyped`: some filter takes any type).
   */
  private eventNeeds(defs: CompiledDefinition[]): EventNeeds {
    let n = this.needs.get(defs);
    if (!n) {
      const users = defs.filter((d) => d.usesEvents);
      const seen = new Set<string>();
      const paths: string[][] = [];
      for (const d of users)
        for (const p of d.eventPaths) {
          const k = JSON.stringify(p);
          if (!seen.has(k)) seen.add(k), paths.push(p);
        }
      const byType = new Map<string, CompiledDefinition[]>();
      const untyped: CompiledDefinition[] = [];
      for (const d of users)
        if (!d.eventTypes) untyped.push(d);
        else for (const t of d.eventTypes) (byType.get(t) ?? byType.set(t, []).get(t)!).push(d);
      const caReaders = defs.filter((d) => d.readsComputedAttributes).map((d) => d.def.id);
      n = { keep: (e) => users.some((d) => d.prefilter(e)), paths, byType, untyped, caReaders };
      this.needs.set(defs, n);
    }
    return n;
  }

  /**
   * The incremental state of an identity, shared by the sandbox's definitions: the events at least one
   * definition's prefilter keeps, projected to the fields any of them reads (each definition's own filters then
   * run over it; extra events and fields cannot change its answer). Built from the profile store on a cache miss.
   */
  private async stateOf(sandboxId: string, ref: IdentityRef, defs: CompiledDefinition[]): Promise<StateEvent[]> {
    const hit = this.state.get(sandboxId, ref);
    if (hit) return hit;
    const n = this.eventNeeds(defs);
    const list: StateEvent[] = [];
    for (const e of await this.d.profileStore.events(sandboxId, [ref], { order: 'desc', limit: this.d.profiles.guardrails.maxEventsPerProfile })) {
      const v = { id: e.eventId, ts: e.ts, event: e.event };
      if (n.keep(v)) list.push({ id: v.id, ts: v.ts, event: project(v.event, n.paths) });
    }
    return this.state.set(sandboxId, ref, list);
  }

  /** An identity's events changed beyond appends (deletes): its state is rebuilt when next needed. */
  rebuildState(sandboxId: string, ref: IdentityRef): void {
    this.state.forget(sandboxId, ref);
  }

  /**
   * Queues every known profile of a sandbox for streaming evaluation, with every state rebuilt when next needed (with
   * the definitions' current filters and fields): after a definition changed, and after an unclean stop.
   */
  async reevaluateAll(sandboxId: string): Promise<void> {
    const refs = await this.d.profileStore.allRefs(sandboxId);
    this.state.clear();
    for (const ref of refs) this.markDirty(sandboxId, ref);
    this.kick();
  }

  /** Re-evaluates profiles whose timers are due. Returns how many. */
  async runDueTimers(): Promise<number> {
    const now = this.d.clock.now();
    let n = 0;
    // a unit per page of due timers: the next page is read after this one's removals committed
    for (let page = PAGE; page === PAGE; n += page)
      page = await this.exclusive(async () => {
        const due = await this.d.store.dueTimers(now, PAGE);
        for (const t of due) {
          this.d.store.setTimer(t.sandboxId, t.ref, undefined);
          this.markDirty(t.sandboxId, t.ref);
        }
        return due.length;
      });
    if (n > 0) this.kick();
    await this.drain();
    return n;
  }

  /**
   * Evaluates one profile against the sandbox's definitions (streaming ones, or all in batch mode) and writes the
   * transitions. `only` restricts evaluation (and writes) to some definitions; `write: false` just answers.
   */
  async evaluateProfile(sandboxId: string, key: Key, mode: EvaluationMode, opts: { only?: Set<string>; affected?: Set<string>; write?: boolean; jobId?: string; precomputed?: Map<string, boolean> } = {}): Promise<ProfileEvaluation | undefined> {
    const defs = await this.d.definitions.compiled(sandboxId);
    if (defs.length === 0) return undefined;
    const sb = await this.sandboxRef(sandboxId, defs);
    if (!sb) return undefined;
    const write = opts.write ?? true;
    const r = await this.d.profiles.resolve(sb as never, key);
    if (!r.ok) {
      // no profile data left (deleted) or a graph over the guardrail: members exit
      if (r.error.status === 404 && write && !('xid' in key)) await this.exitAll(sandboxId, key, defs, mode, opts.jobId);
      return undefined;
    }
    const { members, entityId: pid } = r.value;
    const top = members.find((m) => m.xid === pid) ?? members[0]!;
    // what the synchronous part reads (memberships of the graph's profile ids, the timer); SQLite reads on demand
    const loading = this.d.store.prefetch(sandboxId, members.length === 1 ? [pid] : members.map((m) => m.xid), [top]);
    if (loading) await loading;
    // streaming: the definitions the changes affect, plus (transitively) the segments that read them
    let affected = opts.affected;
    if (affected && this.hasDependencies(defs)) {
      affected = new Set(affected);
      // defs are in dependency order: a segment reading an affected one is affected in the same pass
      for (const d of defs) if (d.def.dependencies.some((x) => affected!.has(x))) affected.add(d.def.id);
    }
    // in definition (dependency) order
    const selected = defs.filter((d) => (opts.only ? opts.only.has(d.def.id) : (mode === 'batch' || d.streaming) && (!affected || affected.has(d.def.id))));
    if (selected.length === 0) return undefined;
    // data is read for definitions evaluated here and for streaming ones (their timers need the view)
    const needJs = opts.precomputed ? selected.filter((d) => !opts.precomputed!.has(d.def.id) || d.streaming) : selected;
    let entity: Record<string, unknown> = {};
    if (needJs.some((d) => d.usesProfile)) {
      const withCA = needJs.some((d) => d.readsComputedAttributes);
      const caDefs = withCA ? await this.d.computedAttributes.list(sandboxId) : undefined;
      const e = await this.d.profiles.entityOf(sandboxId, r.value, { withCA }, caDefs);
      if (e.ok) entity = e.value.entity;
    }
    let events: EventsByType<StateEvent>;
    if (!needJs.some((d) => d.usesEvents)) events = new EventsByType<StateEvent>([]);
    // one identity (most profiles): its state as it is (StateCache never holds an event id twice; nothing here mutates it)
    else if (members.length === 1) events = new EventsByType(await this.stateOf(sandboxId, members[0]!, defs));
    else {
      // several: an event stored under two identities of the graph counts once
      const state = new Map<string, StateEvent>();
      for (const m of members) for (const e of await this.stateOf(sandboxId, m, defs)) state.set(e.id, e);
      events = new EventsByType([...state.values()]);
    }
    const prev = membershipsAcross(this.d.store, sandboxId, members, pid);
    const current = new Map<string, boolean>();
    const results = new Map<string, boolean>();
    const now = this.d.clock.now();
    const ctx = {
      now,
      inSegment(id: string): boolean {
        return current.get(id) ?? isIn(prev.get(id));
      },
    };
    let next: number | undefined;
    for (const d of selected) {
      const view = { entity, events: d.usesEvents ? events.of(d.eventTypes) : [] };
      let q = opts.precomputed?.get(d.def.id);
      if (d.streaming && d.usesNow) {
        // a time-dependent streaming definition: its answer and when it could change, in one pass
        const r = evaluateWithNextChange(d.root, view, ctx);
        q ??= r.value;
        if (r.next !== undefined && r.next > now && (next === undefined || r.next < next)) next = r.next;
      }
      q ??= evaluate(d.root, view, ctx);
      current.set(d.def.id, q);
      results.set(d.def.id, q);
      if (write) this.d.writer.apply(sandboxId, d.def, pid, top, prev.get(d.def.id), q, mode, opts.jobId);
    }
    if (write) {
      // a pending timer that comes first is kept (an early wake only re-evaluates, and sets the next one then):
      // a partial evaluation must keep it, and a full one saves a write, most events moving the next change later
      const cur = this.d.store.timerOf(sandboxId, top);
      if (cur !== undefined && cur > now && (next === undefined || cur < next)) next = cur;
      if (cur !== next) this.d.store.setTimer(sandboxId, top, next);
      for (const m of members) if (m.xid !== top.xid) this.d.store.setTimer(sandboxId, m, undefined);
    }
    return { pid, top, members, results };
  }

  private async exitAll(sandboxId: string, ref: IdentityRef, defs: CompiledDefinition[], mode: EvaluationMode, jobId?: string): Promise<void> {
    // a membership is written under the profile's entity identity with that identity's XID as profile id
    const xid = await this.d.profiles.xidOf(sandboxId, ref);
    const loading = this.d.store.prefetch(sandboxId, [xid], []);
    if (loading) await loading;
    const rows = this.d.store.membershipsOfPid(sandboxId, xid);
    for (const row of rows) {
      const d = defs.find((x) => x.def.id === row.segmentId);
      if (d && isIn(row)) this.d.writer.apply(sandboxId, d.def, row.pid, row.ref, row, false, mode, jobId);
    }
    this.d.store.setTimer(sandboxId, ref, undefined);
  }
}

const isIn = (m: MembershipRow | undefined): boolean => m !== undefined && m.status !== 'exited';
/** Due timers per unit of work. */
const PAGE = 1000;

/**
 * Profiles a unit of work takes when `waiting` are dirty: `small` while few wait, half of those waiting under a
 * backlog, never more than `busy` (never fewer than `small`, so a `busy` set below it changes nothing).
 */
export function unitSize(waiting: number, small: number, busy: number): number {
  return Math.max(small, Math.min(busy, Math.ceil(waiting / 2)));
}
