import type { ResourceStore } from '../../store/resource-store.js';
import { updateResource } from '../../store/update-resource.js';
import type { Clock } from '../../shared/clock.js';
import { uuid } from '../../shared/ids.js';
import { badRequest, conflict, notFound, type Problem } from '../../shared/problem.js';
import { err, ok, type Result } from '../../shared/result.js';
import { lastFire } from '../../segment/schedule/cron.js';
import { parseQuerySchedule } from './query-cron.js';
import { ACTIVE_STATES, SCHEDULE_KIND, type QueryOwner, type StoredQuery, type StoredSchedule } from './query-types.js';
import type { QueryService } from './query-service.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function instant(v: unknown, name: string): Result<number | undefined, Problem> {
  if (v === undefined || v === null) return ok(undefined);
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? err(badRequest(`${name} must be an ISO 8601 timestamp (e.g. "2026-01-08T12:30:00.000Z")`)) : ok(t);
}

/**
 * Scheduled queries (`/data/foundation/query/schedules`): a query (or a template) run by a cron expression, UTC,
 * between `startDate` and `endDate`. Each run is a query linked by `scheduleId` (its id is the run id). `runDue`
 * (the scheduler's tick) starts a run for every enabled schedule whose next fire time has passed.
 *
 * Guarantees, as the segmentation schedules give them: a fire time runs at most once (recorded before the run
 * starts); fire times missed while the server was down run once at the next tick; a schedule enabled or re-timed
 * only fires after the change. At most one run of a schedule is active (AEP's `maxActiveRuns: 1`): a fire time that
 * comes while one runs is skipped.
 */
