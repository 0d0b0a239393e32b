import type { ResourceStore } from '../store/resource-store.js';
import type { SchemaLookup } from '../schema/schema-lookup.js';
import type { Clock } from '../shared/clock.js';
import { catalogId, ulid } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, conflict, notFound, type Problem } from '../shared/problem.js';
import type { SandboxContext } from '../http/request-context.js';
import { applyJsonPatch } from '../shared/json-patch.js';
import {
  BATCH_STATUSES,
  IDENTITY_TAG,
  PROFILE_TAG,
  TABLE_TAG,
  isEnabled,
  tableNameFor,
  type BatchStatus,
  type CatalogBatch,
  type Dataset,
} from './catalog-types.js';

export type DatasetListener = (ds: Dataset, change: 'created' | 'updated' | 'deleted') => void | Promise<void>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Catalog: datasets (with their profile/identity/table tags) and the batch object model. */
export class CatalogService {
  private readonly listeners: DatasetListener[] = [];
  private readonly cache = new Map<string, Dataset>();

  constructor(
    private readonly store: ResourceStore,
    private readonly schemas: SchemaLookup,
    private readonly clock: Clock,
  ) {}

  onDatasetChange(l: DatasetListener): void {
    this.listeners.push(l);
  }

  private async emit(ds: Dataset, change: 'created' | 'updated' | 'deleted'): Promise<void> {
    for (const l of this.listeners) await l(ds, change);
  }

  /** Drops a cached dataset (another thread changed it). */
  forget(sandboxId: string, id: string): void {
    this.cache.delete(`${sandboxId}/${id}`);
  }

  isProfileEnabled(ds: Dataset): boolean {
    return isEnabled(ds.tags, PROFILE_TAG);
  }

  isIdentityEnabled(ds: Dataset): boolean {
    return isEnabled(ds.tags, IDENTITY_TAG);
  }

