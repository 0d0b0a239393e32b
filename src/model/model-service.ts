import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, conflict, notFound, type Problem } from '../shared/problem.js';
import { ulid } from '../shared/ids.js';
import { pageOf } from '../shared/paging.js';
import { attributeOf, validateModel } from './validate-model.js';
import { nextDailyRun } from './schedule.js';
import { MODEL_KIND, MODEL_RUN_KIND, type Model, type ModelRun, type ModelSpec } from './model-types.js';

/** Runs kept per model (older ones are deleted when a run finishes). */
export const RUNS_KEPT = 30;

/**
 * Models and their runs on the ResourceStore port (kinds `model` and `model-run`, scope = sandbox id; the SQLite and
 * PostgreSQL adapters and their contract suite are the store's). A model's lower-cased name is its unique key; a
 * model document is written compare-and-set (two writers: the API and the scheduler on the processor thread).
 * Used by the routes (API thread) and the runner (processor thread).
 */
export class ModelService {
  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
  ) {}

  async create(sandboxId: string, spec: ModelSpec & { attribute?: string }, actor?: string): Promise<Result<Model, Problem>> {
    const problems = validateModel(spec);
    if (problems.length > 0) return err(invalid(problems));
    const attribute = spec.attribute ?? attributeOf(spec.name);
    const taken = await this.attributeTaken(sandboxId, attribute);
    if (taken) return err(conflict(`The attribute ${attribute} is written by model "${taken.name}" (${taken.id}); choose another attribute`));
    const now = this.clock.now();
    const model: Model = { ...spec, id: ulid(now).toLowerCase(), attribute, versions: 0, createdAt: now, updatedAt: now, ...(actor ? { createdBy: actor } : {}) };
    if (spec.schedule) model.nextRunAt = nextDailyRun(spec.schedule, now);
    const put = await this.resources.put(MODEL_KIND, sandboxId, model.id, model, { expectedVersion: 0, uniqueKey: uniqueName(spec.name) });
    if (!put.ok) return err(conflict(`A model named "${spec.name}" already exists in this sandbox`));
    return ok(model);
  }

  async get(sandboxId: string, id: string): Promise<Result<Model, Problem>> {
    const r = await this.resources.get<Model>(MODEL_KIND, sandboxId, id);
    return r ? ok(r.doc) : err(notFound(`Model ${id} not found`));
  }

  async all(sandboxId: string): Promise<Model[]> {
    return (await this.resources.list<Model>(MODEL_KIND, sandboxId)).map((r) => r.doc);
  }

  async list(sandboxId: string, q: { start?: number; limit?: number }): Promise<{ children: Model[]; _page: { totalCount: number; pageSize: number; start: number; limit: number } }> {
    const all = (await this.all(sandboxId)).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    const page = pageOf(all, q);
    return { children: page.items, _page: { totalCount: all.length, pageSize: page.items.length, start: page.start, limit: page.limit } };
  }

  /** Replaces what the user defines; the id, attribute (unless given), versions and published version stay. */
  async replace(sandboxId: string, id: string, spec: ModelSpec & { attribute?: string }): Promise<Result<Model, Problem>> {
    const problems = validateModel(spec);
    if (problems.length > 0) return err(invalid(problems));
    return this.update(sandboxId, id, async (cur) => {
      const attribute = spec.attribute ?? cur.attribute;
      if (attribute !== cur.attribute) {
        const taken = await this.attributeTaken(sandboxId, attribute);
        if (taken && taken.id !== id) return err(conflict(`The attribute ${attribute} is written by model "${taken.name}" (${taken.id})`));
      }
      const now = this.clock.now();
      const next: Model = { ...spec, id, attribute, versions: cur.versions, createdAt: cur.createdAt, updatedAt: now, ...(cur.createdBy ? { createdBy: cur.createdBy } : {}), ...(cur.publishedVersion !== undefined ? { publishedVersion: cur.publishedVersion } : {}) };
      if (spec.schedule) next.nextRunAt = nextDailyRun(spec.schedule, now);
      return ok(next);
    }, spec.name);
  }

  async delete(sandboxId: string, id: string): Promise<Result<void, Problem>> {
    const cur = await this.get(sandboxId, id);
    if (!cur.ok) return cur;
    for (const run of await this.runs(sandboxId, id)) await this.resources.delete(MODEL_RUN_KIND, sandboxId, run.id);
    await this.resources.delete(MODEL_KIND, sandboxId, id);
    return ok(undefined);
  }

  /**
   * Reads the model, applies `fn` and writes the result compare-and-set, again from a fresh read when another writer
   * came in between (a few times).
   */
  async update(sandboxId: string, id: string, fn: (cur: Model) => Promise<Result<Model, Problem>> | Result<Model, Problem>, name?: string): Promise<Result<Model, Problem>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.resources.get<Model>(MODEL_KIND, sandboxId, id);
      if (!cur) return err(notFound(`Model ${id} not found`));
      const next = await fn(cur.doc);
      if (!next.ok) return next;
      const put = await this.resources.put(MODEL_KIND, sandboxId, id, next.value, { expectedVersion: cur.version, uniqueKey: uniqueName(name ?? next.value.name) });
      if (put.ok) return ok(next.value);
      if (put.error === 'unique-conflict') return err(conflict(`A model named "${next.value.name}" already exists in this sandbox`));
    }
    return err(conflict(`Model ${id} is being changed by another writer; try again`));
  }

  /** A new queued run with the model's next version. */
  async queueRun(sandboxId: string, id: string, trigger: ModelRun['trigger'], nextRunAt?: number): Promise<Result<ModelRun, Problem>> {
    let version = 0;
    const m = await this.update(sandboxId, id, (cur) => {
      version = cur.versions + 1;
      return ok({ ...cur, versions: version, ...(nextRunAt !== undefined ? { nextRunAt } : {}) });
    });
    if (!m.ok) return m;
    const now = this.clock.now();
    const run: ModelRun = { id: `${id}-${String(version).padStart(6, '0')}`, modelId: id, version, status: 'queued', trigger, createdAt: now };
    await this.resources.put(MODEL_RUN_KIND, sandboxId, run.id, run);
    return ok(run);
  }

  async run(sandboxId: string, modelId: string, runId: string): Promise<Result<ModelRun, Problem>> {
    const r = await this.resources.get<ModelRun>(MODEL_RUN_KIND, sandboxId, runId);
    return r && r.doc.modelId === modelId ? ok(r.doc) : err(notFound(`Run ${runId} of model ${modelId} not found`));
  }

  /** A model's runs, newest first. */
  async runs(sandboxId: string, modelId: string): Promise<ModelRun[]> {
    const all = await this.resources.list<ModelRun>(MODEL_RUN_KIND, sandboxId);
    return all.map((r) => r.doc).filter((r) => r.modelId === modelId).sort((a, b) => b.version - a.version);
  }

  /** Every run of the sandbox in a state (the runner's queue), oldest first. */
  async runsIn(sandboxId: string, status: ModelRun['status']): Promise<ModelRun[]> {
    return (await this.resources.list<ModelRun>(MODEL_RUN_KIND, sandboxId)).map((r) => r.doc).filter((r) => r.status === status).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async saveRun(sandboxId: string, run: ModelRun): Promise<void> {
    await this.resources.put(MODEL_RUN_KIND, sandboxId, run.id, run);
  }

  async deleteRun(sandboxId: string, runId: string): Promise<void> {
    await this.resources.delete(MODEL_RUN_KIND, sandboxId, runId);
  }

  /** Deletes all but the newest RUNS_KEPT runs of a model. */
  async pruneRuns(sandboxId: string, modelId: string): Promise<void> {
    const runs = await this.runs(sandboxId, modelId);
    for (const r of runs.slice(RUNS_KEPT)) await this.resources.delete(MODEL_RUN_KIND, sandboxId, r.id);
  }

  private async attributeTaken(sandboxId: string, attribute: string): Promise<Model | undefined> {
    return (await this.all(sandboxId)).find((m) => m.attribute.toLowerCase() === attribute.toLowerCase());
  }
}

const uniqueName = (name: string) => name.trim().toLowerCase();

function invalid(problems: Array<{ path: string; message: string }>): Problem {
  return badRequest(problems.map((p) => `${p.path} ${p.message}`).join('; '), { report: { problems } });
}
