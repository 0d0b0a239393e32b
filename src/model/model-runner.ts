import type { Clock } from '../shared/clock.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { ProfileService } from '../profile/profile-service.js';
import type { Person } from '../journey/journey-ports.js';
import { holds } from '../journey/engine/conditions.js';
import { allSandboxes } from '../sandbox/all-sandboxes.js';
import { Lake } from '../lake/lake.js';
import { ModelService } from './model-service.js';
import { readModelScoreDataset, SYSTEM_TAG } from './model-system-datasets.js';
import { nextDailyRun } from './schedule.js';
import { ScoreWriter } from './score-writer.js';
import { DuckDbSession, type SqlSession } from './sql-session.js';
import { trainAndScore } from './training.js';
import { TABLE_TAG } from '../catalog/catalog-types.js';
import type { Model, ModelRun } from './model-types.js';
import { lit } from './sql-text.js';

const INTERRUPTED = 'interrupted: Kith stopped during the run; run it again';

/** What the API thread asks of the runner (the processor thread's `models` service). */
export interface ModelRuntimeApi {
  /** A run was queued in the sandbox: look at the queue now. */
  wake(sandboxId: string): Promise<void>;
}

export interface ModelRunnerDeps {
  resources: ResourceStore;
  clock: Clock;
  lake: Pick<Lake, 'connect' | 'appendRecords' | 'tables'>;
  catalog: Pick<CatalogService, 'listDatasets'>;
  profiles: Pick<ProfileService, 'applyBatch'>;
  /** The person an eligibility rule reads (merged profile, memberships, recent events). */
  readPerson: (sandboxId: string, identity: { namespace: string; id: string }) => Promise<Person>;
  onError: (e: unknown) => void;
  /** How often schedules and the queue are looked at (default 30 s; 0: never by itself, tests call `tick`). */
  tickMs?: number;
}

/**
 * Runs models on the processor thread, where the lake's DuckDB instance is: queued runs (from the API or the daily
 * schedule) one at a time, each on its own DuckDB connection (SQL of other connections and the lake's appends go
 * on); due schedules queue a run and move their next time (stored with the model, so a restart keeps it; a time
 * missed while Kith was stopped runs once at the next start). A run found `running` at start was interrupted by a
 * stop: it is marked failed with that reason.
 */
export class ModelRunner implements ModelRuntimeApi {
  private readonly models: ModelService;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** The DuckDB session of the run under way (interrupted by close). */
  private current: SqlSession | undefined;

  constructor(private readonly d: ModelRunnerDeps) {
    this.models = new ModelService(d.resources, d.clock);
  }

  async start(): Promise<void> {
    for (const sb of await this.sandboxIds())
      for (const run of await this.models.runsIn(sb, 'running'))
        await this.models.saveRun(sb, { ...run, status: 'failed', error: INTERRUPTED, finishedAt: this.d.clock.now() });
    const ms = this.d.tickMs ?? 30_000;
    if (ms > 0) {
      this.timer = setInterval(() => void this.tick(), ms);
      this.timer.unref();
      void this.tick();
    }
  }

  async wake(_sandboxId: string): Promise<void> {
    void this.tick();
  }

