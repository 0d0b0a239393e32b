import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { uuid } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, notFound, type Problem } from '../shared/problem.js';
import type { DefinitionService, SandboxRef } from './definition-service.js';
import type { SegmentStore } from './segment-store.js';
import type { StreamingRuntime } from './streaming-runtime.js';
import { profileSnapshot, type SnapshotProfile } from './profile-snapshot.js';
import type { RuntimeDeps } from './streaming-runtime.js';
import { JOB_KIND, type CompiledDefinition } from './segment-types.js';
import { pageOf } from '../shared/paging.js';

export type JobStatus = 'NEW' | 'QUEUED' | 'PROCESSING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLING' | 'CANCELLED';

/** Batch evaluation of definitions over a profile snapshot (the DuckDB SQL back end). */
export interface BatchEvaluator {
  /** `profiles` is streamed (bulk-loaded as it is read), so a job never holds every merged profile in memory. */
  evaluate(defs: CompiledDefinition[], profiles: AsyncIterable<SnapshotProfile>, memberships: Array<{ pid: string; segmentId: string }>, now: number): Promise<{ members: Map<string, Set<string>>; notCompiled: string[]; sqlSeconds: number; loadSeconds: number }>;
}

export interface SegmentJob {
  id: string;
  imsOrgId: string;
  sandbox: { sandboxId: string; sandboxName: string };
  profileInstanceId: 'ups';
  source: string;
  status: JobStatus;
  batchId: string;
  computeJobId: string;
  segments: Array<{ segmentId: string; segment: { id: string; expression: unknown; mergePolicyId?: string } }>;
  metrics: Record<string, unknown>;
  requestId: string;
  schema: { name: string };
  /** A scheduled job's `{ scheduleId, runId }`. */
  properties?: Record<string, string>;
  errors?: Array<{ code: string; msg: string }>;
  _links: Record<string, { href: string; method: string }>;
  creationTime: number;
  updateTime: number;
  updateEpoch: number;
}

/**
 * Segment jobs (`/data/core/ups/segment/jobs`): full re-evaluation of definitions over every profile. The profiles
 * are snapshotted (merged, with their events) into DuckDB and the definitions run as one compiled SQL query per
 * dependency layer; definitions the compiler cannot express are evaluated by the JS evaluator. Transitions are
 * written exactly like streaming ones (realized / existing / exited, with audience-membership events).
 * Jobs run one at a time per process, in creation order.
 */