export class QueryScheduleService {
  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
    private readonly queries: QueryService,
  ) {}

  /** The query part of a schedule (`query: {dbName, sql, …}` or `templateId`), checked as a query would be. */
  private async validQuery(owner: QueryOwner, b: Record<string, unknown>): Promise<Result<Pick<StoredSchedule, 'query' | 'templateId'>, Problem>> {
    const q = b.query === undefined ? {} : b.query;
    if (!isObj(q)) return err(badRequest('query must be an object ({ "dbName": "prod:all", "sql": "SELECT …", "name": "…" })'));
    const templateId = (b.templateId ?? q.templateId) as unknown;
    if (templateId !== undefined && typeof templateId !== 'string') return err(badRequest('templateId must be a string'));
    const p = await this.queries.prepare(owner, { ...q, ...(templateId !== undefined ? { templateId } : {}) });
    if (!p.ok) return p;
    const { templateId: _t, ...query } = q as StoredSchedule['query'] & { templateId?: unknown };
    return ok({ query: { ...query, dbName: p.value.request.dbName }, ...(templateId !== undefined ? { templateId } : {}) });
  }

  async create(owner: QueryOwner, body: unknown): Promise<Result<StoredSchedule, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be { "query": { "dbName", "sql", "name" }, "schedule": { "schedule": "<cron>", "startDate": "<ISO time>" } }'));
    const q = await this.validQuery(owner, body);
    if (!q.ok) return q;
    if (!isObj(body.schedule)) return err(badRequest('schedule is required ({ "schedule": "<cron>", "startDate": "<ISO time>" })'));
    const sch = body.schedule;
    const parsed = parseQuerySchedule(sch.schedule);
    if (!parsed.ok) return err(badRequest(parsed.error));
    const start = instant(sch.startDate, 'schedule.startDate');
    if (!start.ok) return start;
    const end = instant(sch.endDate, 'schedule.endDate');
    if (!end.ok) return end;
    const now = this.clock.now();
    const startMs = start.value ?? now;
    if (end.value !== undefined && end.value <= startMs) return err(badRequest('schedule.endDate must be after schedule.startDate'));
    const s: StoredSchedule = {
      ...owner,
      id: uuid(),
      state: 'ENABLED',
      ...q.value,
      schedule: { schedule: (sch.schedule as string).trim(), startDate: new Date(startMs).toISOString(), ...(end.value !== undefined ? { endDate: new Date(end.value).toISOString() } : {}), maxActiveRuns: 1 },
      updatedUserId: owner.userId,
      created: now,
      updated: now,
      handledUpTo: now,
    };
    await this.queries.indexSandbox(owner.sandboxId);
    await this.resources.put(SCHEDULE_KIND, owner.sandboxId, s.id, s);
    return ok(s);
  }

  async get(sandboxId: string, id: string): Promise<Result<StoredSchedule, Problem>> {
    const r = await this.resources.get<StoredSchedule>(SCHEDULE_KIND, sandboxId, id);
    return r ? ok(r.doc) : err(notFound(`Schedule ${id} not found`));
  }

  async list(sandboxId: string): Promise<StoredSchedule[]> {
    return (await this.resources.list<StoredSchedule>(SCHEDULE_KIND, sandboxId, { limit: 1_000_000 })).map((r) => r.doc);
  }

  /**
   * PATCH as AEP documents it: `{ "body": [ { "op": "replace", "path": "/state", "value": "enable" } ] }` (also a bare
   * array, and the links' `{ "op": "enable" }` / `{ "op": "disable" }`); paths `/state` and `/schedule/schedule`.
   */
  async patch(sandboxId: string, userId: string, id: string, body: unknown): Promise<Result<StoredSchedule, Problem>> {
    const g = await this.get(sandboxId, id);
    if (!g.ok) return g;
    const ops: unknown[] = Array.isArray(body) ? body : isObj(body) && Array.isArray(body.body) ? body.body : isObj(body) && (body.op === 'enable' || body.op === 'disable') ? [{ op: 'replace', path: '/state', value: body.op }] : [];
    if (ops.length === 0) return err(badRequest('Body must be { "body": [ { "op": "replace", "path": "/state", "value": "enable" | "disable" } ] } (or path "/schedule/schedule" with a cron expression)'));
    const now = this.clock.now();
    const s = { ...g.value, schedule: { ...g.value.schedule } };
    for (const [i, raw] of ops.entries()) {
      if (!isObj(raw) || (raw.op !== 'replace' && raw.op !== 'add')) return err(badRequest(`operation ${i}: op must be "replace"`));
      if (raw.path === '/state') {
        const v = String(raw.value).toLowerCase();
        const state = v === 'enable' || v === 'enabled' ? 'ENABLED' : v === 'disable' || v === 'disabled' ? 'DISABLED' : undefined;
        if (!state) return err(badRequest(`operation ${i}: /state takes "enable" or "disable"`));
        // enabling starts from now: fire times that passed while disabled are not caught up
        if (state === 'ENABLED' && s.state !== 'ENABLED') s.handledUpTo = now;
        s.state = state;
      } else if (raw.path === '/schedule/schedule') {
        const c = parseQuerySchedule(raw.value);
        if (!c.ok) return err(badRequest(`operation ${i}: ${c.error}`));
        const text = (raw.value as string).trim();
        if (text !== s.schedule.schedule) {
          s.handledUpTo = now;
          s.ranOnce = false;
        }
        s.schedule.schedule = text;
      } else return err(badRequest(`operation ${i}: only /state and /schedule/schedule can be changed, not ${JSON.stringify(raw.path)}`));
    }
    const next = { ...s, updated: now, updatedUserId: userId };
    await this.resources.put(SCHEDULE_KIND, sandboxId, id, next);
    return ok(next);
  }

  /** AEP: a schedule must be disabled before it is deleted. Its runs stay (queries with its scheduleId). */
  async delete(sandboxId: string, id: string): Promise<Result<true, Problem>> {
    const g = await this.get(sandboxId, id);
    if (!g.ok) return g;
    if (g.value.state === 'ENABLED') return err(badRequest(`Schedule ${id} is enabled: disable it before deleting it (PATCH /state "disable")`));
    await this.resources.delete(SCHEDULE_KIND, sandboxId, id);
    return ok(true);
  }

  private ownerOf = (s: StoredSchedule): QueryOwner => ({ orgId: s.orgId, sandboxId: s.sandboxId, sandboxName: s.sandboxName, userId: s.userId, ...(s.clientId !== undefined ? { clientId: s.clientId } : {}) });
  private queryBody = (s: StoredSchedule) => ({ ...s.query, ...(s.templateId !== undefined ? { templateId: s.templateId } : {}) });

  /** POST /schedules/{id}/runs: a run now (`externalTrigger: true`), whatever the cron says. */
  async trigger(sandboxId: string, id: string): Promise<Result<StoredQuery, Problem>> {
    const g = await this.get(sandboxId, id);
    if (!g.ok) return g;
    if ((await this.activeRuns(sandboxId, id)) > 0) return err(conflict(`Schedule ${id} has a run in progress (at most one at a time)`));
    return this.queries.submit(this.ownerOf(g.value), this.queryBody(g.value), { scheduleId: id, externalTrigger: true, client: 'Scheduler' });
  }

  async runs(sandboxId: string, id: string): Promise<Result<StoredQuery[], Problem>> {
    const g = await this.get(sandboxId, id);
    if (!g.ok) return g;
    return ok(await this.queries.list(sandboxId, { includeDeleted: true, scheduleId: id }));
  }

  async run(sandboxId: string, id: string, runId: string): Promise<Result<StoredQuery, Problem>> {
    const q = await this.queries.get(sandboxId, runId, true);
    return q.ok && q.value.scheduleId === id ? q : err(notFound(`Run ${runId} of schedule ${id} not found`));
  }

  private async activeRuns(sandboxId: string, id: string): Promise<number> {
    return (await this.queries.list(sandboxId, { includeDeleted: true, scheduleId: id })).filter((q) => ACTIVE_STATES.includes(q.state)).length;
  }

  /**
   * Starts the runs that are due (the scheduler's tick). Returns the runs started. A run that cannot start (its
   * template was deleted) goes to `onError`; the fire time counts as handled, and the schedule tries again next time.
   */
  async runDue(onError: (e: unknown) => void = () => undefined): Promise<StoredQuery[]> {
    const started: StoredQuery[] = [];
    const now = this.clock.now();
    for (const sandboxId of await this.queries.sandboxIds())
      for (const s of await this.list(sandboxId)) {
        if (s.state !== 'ENABLED') continue;
        const startMs = Date.parse(s.schedule.startDate);
        const endMs = s.schedule.endDate !== undefined ? Date.parse(s.schedule.endDate) : Infinity;
        const c = parseQuerySchedule(s.schedule.schedule);
        if (!c.ok) continue;
        let fire: number | undefined;
        if (c.value.once) fire = !s.ranOnce && now >= startMs ? startMs : undefined;
        else fire = lastFire(c.value.cron, Math.max(s.handledUpTo, startMs - 1), Math.min(now, endMs));
        if (fire === undefined) continue;
        // recorded before the run starts: a crash in between skips this fire time rather than running it twice
        const claimed = await updateResource<StoredSchedule, never>(this.resources, SCHEDULE_KIND, sandboxId, s.id, (cur) =>
          ok(cur.state === 'ENABLED' && cur.handledUpTo === s.handledUpTo && cur.ranOnce === s.ranOnce ? { ...cur, handledUpTo: fire, ...(c.value.once ? { ranOnce: true } : {}) } : undefined),
        );
        if (!claimed.ok || claimed.value === undefined) continue;
        if ((await this.activeRuns(sandboxId, s.id)) > 0) continue;
        const r = await this.queries.submit(this.ownerOf(s), this.queryBody(s), { scheduleId: s.id, externalTrigger: false, client: 'Scheduler' });
        if (r.ok) started.push(r.value);
        else onError(new Error(`scheduled query ${s.id}: ${JSON.stringify(r.error.body)}`));
      }
    return started;
  }
}
