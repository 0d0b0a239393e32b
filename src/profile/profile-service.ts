import { Serial } from '../shared/serial.js';
import type { Clock } from '../shared/clock.js';
import { ok, err, type Result } from '../shared/result.js';
import { notFound, problem, unprocessable, type Problem } from '../shared/problem.js';
import { applyLeaves, flatten, mergeFragments, pickFields, type Fragment } from './fragment-merge.js';
import { provenanceOf, type AttributeSource } from './attribute-provenance.js';
import {
  DEFAULT_NAMESPACE_PRIORITY, highestPriority, type GraphMember, type IdentityRef, type IdentityResolver,
} from './identity-resolver.js';
import { nsKey, type EventQuery, type FragmentStore, type ProfileWriter, type StoredEvent, type WriteScopeItem } from './fragment-store.js';
import type { MergePolicy, MergePolicyService, SandboxRef } from './merge-policy-service.js';
import { caValue, foldEvent, type ComputedAttributeService } from './computed-attributes.js';
import { matchesFilters, type PropertyFilter } from './event-filter.js';
import type { MembershipSource } from './membership-source.js';

export interface Guardrails {
  maxEventBytes: number;
  maxRecordBytes: number;
  /** Events kept per profile identity for segmentation; the oldest are aged out. */
  maxEventsPerProfile: number;
  /** Graphs with more identities are refused on lookup (422). */
  maxGraphIdentities: number;
}
export const DEFAULT_GUARDRAILS: Guardrails = { maxEventBytes: 10 * 1024, maxRecordBytes: 100 * 1024, maxEventsPerProfile: 5000, maxGraphIdentities: 50 };

export interface RecordInput {
  datasetId: string;
  batchId: string;
  xactionId?: string;
  primary: IdentityRef;
  record: Record<string, unknown>;
  /** Event time of the record (see recordEventTime); defaults to ingestion time. */
  eventTime?: number;
}
export interface EventInput {
  datasetId: string;
  batchId: string;
  primary: IdentityRef;
  event: Record<string, unknown>;
  /** `event` as JSON text, when the caller has it (the processor's validation encoded it): not encoded again. */
  json?: string;
  /** Defaults to Date.parse(event.timestamp), else ingestion time. */
  eventTime?: number;
}

export type ProfileChange =
  | { sandboxId: string; kind: 'record'; identity: IdentityRef; datasetId: string; changedLeaves: number }
  | { sandboxId: string; kind: 'event'; identity: IdentityRef; datasetId: string; eventId: string; eventCount: number; ts?: number; event?: Record<string, unknown> }
  /** The graph of `identity` (or of `xid`) changed: merged views that include it may differ now. */
  | { sandboxId: string; kind: 'graph'; identity?: IdentityRef; xid?: string }
  | { sandboxId: string; kind: 'delete'; identity: IdentityRef };
export type ProfileChangeListener = (c: ProfileChange) => void;

/** One item of applyBatch. */
export type BatchItem = { sandboxId: string; kind: 'record'; input: RecordInput } | { sandboxId: string; kind: 'event'; input: EventInput };
type ComputedAttributeDef = Awaited<ReturnType<ComputedAttributeService['list']>>[number];

export type ProfileKey = IdentityRef | { xid: string };
export interface GetProfileOptions {
  mergePolicyId?: string;
  fields?: string[];
  withCA?: boolean;
  /** Kith: add `provenance`, the source of each attribute (attribute-provenance.ts). */
  withProvenance?: boolean;
}

/** One entry of the entities response (§5.2), keyed by `entityId` in the response object. */
export interface ProfileEntity {
  entityId: string;
  mergePolicy: { id: string };
  sources: string[];
  tags: string[];
  identityGraph: string[];
  entity: Record<string, unknown>;
  lastModifiedAt: string;
  /** withProvenance: dotted attribute path → the fragment its value came from. */
  provenance?: Record<string, AttributeSource>;
}

export interface ResolvedProfile {
  entityId: string;
  policy: MergePolicy;
  members: GraphMember[];
}