export class SegmentJobService {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly cancelled = new Set<string>();

  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
    private readonly definitions: DefinitionService,
    private readonly store: SegmentStore,
    private readonly runtime: StreamingRuntime,
    private readonly deps: Pick<RuntimeDeps, 'profiles' | 'profileStore' | 'computedAttributes'>,
    private readonly sql?: BatchEvaluator,
  ) {}

  async create(sb: SandboxRef, body: unknown, source = 'api', properties?: Record<string, string>): Promise<Result<SegmentJob, Problem>> {
    const items = Array.isArray(body) ? body : [];
    if (items.length === 0) return err(badRequest('Body must be a non-empty array of { "segmentId": "…" }'));
    const defs = await this.definitions.compiled(sb.sandbox.id);
    const ids: string[] = [];
    for (const it of items) {
      const id = (it as { segmentId?: unknown })?.segmentId;
      if (typeof id !== 'string') return err(badRequest('Every item needs a segmentId'));
      if (id === '*') ids.push(...defs.map((d) => d.def.id));
      else if (!defs.some((d) => d.def.id === id)) return err(badRequest(`Segment definition ${id} not found`));
      else ids.push(id);
    }
    const selected = defs.filter((d) => ids.includes(d.def.id));
    const now = this.clock.now();
    const id = uuid();
    const job: SegmentJob = {
      id,
      imsOrgId: sb.orgId,
      sandbox: { sandboxId: sb.sandbox.id, sandboxName: sb.sandbox.name },
      profileInstanceId: 'ups',
      source,
      status: 'QUEUED',
      batchId: uuid(),
      computeJobId: id,
      segments: selected.map((d) => ({ segmentId: d.def.id, segment: { id: d.def.id, expression: d.def.expression, ...(d.def.mergePolicyId ? { mergePolicyId: d.def.mergePolicyId } : {}) } })),
      metrics: {},
      requestId: uuid(),
      schema: { name: '_xdm.context.profile' },
      ...(properties ? { properties } : {}),
      _links: { cancel: { href: `/segment/jobs/${id}`, method: 'DELETE' }, checkStatus: { href: `/segment/jobs/${id}`, method: 'GET' } },
      creationTime: now,
      updateTime: now,
      updateEpoch: Math.floor(now / 1000),
    };
    await this.resources.put(JOB_KIND, sb.sandbox.id, id, job);
    const run = this.chain.then(() => this.run(sb, job.id, selected));
    this.chain = run.catch(() => undefined);
    return ok(job);
  }

  async get(sb: SandboxRef, id: string): Promise<Result<SegmentJob, Problem>> {
    const r = await this.resources.get<SegmentJob>(JOB_KIND, sb.sandbox.id, id);
    return r ? ok(r.doc) : err(notFound(`Segment job ${id} not found`));
  }

  async list(sb: SandboxRef, q: { status?: string; start?: number; limit?: number; segmentId?: string } = {}): Promise<{ _page: Record<string, unknown>; children: SegmentJob[]; _links: Record<string, unknown> }> {
    let all = (await this.resources.list<SegmentJob>(JOB_KIND, sb.sandbox.id, { limit: 100_000 })).map((r) => r.doc);
    if (q.status) all = all.filter((j) => j.status === q.status!.toUpperCase());
    if (q.segmentId) all = all.filter((j) => j.segments.some((s) => s.segmentId === q.segmentId));
    all.sort((a, b) => b.creationTime - a.creationTime || b.id.localeCompare(a.id));
    const { items: children, limit, next } = pageOf(all, q);
    return { _page: { totalCount: all.length, pageSize: children.length }, children, _links: next !== undefined ? { next: { href: `?start=${next}&limit=${limit}` } } : {} };
  }

  async cancel(sb: SandboxRef, id: string): Promise<Result<SegmentJob, Problem>> {
    const j = await this.get(sb, id);
    if (!j.ok) return j;
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.value.status)) return ok(j.value);
    this.cancelled.add(id);
    return ok(await this.update(sb.sandbox.id, id, { status: 'CANCELLING' }));
  }

  /** Waits for every queued job (tests, shutdown). */
  async idle(): Promise<void> {
    await this.chain;
  }

  private async update(sandboxId: string, id: string, patch: Partial<SegmentJob>): Promise<SegmentJob> {
    const cur = (await this.resources.get<SegmentJob>(JOB_KIND, sandboxId, id))!.doc;
    const now = this.clock.now();
    const next = { ...cur, ...patch, updateTime: now, updateEpoch: Math.floor(now / 1000) };
    await this.resources.put(JOB_KIND, sandboxId, id, next);
    return next;
  }

  private async run(sb: SandboxRef, id: string, selected: CompiledDefinition[]): Promise<void> {
    const sandboxId = sb.sandbox.id;
    if (this.cancelled.has(id)) {
      await this.update(sandboxId, id, { status: 'CANCELLED' });
      return;
    }
    const t0 = this.clock.now();
    const w0 = performance.now();
    await this.update(sandboxId, id, { status: 'PROCESSING' });
    try {
      this.runtime.rememberSandbox(sb);
      await this.runtime.drain();
      const withCA = selected.some((d) => d.readsComputedAttributes);
      // the snapshot streams into the evaluator; only each profile's id and entity identity stay in memory
      const profiles: Array<Pick<SnapshotProfile, 'pid' | 'top'>> = [];
      const snapshot = async function* (it: AsyncIterable<SnapshotProfile>) {
        for await (const p of it) {
          profiles.push({ pid: p.pid, top: p.top });
          yield p;
        }
      };
      const refs = await this.deps.profileStore.allRefs(sandboxId);
      const now = this.clock.now();
      let precomputed: Map<string, Map<string, boolean>> | undefined;
      let sqlInfo: Record<string, unknown> = { engine: 'js' };
      if (this.sql && refs.length > 0) {
        const selectedIds = new Set(selected.map((d) => d.def.id));
        const memberships: Array<{ pid: string; segmentId: string }> = [];
        for (const d of await this.definitions.compiled(sandboxId))
          if (!selectedIds.has(d.def.id)) for (const m of await this.store.members(sandboxId, d.def.id)) memberships.push({ pid: m.pid, segmentId: d.def.id });
        const r = await this.sql.evaluate(selected, snapshot(profileSnapshot(this.deps, sb, refs, { withEvents: selected.some((d) => d.usesEvents), withCA })), memberships, now);
        precomputed = new Map();
        for (const p of profiles) {
          const m = new Map<string, boolean>();
          for (const d of selected) if (!r.notCompiled.includes(d.def.id)) m.set(d.def.id, r.members.get(d.def.id)?.has(p.pid) ?? false);
          precomputed.set(p.pid, m);
        }
        sqlInfo = { engine: 'duckdb', sqlSeconds: r.sqlSeconds, loadSeconds: r.loadSeconds, jsFallback: r.notCompiled };
      } else for await (const _ of snapshot(profileSnapshot(this.deps, sb, refs, { withEvents: false, withCA: false })));
      const only = new Set(selected.map((d) => d.def.id));
      const counter: Record<string, number> = {};
      const byStatus: Record<string, Record<string, number>> = {};
      const byNs: Record<string, Record<string, number>> = {};
      for (const d of selected) {
        counter[d.def.id] = 0;
        byStatus[d.def.id] = { realized: 0, existing: 0, exited: 0 };
        byNs[d.def.id] = {};
      }
      // transitions are written in units of 500 profiles (one transaction each), taking turns with streaming
      for (let i = 0; i < profiles.length && !this.cancelled.has(id); i += 500)
        await this.runtime.exclusive(async () => {
          for (const p of profiles.slice(i, i + 500)) {
            const ev = await this.runtime.evaluateProfile(sandboxId, p.top, 'batch', { only, jobId: id, precomputed: precomputed?.get(p.pid) });
            if (!ev) continue;
            for (const [seg, q] of ev.results) {
              if (!q) continue;
              counter[seg]!++;
              byNs[seg]![ev.top.namespace] = (byNs[seg]![ev.top.namespace] ?? 0) + 1;
            }
          }
        });
      for (const d of selected)
        for (const m of await this.store.memberships(sandboxId, d.def.id)) byStatus[d.def.id]![m.status] = (byStatus[d.def.id]![m.status] ?? 0) + 1;
      const t1 = this.clock.now();
      const wall = Math.round(performance.now() - w0);
      await this.update(sandboxId, id, {
        status: this.cancelled.has(id) ? 'CANCELLED' : 'SUCCEEDED',
        metrics: {
          totalTime: { startTimeInMs: t0, endTimeInMs: t1, totalTimeInMs: wall },
          profileSegmentationTime: { startTimeInMs: t0, endTimeInMs: t1, totalTimeInMs: wall },
          totalProfiles: profiles.length,
          segmentedProfileCounter: counter,
          segmentedProfileByNamespaceCounter: byNs,
          segmentedProfileByStatusCounter: byStatus,
          totalProfilesByMergePolicy: {},
          kith: sqlInfo,
        },
      });
    } catch (e) {
      await this.update(sandboxId, id, { status: 'FAILED', errors: [{ code: 'SEGMENT-JOB-FAILED', msg: e instanceof Error ? e.message : String(e) }] });
    } finally {
      this.cancelled.delete(id);
    }
  }
}
