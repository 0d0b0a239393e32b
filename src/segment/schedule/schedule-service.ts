import type { ResourceStore } from '../../store/resource-store.js';
import type { Clock } from '../../shared/clock.js';
import { uuid } from '../../shared/ids.js';
import { err, ok, type Result } from '../../shared/result.js';
import { badRequest, notFound, type Problem } from '../../shared/problem.js';
import type { DefinitionService, SandboxRef } from '../definition-service.js';
import type { SegmentJob } from '../job-service.js';
import { lastFire, onceADay, parseCron } from './cron.js';
import { pageOf } from '../../shared/paging.js';

export const SCHEDULE_KIND = 'segment-schedule';
/** Sandboxes that have (or had) schedules: what the scheduler looks through. */
const SANDBOX_INDEX_KIND = 'segment-schedule-sandbox';
/** AEP generates a schedule when none is given: every day at 01:00 UTC. */
export const DEFAULT_CRON = '0 0 1 * * ?';

export interface Schedule {
  id: string;
  imsOrgId: string;
  sandbox: { sandboxId: string; sandboxName: string; type: string; default: boolean };
  name: string;
  state: 'active' | 'inactive';
  type: 'batch_segmentation';
  schedule: string;
  properties: { segments: string[] };
  createEpoch: number;
  updateEpoch: number;
}

/** What the scheduler keeps beside a schedule (not part of the AEP object). */
interface Stored extends Schedule {
  /** The fire time (ms) last run, or the time the schedule (or its cron, or its activation) took effect. */
  _kithHandledUpTo: number;
}

export type CreateJob = (sb: SandboxRef, body: unknown, source: string, properties: Record<string, string>) => Promise<Result<SegmentJob, Problem>>;

const strip = ({ _kithHandledUpTo: _h, ...s }: Stored): Schedule => s;
const sbOfSchedule = (s: Schedule): SandboxRef => ({ orgId: s.imsOrgId, sandbox: { id: s.sandbox.sandboxId, name: s.sandbox.sandboxName, type: s.sandbox.type, isDefault: s.sandbox.default } });

/**
 * Schedules (`/data/core/ups/config/schedules`): batch segmentation jobs run by a Quartz cron expression (UTC), at
 * most once a day as AEP allows. `runDue` (called by segmentation's tick) starts a job for every active schedule whose
 * next fire time has passed, with `source: "scheduler"` and `properties: { scheduleId, runId }`.
 *
 * Guarantees: a fire time runs at most once (the schedule records the last one handled before the job starts); fire
 * times missed while the server was down run once at the next start (not once per missed day); a schedule activated
 * or re-timed only fires after the change.
 */