  async getDataset(sandboxId: string, id: string): Promise<Dataset | undefined> {
    const key = `${sandboxId}/${id}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const r = await this.store.get<Dataset>('dataset', sandboxId, id);
    if (r) this.cache.set(key, r.doc);
    return r?.doc;
  }

  async listDatasets(sandboxId: string): Promise<Dataset[]> {
    return (await this.store.list<Dataset>('dataset', sandboxId)).map((r) => r.doc);
  }

  private async validateTags(sandboxId: string, schemaId: string, tags: Record<string, string[]>): Promise<Problem | undefined> {
    for (const [k, v] of Object.entries(tags))
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return badRequest(`tags.${k} must be an array of strings`);
    if (isEnabled(tags, PROFILE_TAG)) {
      const s = await this.schemas.getSchema(sandboxId, schemaId);
      if (!s?.union)
        return badRequest(`A dataset can be enabled for Profile only if its schema is enabled for Profile (has the "union" tag): ${schemaId}`);
    }
    return undefined;
  }

  private async uniqueTable(sandboxId: string, name: string, selfId?: string): Promise<string> {
    const base = tableNameFor(name);
    const taken = new Set((await this.listDatasets(sandboxId)).filter((d) => d.id !== selfId).map((d) => d.tags[TABLE_TAG]?.[0]));
    if (!taken.has(base)) return base;
    for (let i = 1; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
  }

  async createDataset(ctx: SandboxContext, body: unknown): Promise<Result<Dataset, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const { name, description, schemaRef, tags = {}, fileDescription } = body as Record<string, unknown>;
    if (typeof name !== 'string' || name.trim() === '') return err(badRequest('name is required'));
    if (!isObj(schemaRef) || typeof schemaRef.id !== 'string') return err(badRequest('schemaRef.id is required'));
    if (!isObj(tags)) return err(badRequest('tags must be an object of string arrays'));
    const schema = await this.schemas.getSchema(ctx.sandbox.id, schemaRef.id);
    if (!schema) return err(badRequest(`Schema ${schemaRef.id} does not exist in sandbox ${ctx.sandbox.name}`));
    const t = { ...(tags as Record<string, string[]>) };
    const bad = await this.validateTags(ctx.sandbox.id, schema.id, t);
    if (bad) return err(bad);
    t[TABLE_TAG] = [await this.uniqueTable(ctx.sandbox.id, name)];
    const now = this.clock.now();
    const ds: Dataset = {
      id: catalogId(),
      sandboxId: ctx.sandbox.id,
      name,
      description: typeof description === 'string' ? description : undefined,
      schemaRef: { id: schema.id, contentType: typeof schemaRef.contentType === 'string' ? schemaRef.contentType : 'application/vnd.adobe.xed+json;version=1' },
      tags: t,
      fileDescription: isObj(fileDescription) ? fileDescription : undefined,
      imsOrg: ctx.orgId,
      version: '1.0.0',
      created: now,
      updated: now,
      createdClient: ctx.actor,
      createdUser: ctx.actor,
      updatedUser: ctx.actor,
    };
    const r = await this.store.put('dataset', ctx.sandbox.id, ds.id, ds, { uniqueKey: name.toLowerCase() });
    if (!r.ok) return err(conflict(`A dataset named "${name}" already exists in sandbox ${ctx.sandbox.name}`));
    await this.emit(ds, 'created');
    return ok(ds);
  }

  private async save(ctx: SandboxContext, next: Dataset): Promise<Result<Dataset, Problem>> {
    const r = await this.store.put('dataset', ctx.sandbox.id, next.id, next, { uniqueKey: next.name.toLowerCase() });
    if (!r.ok) return err(conflict(`A dataset named "${next.name}" already exists`));
    this.cache.set(`${ctx.sandbox.id}/${next.id}`, next);
    await this.emit(next, 'updated');
    return ok(next);
  }

  /** JSON Patch on name, description and tags; the table tag is system-managed. */
  async patchDataset(ctx: SandboxContext, id: string, ops: unknown): Promise<Result<Dataset, Problem>> {
    const cur = await this.getDataset(ctx.sandbox.id, id);
    if (!cur) return err(notFound(`Dataset ${id} not found`));
    const patched = applyJsonPatch({ name: cur.name, description: cur.description, tags: cur.tags }, Array.isArray(ops) ? ops : [ops]);
    if (!patched.ok) return err(badRequest(patched.error));
    const doc = patched.value as { name?: unknown; description?: unknown; tags?: unknown };
    if (typeof doc.name !== 'string' || doc.name.trim() === '') return err(badRequest('name must be a non-empty string'));
    if (!isObj(doc.tags)) return err(badRequest('tags must be an object'));
    const tags = doc.tags as Record<string, string[]>;
    if (JSON.stringify(tags[TABLE_TAG]) !== JSON.stringify(cur.tags[TABLE_TAG])) return err(badRequest(`${TABLE_TAG} is managed by the platform and cannot be changed`));
    const bad = await this.validateTags(ctx.sandbox.id, cur.schemaRef.id, tags);
    if (bad) return err(bad);
    return this.save(ctx, {
      ...cur,
      name: doc.name,
      description: typeof doc.description === 'string' ? doc.description : undefined,
      tags,
      updated: this.clock.now(),
      updatedUser: ctx.actor,
    });
  }

  /** PUT: replaces name, description and tags (schemaRef cannot change once created). */
  async replaceDataset(ctx: SandboxContext, id: string, body: unknown): Promise<Result<Dataset, Problem>> {
    const cur = await this.getDataset(ctx.sandbox.id, id);
    if (!cur) return err(notFound(`Dataset ${id} not found`));
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const ref = body.schemaRef;
    if (isObj(ref) && ref.id !== cur.schemaRef.id) return err(badRequest('schemaRef of a dataset cannot be changed'));
    const ops = [
      { op: 'replace', path: '/name', value: body.name ?? cur.name },
      { op: 'replace', path: '/tags', value: { ...((body.tags as object) ?? {}), [TABLE_TAG]: cur.tags[TABLE_TAG] } },
      ...(typeof body.description === 'string' ? [{ op: 'add', path: '/description', value: body.description }] : []),
    ];
    return this.patchDataset(ctx, id, ops);
  }

  async deleteDataset(ctx: SandboxContext, id: string): Promise<Result<Dataset, Problem>> {
    const cur = await this.getDataset(ctx.sandbox.id, id);
    if (!cur) return err(notFound(`Dataset ${id} not found`));
    await this.store.delete('dataset', ctx.sandbox.id, id);
    this.cache.delete(`${ctx.sandbox.id}/${id}`);
    await this.emit(cur, 'deleted');
    return ok(cur);
  }

  // ---- batches -------------------------------------------------------------------------------

  async createBatch(
    sandboxId: string,
    input: { datasetId: string; inputFormat?: Record<string, unknown>; source: 'streaming' | 'batch'; externalId?: string; tags?: Record<string, string[]> },
    actor: string,
    orgId = '',
  ): Promise<CatalogBatch> {
    const now = this.clock.now();
    const ds = await this.getDataset(sandboxId, input.datasetId);
    const b: CatalogBatch = {
      id: ulid(now),
      sandboxId,
      imsOrg: orgId || ds?.imsOrg || '',
      datasetId: input.datasetId,
      source: input.source,
      status: 'loading',
      created: now,
      updated: now,
      createdUser: actor,
      updatedUser: actor,
      externalId: input.externalId,
      errors: [],
      inputFormat: input.inputFormat,
      tags: input.tags ?? {},
      version: '1.0.0',
    };
    await this.store.put('batch', sandboxId, b.id, b);
    await this.touchDataset(sandboxId, b);
    return b;
  }

  async getBatch(sandboxId: string, id: string): Promise<CatalogBatch | undefined> {
    return (await this.store.get<CatalogBatch>('batch', sandboxId, id))?.doc;
  }

  async updateBatch(
    sandboxId: string,
    id: string,
    patch: Partial<Pick<CatalogBatch, 'status' | 'recordCount' | 'failedRecordCount' | 'errors' | 'started' | 'completed'>>,
  ): Promise<CatalogBatch | undefined> {
    const cur = await this.getBatch(sandboxId, id);
    if (!cur) return undefined;
    if (patch.status !== undefined && !BATCH_STATUSES.includes(patch.status as BatchStatus)) return undefined;
    const next: CatalogBatch = { ...cur, ...patch, updated: this.clock.now() } as CatalogBatch;
    await this.store.put('batch', sandboxId, id, next);
    await this.touchDataset(sandboxId, next);
    return next;
  }

  private async touchDataset(sandboxId: string, b: CatalogBatch): Promise<void> {
    const ds = await this.getDataset(sandboxId, b.datasetId);
    if (!ds || (ds.lastBatchId === b.id && ds.lastBatchStatus === b.status)) return;
    const next = { ...ds, lastBatchId: b.id, lastBatchStatus: b.status };
    await this.store.put('dataset', sandboxId, ds.id, next, { uniqueKey: ds.name.toLowerCase() });
    this.cache.set(`${sandboxId}/${ds.id}`, next);
  }

  async listBatches(sandboxId: string, f: { datasetId?: string; status?: string; limit?: number; start?: string } = {}): Promise<CatalogBatch[]> {
    const all = (await this.store.list<CatalogBatch>('batch', sandboxId, { after: f.start })).map((r) => r.doc);
    return all
      .filter((b) => (f.datasetId ? b.datasetId === f.datasetId : true) && (f.status ? b.status === f.status : true))
      .slice(0, f.limit ?? 100);
  }
}