export interface EventsQuery {
  startTime?: number;
  endTime?: number;
  limit?: number;
  order?: 'asc' | 'desc';
  start?: string;
  fields?: string[];
  /** `property=` filters (all must hold), see event-filter.ts. */
  property?: PropertyFilter[];
}
export interface EventPage {
  relatedEntityId: string;
  children: Array<{ relatedEntityId: string; entityId: string; timestamp: number; entity: Record<string, unknown>; lastModifiedAt: string }>;
  /** Event id of the first event of the next page, '' on the last page. */
  next: string;
}

const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const sizeOf = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));

/**
 * Real-Time Customer Profile facade. The pipeline calls applyRecord/applyEvent; the entities API calls
 * getProfile/getEvents. Merged views are computed on read from the fragments of the graph's identities, so they follow
 * identity merges, splits and unlinks immediately; graph changes are re-emitted as ProfileChange 'graph'.
 */
export class ProfileService {
  private readonly listeners = new Set<ProfileChangeListener>();
  readonly guardrails: Guardrails;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: FragmentStore,
    private readonly identities: IdentityResolver,
    private readonly policies: MergePolicyService,
    private readonly cas: ComputedAttributeService,
    private readonly clock: Clock,
    guardrails: Partial<Guardrails> = {},
  ) {
    this.guardrails = { ...DEFAULT_GUARDRAILS, ...guardrails };
    this.unsubscribe = identities.onGraphChange((c) => {
      for (const identity of c.identities) this.emit({ sandboxId: c.sandboxId, kind: 'graph', identity });
      for (const xid of c.xids ?? []) this.emit({ sandboxId: c.sandboxId, kind: 'graph', xid });
    });
  }

  private memberships: MembershipSource | undefined;
  /** Where `segmentMembership.ups.*` of merged entities is read from (segmentation's store; none: not shown). */
  useMemberships(src: MembershipSource | undefined): void {
    this.memberships = src;
  }

  onProfileChange(l: ProfileChangeListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  private emit(c: ProfileChange): void {
    for (const l of this.listeners) l(c);
  }
  close(): void {
    this.unsubscribe();
  }

  /** Upserts a record into the fragment (dataset, primary identity), leaf by leaf by event time. */
  async applyRecord(sandboxId: string, r: RecordInput): Promise<Result<{ changedLeaves: number }, Problem>> {
    const changes: ProfileChange[] = [];
    const res = await this.exclusive(() => this.store.write([{ sandboxId, ref: r.primary }], (w) => this.recordInTx(w, sandboxId, r, this.clock.now(), changes)));
    for (const c of changes) this.emit(c);
    return res;
  }

  /** Appends an event (deduplicated by `_id`) to its primary identity; updates computed attributes. */
  async applyEvent(sandboxId: string, e: EventInput): Promise<Result<{ inserted: boolean; eventCount: number; evicted: number }, Problem>> {
    const defs = await this.cas.list(sandboxId);
    const changes: ProfileChange[] = [];
    const res = await this.exclusive(() => this.store.write([this.scopeOf({ sandboxId, kind: 'event', input: e })], (w) => this.eventInTx(w, sandboxId, e, defs, this.clock.now(), changes)));
    for (const c of changes) this.emit(c);
    return res;
  }

  /** What one chunk item may touch in the store (see WriteScope). */
  private scopeOf(it: BatchItem): WriteScopeItem {
    const id = it.kind === 'event' ? it.input.event._id : undefined;
    return typeof id === 'string' && id !== ''
      ? { sandboxId: it.sandboxId, ref: it.input.primary, event: { eventId: id, cap: this.guardrails.maxEventsPerProfile } }
      : { sandboxId: it.sandboxId, ref: it.input.primary };
  }

  private readonly writes = new Serial();
  /**
   * Runs the writes of `fn` after those under way (a chunk, a recompute after a delete, a backfill): a recompute
   * reads events before it writes, and a chunk landing in between would be overwritten.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.writes.run(fn);
  }

  /**
   * Applies many records and events (the pipeline's chunk) in ONE store transaction, in the given order; change
   * notifications follow the commit. Each item gets its own result (a refused item does not stop the others).
   */
  async applyBatch(items: readonly BatchItem[]): Promise<Array<Result<unknown, Problem>>> {
    const defs = new Map<string, ComputedAttributeDef[]>();
    for (const it of items) if (it.kind === 'event' && !defs.has(it.sandboxId)) defs.set(it.sandboxId, await this.cas.list(it.sandboxId));
    const changes: ProfileChange[] = [];
    const now = this.clock.now();
    const out = await this.exclusive(() =>
      this.store.write(items.map((it) => this.scopeOf(it)), (w) =>
        items.map((it) => (it.kind === 'record' ? this.recordInTx(w, it.sandboxId, it.input, now, changes) : this.eventInTx(w, it.sandboxId, it.input, defs.get(it.sandboxId)!, now, changes))),
      ),
    );
    for (const c of changes) this.emit(c);
    return out;
  }

  private recordInTx(w: ProfileWriter, sandboxId: string, r: RecordInput, now: number, changes: ProfileChange[]): Result<{ changedLeaves: number }, Problem> {
    const bytes = sizeOf(r.record);
    if (bytes > this.guardrails.maxRecordBytes)
      return err(problem(413, 'Payload Too Large', `Profile record is ${bytes} bytes; the limit is ${this.guardrails.maxRecordBytes} bytes`, { code: 'PROFILE-RECORD-TOO-LARGE' }));
    const ts = r.eventTime ?? now;
    const cur: Fragment = w.getFragment(sandboxId, r.datasetId, r.primary) ?? {
      datasetId: r.datasetId, namespace: r.primary.namespace, id: r.primary.id, leaves: {}, tags: [], updatedAt: now,
    };
    const n = applyLeaves(cur.leaves, flatten(r.record, ts));
    const tag = r.xactionId ?? r.batchId;
    if (tag && !cur.tags.includes(tag)) cur.tags.push(tag);
    if (r.batchId && r.batchId !== tag && !cur.tags.includes(r.batchId)) cur.tags.push(r.batchId);
    cur.updatedAt = now;
    w.putFragment(sandboxId, cur);
    changes.push({ sandboxId, kind: 'record', identity: r.primary, datasetId: r.datasetId, changedLeaves: n });
    return ok({ changedLeaves: n });
  }

  private eventInTx(w: ProfileWriter, sandboxId: string, e: EventInput, defs: readonly ComputedAttributeDef[], now: number, changes: ProfileChange[]): Result<{ inserted: boolean; eventCount: number; evicted: number }, Problem> {
    // encoded once: its size here, its stored body in addEvent
    const json = e.json ?? JSON.stringify(e.event);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.guardrails.maxEventBytes)
      return err(problem(413, 'Payload Too Large', `ExperienceEvent is ${bytes} bytes; the limit is ${this.guardrails.maxEventBytes} bytes`, { code: 'PROFILE-EVENT-TOO-LARGE' }));
    const eventId = e.event._id;
    if (typeof eventId !== 'string' || eventId === '') return err(unprocessable('ExperienceEvent has no _id'));
    const parsed = typeof e.event.timestamp === 'string' ? Date.parse(e.event.timestamp) : NaN;
    const ts = e.eventTime ?? (Number.isFinite(parsed) ? parsed : now);
    const r = w.addEvent(sandboxId, { eventId, namespace: e.primary.namespace, id: e.primary.id, datasetId: e.datasetId, batchId: e.batchId, ts, event: e.event, ingestedAt: now }, this.guardrails.maxEventsPerProfile, json);
    if (r.inserted) {
      for (const d of defs) {
        const s = foldEvent(w.getCa(sandboxId, d.id, e.primary), d.expression, e.event, ts, now);
        if (s) w.putCa(sandboxId, d.id, e.primary, s);
      }
      changes.push({ sandboxId, kind: 'event', identity: e.primary, datasetId: e.datasetId, eventId, eventCount: r.count, ts, event: e.event });
    }
    return ok({ inserted: r.inserted, eventCount: r.count, evicted: r.evicted.length });
  }

  /** The XID of an identity (deterministic, known or not). */
  async xidOf(sandboxId: string, ref: IdentityRef): Promise<string> {
    return this.identities.xidOf(sandboxId, ref);
  }

  /** Resolves a key to the profile's identities under a merge policy; 404 when no data, 422 when the graph is too big. */
  async resolve(sb: SandboxRef, key: ProfileKey, mergePolicyId?: string): Promise<Result<ResolvedProfile, Problem>> {
    const sandboxId = sb.sandbox.id;
    let policy: MergePolicy;
    if (mergePolicyId) {
      const p = await this.policies.get(sb, mergePolicyId);
      if (!p.ok) return err(notFound(`Merge policy ${mergePolicyId} not found`));
      policy = p.value;
    } else policy = await this.policies.defaultPolicy(sb);
    let ref: IdentityRef | undefined;
    if ('xid' in key) {
      ref = await this.identities.resolveXid(sandboxId, key.xid);
      if (!ref) return err(problem(404, 'XDM objects not found', `No profile for XID ${key.xid}`));
    } else ref = key;
    let members: GraphMember[];
    const graph = policy.identityGraph.type === 'pdg' ? await this.identities.graphOf(sandboxId, ref) : undefined;
    if (graph) {
      if (graph.members.length > this.guardrails.maxGraphIdentities)
        return err(problem(422, 'Too many related identities', `The identity graph has ${graph.members.length} identities; the limit is ${this.guardrails.maxGraphIdentities}`));
      members = graph.members;
    } else members = [{ ...ref, xid: await this.identities.xidOf(sandboxId, ref) }];
    const prio = (await this.identities.namespacePriority?.(sandboxId)) ?? DEFAULT_NAMESPACE_PRIORITY;
    const top = highestPriority(members, prio)!;
    return ok({ entityId: top.xid, policy, members });
  }

  /** The merged profile entity (§5.2). */
  async getProfile(sb: SandboxRef, key: ProfileKey, opts: GetProfileOptions = {}): Promise<Result<ProfileEntity, Problem>> {
    const r = await this.resolve(sb, key, opts.mergePolicyId);
    if (!r.ok) return r;
    const defs = opts.withCA ? await this.cas.list(sb.sandbox.id) : undefined;
    return await this.entityOf(sb.sandbox.id, r.value, opts, defs);
  }

  /** Builds the entity for already-resolved identities (used by getProfile, segmentation and the benchmark). */
  async entityOf(sandboxId: string, r: ResolvedProfile, opts: GetProfileOptions = {}, caDefs?: Awaited<ReturnType<ComputedAttributeService['list']>>): Promise<Result<ProfileEntity, Problem>> {
    // memberships live in another store: read them while the fragments are read (one round trip less on PostgreSQL);
    // not read at all when the caller's fields leave them out
    const wantsMemberships = !opts.fields?.length || opts.fields.some((f) => f === 'segmentMembership' || f.startsWith('segmentMembership.'));
    const membershipsRead = wantsMemberships ? this.memberships?.membershipsOf(sandboxId, r.members, r.entityId) : undefined;
    // a failed fragment read must not leave the membership read's rejection unhandled
    if (membershipsRead instanceof Promise) membershipsRead.catch(() => undefined);
    const frags = await this.store.fragmentsOf(sandboxId, r.members);
    const hasEvents = frags.length === 0 ? (await this.store.countEvents(sandboxId, r.members)) > 0 : true;
    if (frags.length === 0 && !hasEvents) return err(problem(404, 'XDM objects not found', 'No profile for this identity'));
    let entity = mergeFragments(frags, r.policy.attributeMerge);
    const sources = [...new Set(frags.filter((f) => r.policy.attributeMerge.type !== 'dataSetPrecedence' || r.policy.attributeMerge.order.includes(f.datasetId)).map((f) => f.datasetId))];
    const tags = [...new Set(frags.flatMap((f) => f.tags))];
    let last = 0;
    for (const f of frags) last = Math.max(last, f.updatedAt);
    // audience memberships live in segmentation's store, read with the graph's identities (newest per segment)
    const ms = await membershipsRead;
    if (ms && ms.size > 0) {
      const sm = (entity.segmentMembership ?? {}) as Record<string, Record<string, unknown>>;
      const ups: Record<string, unknown> = { ...(sm.ups ?? {}) };
      entity.segmentMembership = { ...sm, ups };
      for (const [segmentId, m] of ms) {
        ups[segmentId] = { status: m.status, lastQualificationTime: m.lastQualificationTime, version: m.version };
        last = Math.max(last, m.at);
      }
    }
    if (opts.withCA && caDefs) {
      const now = this.clock.now();
      const ca: Record<string, unknown> = {};
      for (const d of caDefs) {
        ca[d.name] = caValue(await this.store.caStates(sandboxId, d.id, r.members), d.expression, now);
      }
      entity.computedAttributes = ca;
    }
    const wantIdentities = opts.fields?.includes('identities') ?? false;
    if (opts.fields && opts.fields.length > 0) {
      const paths = opts.fields.filter((f) => f !== 'identities');
      if (opts.withCA && !paths.includes('computedAttributes')) paths.push('computedAttributes');
      entity = pickFields(entity, paths);
    }
    if (wantIdentities)
      entity.identities = r.members.map((m) => ({ id: m.id, namespace: { code: m.namespace }, primary: m.xid === r.entityId }));
    return ok({
      entityId: r.entityId,
      mergePolicy: { id: r.policy.id },
      sources,
      tags,
      identityGraph: r.members.map((m) => m.xid),
      entity,
      lastModifiedAt: iso(last),
      ...(opts.withProvenance ? { provenance: provenanceOf(frags, r.policy.attributeMerge) } : {}),
    });
  }

  /** ExperienceEvents of a profile (§5.3), paged by (timestamp, _id). */
  async getEvents(sb: SandboxRef, key: ProfileKey, q: EventsQuery = {}, mergePolicyId?: string): Promise<Result<EventPage, Problem>> {
    const r = await this.resolve(sb, key, mergePolicyId);
    if (!r.ok) return r;
    const sandboxId = sb.sandbox.id;
    const order = q.order ?? 'asc';
    const limit = Math.max(1, Math.min(q.limit ?? 1000, 1000));
    let from: { ts: number; eventId: string } | undefined;
    if (q.start) {
      const e = await this.store.findEvent(sandboxId, r.value.members, q.start);
      if (!e) return err(problem(400, 'Bad Request', `Unknown paging start ${q.start}`));
      from = { ts: e.ts, eventId: e.eventId };
    }
    const rows = q.property && q.property.length > 0
      ? await this.filteredEvents(sandboxId, r.value.members, { startTime: q.startTime, endTime: q.endTime, from, order, limit: limit + 1 }, q.property)
      : await this.store.events(sandboxId, r.value.members, { startTime: q.startTime, endTime: q.endTime, from, order, limit: limit + 1 });
    if (rows.length === 0 && !from && (await this.store.fragmentsOf(sandboxId, r.value.members)).length === 0 && (await this.store.countEvents(sandboxId, r.value.members)) === 0)
      return err(problem(404, 'XDM objects not found', 'No profile for this identity'));
    const page = rows.slice(0, limit);
    const toChild = (e: StoredEvent) => ({
      relatedEntityId: r.value.entityId,
      entityId: e.eventId,
      timestamp: e.ts,
      entity: q.fields && q.fields.length > 0 ? pickFields(e.event, q.fields) : e.event,
      lastModifiedAt: iso(e.ingestedAt),
    });
    return ok({ relatedEntityId: r.value.entityId, children: page.map(toChild), next: rows.length > limit ? rows[limit]!.eventId : '' });
  }

  /** Events matching `filters`, read from the store in chunks (the cursor continues after the last row read). */
  private async filteredEvents(sandboxId: string, members: readonly IdentityRef[], q: EventQuery, filters: readonly PropertyFilter[]): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    const chunk = Math.max(100, q.limit * 4);
    let from = q.from;
    let skip: string | undefined; // the cursor is inclusive: the row it names was read already
    for (;;) {
      const rows = await this.store.events(sandboxId, members, { ...q, from, limit: chunk + (skip ? 1 : 0) });
      for (const e of rows) {
        if (skip !== undefined && e.eventId === skip && e.ts === from?.ts) continue;
        if (matchesFilters(e.event, filters)) {
          out.push(e);
          if (out.length >= q.limit) return out;
        }
      }
      if (rows.length < chunk + (skip ? 1 : 0)) return out;
      const last = rows[rows.length - 1]!;
      from = { ts: last.ts, eventId: last.eventId };
      skip = last.eventId;
    }
  }

  /** Deletes the data of a profile: under pdg every identity of its graph. Returns removed row count. */
  async deleteProfile(sb: SandboxRef, key: ProfileKey): Promise<Result<{ removed: number }, Problem>> {
    const r = await this.resolve(sb, key);
    if (!r.ok) return r;
    const removed = await this.exclusive(() => this.store.deleteIdentities(sb.sandbox.id, r.value.members));
    if (removed === 0) return err(problem(404, 'XDM objects not found', 'No profile for this identity'));
    for (const m of r.value.members) this.emit({ sandboxId: sb.sandbox.id, kind: 'delete', identity: m });
    return ok({ removed });
  }

  async deleteByDataset(sandboxId: string, datasetId: string): Promise<{ removed: number }> {
    const r = await this.exclusive(async () => {
      const r = await this.store.deleteByDataset(sandboxId, datasetId);
      await this.recomputeCa(sandboxId, r.identities);
      return r;
    });
    for (const identity of r.identities) this.emit({ sandboxId, kind: 'delete', identity });
    return { removed: r.removed };
  }
  async deleteByBatch(sandboxId: string, batchId: string): Promise<{ removed: number }> {
    const r = await this.exclusive(async () => {
      const r = await this.store.deleteByBatch(sandboxId, batchId);
      await this.recomputeCa(sandboxId, r.identities);
      return r;
    });
    for (const identity of r.identities) this.emit({ sandboxId, kind: 'delete', identity });
    return { removed: r.removed };
  }

  /** Recomputes computed attributes of the touched identities from their remaining events (after a bulk delete). */
  private async recomputeCa(sandboxId: string, ids: readonly IdentityRef[]): Promise<void> {
    const defs = await this.cas.list(sandboxId);
    if (defs.length > 0) await this.foldAll(sandboxId, ids, defs);
  }

  /** Backfills a new computed attribute from the stored events of the sandbox. */
  async backfillComputedAttribute(sandboxId: string, caId: string): Promise<void> {
    const defs = await this.cas.list(sandboxId);
    const d = defs.find((x) => x.id === caId);
    if (!d) return;
    await this.exclusive(async () => this.foldAll(sandboxId, await this.store.allEventRefs(sandboxId), [d]));
  }

  /** Folds every stored event of each identity into fresh states of `defs`; one unit of work per page of identities. */
  private async foldAll(sandboxId: string, ids: readonly IdentityRef[], defs: readonly ComputedAttributeDef[]): Promise<void> {
    const now = this.clock.now();
    for (let i = 0; i < ids.length; i += FOLD_PAGE) {
      const page = ids.slice(i, i + FOLD_PAGE);
      const states: Array<[IdentityRef, string, NonNullable<ReturnType<typeof foldEvent>>]> = [];
      for (const ref of page) {
        const events = await this.store.events(sandboxId, [ref], { order: 'asc', limit: 1_000_000 });
        for (const d of defs) {
          let s = {} as NonNullable<ReturnType<typeof foldEvent>>;
          for (const e of events) s = foldEvent(s, d.expression, e.event, e.ts, now) ?? s;
          states.push([ref, d.id, s]);
        }
      }
      await this.store.write(page.map((ref) => ({ sandboxId, ref })), (w) => {
        for (const [ref, caId, s] of states) w.putCa(sandboxId, caId, ref, s);
      });
    }
  }
}

/** Identities per unit of work when computed attributes are folded again from stored events. */
const FOLD_PAGE = 500;

export { nsKey };