  /** Queues due schedules and runs every queued run; resolves when nothing is left (a tick asked meanwhile runs after). */
  tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (e) {
          this.d.onError(e);
        }
      } while (this.again && !this.closed);
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** Stops: a run under way is interrupted (its statement stopped, the run failed with that reason). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.current?.interrupt();
    await this.ticking;
  }

  private async sandboxIds(): Promise<string[]> {
    return (await allSandboxes(this.d.resources, this.d.clock)).map((s) => s.id);
  }

  private async pass(): Promise<void> {
    for (const sb of await this.sandboxIds()) {
      const now = this.d.clock.now();
      for (const m of await this.models.all(sb)) {
        if (m.schedule && m.nextRunAt !== undefined && m.nextRunAt <= now) {
          const q = await this.models.queueRun(sb, m.id, 'schedule', nextDailyRun(m.schedule, now));
          if (!q.ok) this.d.onError(new Error(`model ${m.id}: ${String(q.error.body.detail)}`));
        }
      }
      for (const run of await this.models.runsIn(sb, 'queued')) {
        if (this.closed) return;
        await this.execute(sb, run);
      }
    }
  }

  private async execute(sandboxId: string, queued: ModelRun): Promise<void> {
    const m = await this.models.get(sandboxId, queued.modelId);
    if (!m.ok) {
      await this.models.saveRun(sandboxId, { ...queued, status: 'failed', error: 'the model was deleted', finishedAt: this.d.clock.now() });
      return;
    }
    const model = m.value;
    const run: ModelRun = { ...queued, status: 'running', startedAt: this.d.clock.now() };
    await this.models.saveRun(sandboxId, run);
    let session: SqlSession | undefined;
    try {
      const dataset = await readModelScoreDataset(this.d.resources, sandboxId);
      const tables = await this.tablesOf(sandboxId, model);
      if (!dataset) return await this.finish(sandboxId, run, { status: 'failed', error: 'the sandbox has no Model Scores dataset (it is created with the first model through the API)' });
      if (typeof tables === 'string') return await this.finish(sandboxId, run, { status: 'failed', error: tables });
      session = new DuckDbSession(await this.d.lake.connect());
      this.current = session;
      const now = this.d.clock.now();
      const sink = new ScoreWriter(this.d.profiles, this.d.lake, { sandboxId, dataset, namespace: model.namespace, attribute: model.attribute, modelId: model.id, modelVersion: run.version, scoredAt: now });
      const r = await trainAndScore({
        model,
        version: run.version,
        tables,
        sql: session,
        clock: { now: () => now },
        sink,
        pause: () => (this.closed ? Promise.reject(new Error(INTERRUPTED)) : new Promise((res) => setImmediate(res))),
        ...(model.eligibility !== undefined ? { eligible: (pids: string[]) => this.eligible(sandboxId, model, pids, now) } : {}),
        ...(model.outcome.condition !== undefined ? { outcomeFilter: (t: readonly string[], from: number, to: number) => this.outcomeIds(session!, model, t, from, to, now) } : {}),
      });
      if (!r.ok) return await this.finish(sandboxId, run, { status: 'failed', error: r.error });
      const v = r.value;
      await this.finish(sandboxId, run, { status: v.published ? 'published' : 'belowFloor', cutoff: v.cutoff, quality: v.quality, scored: v.scored, timings: v.timings });
      if (v.published) await this.models.update(sandboxId, model.id, (cur) => ({ ok: true, value: { ...cur, publishedVersion: Math.max(cur.publishedVersion ?? 0, run.version) } }));
    } catch (e) {
      if (this.closed) return await this.finish(sandboxId, run, { status: 'failed', error: INTERRUPTED });
      await this.finish(sandboxId, run, { status: 'failed', error: e instanceof Error ? e.message : String(e) });
      this.d.onError(e);
    } finally {
      this.current = undefined;
      session?.close();
    }
  }

  private async finish(sandboxId: string, run: ModelRun, patch: Partial<ModelRun>): Promise<void> {
    // the model was deleted during its run: its runs go with it
    if (!(await this.models.get(sandboxId, run.modelId)).ok) return void (await this.models.deleteRun(sandboxId, run.id));
    await this.models.saveRun(sandboxId, { ...run, ...patch, finishedAt: this.d.clock.now() });
    await this.models.pruneRuns(sandboxId, run.modelId);
  }

  /** The lake tables a model reads: its datasets, or every dataset of the sandbox but the system ones. */
  private async tablesOf(sandboxId: string, model: Model): Promise<string[] | string> {
    const datasets = await this.d.catalog.listDatasets(sandboxId);
    let chosen = datasets.filter((ds) => (ds.tags[SYSTEM_TAG] ?? []).length === 0);
    if (model.datasetIds) {
      const missing = model.datasetIds.filter((id) => !datasets.some((ds) => ds.id === id));
      if (missing.length > 0) return `unknown datasetIds: ${missing.join(', ')}`;
      chosen = datasets.filter((ds) => model.datasetIds!.includes(ds.id));
    }
    const inLake = new Set(await this.d.lake.tables(sandboxId));
    return chosen.map((ds) => ds.tags[TABLE_TAG]?.[0]).filter((t): t is string => t !== undefined && inLake.has(t)).map((t) => Lake.qualified(sandboxId, t));
  }

  private async eligible(sandboxId: string, model: Model, pids: string[], now: number): Promise<Set<string>> {
    const out = new Set<string>();
    for (const [i, pid] of pids.entries()) {
      const person = await this.d.readPerson(sandboxId, { namespace: model.namespace, id: pid });
      if (holds(model.eligibility!, person, now, undefined) === true) out.add(pid);
      if (i % 200 === 199) await new Promise((res) => setImmediate(res));
    }
    return out;
  }

  /** The ids of the outcome events in [from, to) that meet the outcome's condition (evaluated on each event). */
  private async outcomeIds(sql: SqlSession, model: Model, tables: readonly string[], from: number, to: number, now: number): Promise<string[]> {
    const ids: string[] = [];
    const nobody: Person = { personKeys: [], profile: {}, segments: new Set(), events: [] };
    const type = model.outcome.eventType !== undefined ? ` AND json_extract_string(record, '$.eventType') = ${lit(model.outcome.eventType)}` : '';
    for (const t of tables) {
      await sql.chunks(`SELECT json_extract_string(record, '$._id') AS id, record::VARCHAR AS r FROM ${t} WHERE "timestamp" >= make_timestamptz(${Math.trunc(from)}::BIGINT * 1000) AND "timestamp" < make_timestamptz(${Math.trunc(to)}::BIGINT * 1000)${type}`, async (c) => {
        for (let i = 0; i < c[0]!.length; i++) {
          const record = JSON.parse(String(c[1]![i])) as Record<string, unknown>;
          if (holds(model.outcome.condition!, nobody, now, record) === true) ids.push(String(c[0]![i]));
        }
        await new Promise((res) => setImmediate(res));
      });
    }
    return ids;
  }
}