export class ScheduleService {
  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
    private readonly definitions: DefinitionService,
  ) {}

  private async validSegments(sb: SandboxRef, v: unknown): Promise<Result<string[], Problem>> {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return err(badRequest('properties.segments must be an array of segment definition ids (["*"]: all of them)'));
    const ids = v as string[];
    if (ids.includes('*')) return ok(ids);
    const known = new Set((await this.definitions.compiled(sb.sandbox.id)).map((d) => d.def.id));
    const missing = ids.filter((id) => !known.has(id));
    return missing.length ? err(badRequest(`Segment definition(s) not found: ${missing.join(', ')}`)) : ok(ids);
  }

  private static validCron(v: unknown): Result<string, Problem> {
    const c = parseCron(v);
    if (!c.ok) return err(badRequest(`schedule: ${c.error}`));
    if (!onceADay(c.value)) return err(badRequest('schedule: a job can run at most once a day (one value each in the seconds, minutes and hours fields)'));
    return ok(c.value.text);
  }

  private static validState(v: unknown): Result<'active' | 'inactive', Problem> {
    return v === 'active' || v === 'inactive' ? ok(v) : err(badRequest('state must be "active" or "inactive"'));
  }

  async create(sb: SandboxRef, body: unknown): Promise<Result<Schedule, Problem>> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return err(badRequest('Body must be a schedule object'));
    const b = body as Record<string, unknown>;
    if (typeof b.name !== 'string' || b.name.trim() === '') return err(badRequest('name is required'));
    if (b.type === 'export') return err(badRequest('type "export" is not supported: export members with POST /export/jobs'));
    if (b.type !== 'batch_segmentation') return err(badRequest('type must be "batch_segmentation"'));
    if (typeof b.properties !== 'object' || b.properties === null) return err(badRequest('properties is required ({ "segments": ["*"] })'));
    const segments = await this.validSegments(sb, (b.properties as { segments?: unknown }).segments);
    if (!segments.ok) return segments;
    const cron = ScheduleService.validCron(b.schedule ?? DEFAULT_CRON);
    if (!cron.ok) return cron;
    const state = ScheduleService.validState(b.state ?? 'inactive');
    if (!state.ok) return state;
    const now = this.clock.now();
    const s: Stored = {
      id: uuid(),
      imsOrgId: sb.orgId,
      sandbox: { sandboxId: sb.sandbox.id, sandboxName: sb.sandbox.name, type: sb.sandbox.type ?? 'production', default: sb.sandbox.isDefault ?? false },
      name: b.name,
      state: state.value,
      type: 'batch_segmentation',
      schedule: cron.value,
      properties: { segments: segments.value },
      createEpoch: Math.floor(now / 1000),
      updateEpoch: Math.floor(now / 1000),
      _kithHandledUpTo: now,
    };
    await this.resources.put(SANDBOX_INDEX_KIND, 'all', sb.sandbox.id, { sandboxId: sb.sandbox.id });
    await this.resources.put(SCHEDULE_KIND, sb.sandbox.id, s.id, s);
    return ok(strip(s));
  }

  async get(sb: SandboxRef, id: string): Promise<Result<Schedule, Problem>> {
    const r = await this.resources.get<Stored>(SCHEDULE_KIND, sb.sandbox.id, id);
    return r ? ok(strip(r.doc)) : err(notFound(`Schedule ${id} not found`));
  }

  async list(sb: SandboxRef, q: { start?: number; limit?: number } = {}) {
    const all = (await this.resources.list<Stored>(SCHEDULE_KIND, sb.sandbox.id, { limit: 100_000 })).map((r) => strip(r.doc));
    all.sort((a, b) => b.createEpoch - a.createEpoch || a.id.localeCompare(b.id));
    const { items: children, limit, next } = pageOf(all, q);
    return { _page: { totalCount: all.length, pageSize: children.length }, children, _links: next !== undefined ? { next: { href: `/config/schedules?start=${next}&limit=${limit}` } } : { next: {} } };
  }

  /** JSON Patch of `/state` or `/schedule` (op add or replace), as AEP allows. */
  async patch(sb: SandboxRef, id: string, body: unknown): Promise<Result<Schedule, Problem>> {
    const r = await this.resources.get<Stored>(SCHEDULE_KIND, sb.sandbox.id, id);
    if (!r) return err(notFound(`Schedule ${id} not found`));
    if (!Array.isArray(body) || body.length === 0) return err(badRequest('Body must be a JSON Patch array, e.g. [{ "op": "add", "path": "/state", "value": "active" }]'));
    const s = { ...r.doc };
    const now = this.clock.now();
    for (const [i, op] of (body as Array<Record<string, unknown>>).entries()) {
      if (typeof op !== 'object' || op === null || (op.op !== 'add' && op.op !== 'replace')) return err(badRequest(`operation ${i}: op must be "add" or "replace"`));
      if (op.path === '/state') {
        const st = ScheduleService.validState(op.value);
        if (!st.ok) return st;
        // activating starts from now: days that passed while inactive are not caught up
        if (st.value === 'active' && s.state !== 'active') s._kithHandledUpTo = now;
        s.state = st.value;
      } else if (op.path === '/schedule') {
        const c = ScheduleService.validCron(op.value);
        if (!c.ok) return c;
        if (c.value !== s.schedule) s._kithHandledUpTo = now;
        s.schedule = c.value;
      } else return err(badRequest(`operation ${i}: only /state and /schedule can be changed, not ${JSON.stringify(op.path)}`));
    }
    s.updateEpoch = Math.floor(now / 1000);
    await this.resources.put(SCHEDULE_KIND, sb.sandbox.id, id, s);
    return ok(strip(s));
  }

  async delete(sb: SandboxRef, id: string): Promise<Result<true, Problem>> {
    const r = await this.resources.get<Stored>(SCHEDULE_KIND, sb.sandbox.id, id);
    if (!r) return err(notFound(`Schedule ${id} not found`));
    await this.resources.delete(SCHEDULE_KIND, sb.sandbox.id, id);
    return ok(true);
  }

  /**
   * Starts the jobs of active schedules whose next fire time is at or before now. Returns the jobs
   * started. A schedule whose job cannot start (its definitions were deleted) records the fire time anyway: the error
   * goes to `onError`, and the schedule tries again at its next fire time.
   */
  async runDue(createJob: CreateJob, onError: (e: unknown) => void = () => undefined): Promise<SegmentJob[]> {
    const started: SegmentJob[] = [];
    const now = this.clock.now();
    const sandboxIds = (await this.resources.list<{ sandboxId: string }>(SANDBOX_INDEX_KIND, 'all', { limit: 100_000 })).map((r) => r.doc.sandboxId);
    for (const sandboxId of sandboxIds)
      for (const { doc } of await this.resources.list<Stored>(SCHEDULE_KIND, sandboxId, { limit: 100_000 })) {
        if (doc.state !== 'active') continue;
        const c = parseCron(doc.schedule);
        // the last fire time since the one handled, at or before now: days missed while down run once
        const last = c.ok ? lastFire(c.value, doc._kithHandledUpTo, now) : undefined;
        if (last === undefined) continue;
        // recorded before the job starts: a crash in between skips this run rather than running it twice
        await this.resources.put(SCHEDULE_KIND, sandboxId, doc.id, { ...doc, _kithHandledUpTo: last });
        const j = await createJob(sbOfSchedule(doc), doc.properties.segments.map((segmentId) => ({ segmentId })), 'scheduler', { scheduleId: doc.id, runId: uuid() });
        if (j.ok) started.push(j.value);
        else onError(new Error(`schedule ${doc.id} (${doc.name}): ${JSON.stringify(j.error.body)}`));
      }
    return started;
  }
}
