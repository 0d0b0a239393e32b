import type { ResourceStore } from '../store/resource-store.js';
import { updateResource } from '../store/update-resource.js';
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
  type BatchFilter,
  type BatchInput,
  type BatchPatch,
  type BatchStatus,
  type CatalogBatch,
  type Dataset,
} from './catalog-types.js';
import { isObj } from '../shared/objects.js';

/** Reserved Query Service table names (kind in the ResourceStore; id = table name). Kept after a dataset is deleted. */
const TABLE_KIND = 'dataset-table';

export type DatasetListener = (ds: Dataset, change: 'created' | 'updated' | 'deleted') => void | Promise<void>;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The next id in Crockford base32 order (monotonic-ULID increment of the random part). */
function incrementId(id: string): string {
  const chars = id.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const n = CROCKFORD.indexOf(chars[i]!);
    if (n < 31) {
      chars[i] = CROCKFORD[n + 1]!;
      return chars.join('');
    }
    chars[i] = '0';
  }
  return ulid();
}


/** Catalog: datasets (with their profile/identity/table tags) and the batch object model. */
export class CatalogService {
  private readonly listeners: DatasetListener[] = [];
  private readonly cache = new Map<string, Dataset>();
  private lastBatchId = '';

  constructor(
    private readonly store: ResourceStore,
    private readonly schemas: SchemaLookup,
    private readonly clock: Clock,
  ) {}

  /** ULID-like batch ids, strictly increasing within this instance (several batches can start in one millisecond). */
  private nextBatchId(now: number): string {
    let id = ulid(now);
    if (id <= this.lastBatchId) id = incrementId(this.lastBatchId);
    this.lastBatchId = id;
    return id;
  }

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

  /**
   * Reserves a unique Query Service table name for a new dataset: derived from its name, then `_1`, `_2`...
   * The reservation is atomic (concurrent creates cannot share a table) and outlives the dataset, because the
   * lake keeps a deleted dataset's rows under its table name.
   */
  private async reserveTable(sandboxId: string, name: string, datasetId: string): Promise<string> {
    const base = tableNameFor(name);
    const taken = new Set((await this.listDatasets(sandboxId)).map((d) => d.tags[TABLE_TAG]?.[0]));
    for (let i = 0; ; i++) {
      const t = i === 0 ? base : `${base}_${i}`;
      if (taken.has(t)) continue;
      const r = await this.store.put(TABLE_KIND, sandboxId, t, { datasetId, name }, { expectedVersion: 0 });
      if (r.ok) return t;
    }
  }

  /** The schema a create body names: `schemaRef.id`, or the legacy `schema` (`@/xdms/context/profile`, an `$id` or an altId). */
  private async resolveSchemaRef(sandboxId: string, body: Record<string, unknown>) {
    const { schemaRef, schema } = body;
    let candidates: string[];
    if (schemaRef !== undefined) {
      if (!isObj(schemaRef) || typeof schemaRef.id !== 'string' || schemaRef.id === '') return err(badRequest('schemaRef.id is required'));
      candidates = [schemaRef.id];
    } else if (typeof schema === 'string' && schema !== '') {
      const rest = schema.replace(/^@\/xdms\//, '');
      candidates = rest === schema ? [schema] : [`https://ns.adobe.com/xdm/${rest}`, `https://ns.adobe.com/${rest}`];
    } else return err(badRequest('schemaRef.id is required (schemaRef: { id, contentType })'));
    for (const c of candidates) {
      const found = await this.schemas.getSchema(sandboxId, c);
      if (found) return ok(found);
    }
    return err(badRequest(`Schema ${candidates[0]} does not exist in this sandbox`));
  }

  async createDataset(ctx: SandboxContext, body: unknown): Promise<Result<Dataset, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const { name, description, schemaRef, tags = {}, fileDescription, schema: legacySchema } = body as Record<string, unknown>;
    if (typeof name !== 'string' || name.trim() === '') return err(badRequest('name is required'));
    if (description !== undefined && description !== null && typeof description !== 'string') return err(badRequest('description must be a string'));
    if (!isObj(tags)) return err(badRequest('tags must be an object of string arrays'));
    const resolved = await this.resolveSchemaRef(ctx.sandbox.id, body);
    if (!resolved.ok) return err(resolved.error);
    const schema = resolved.value;
    const t = { ...(tags as Record<string, string[]>) };
    delete t[TABLE_TAG];
    const bad = await this.validateTags(ctx.sandbox.id, schema.id, t);
    if (bad) return err(bad);
    const duplicate = () => err(conflict(`A dataset named "${name}" already exists in sandbox ${ctx.sandbox.name}`));
    if (await this.store.getByUniqueKey('dataset', ctx.sandbox.id, name.toLowerCase())) return duplicate();
    const id = catalogId();
    t[TABLE_TAG] = [await this.reserveTable(ctx.sandbox.id, name, id)];
    const now = this.clock.now();
    const ref = isObj(schemaRef) ? schemaRef : {};
    const ds: Dataset = {
      id,
      sandboxId: ctx.sandbox.id,
      name,
      description: typeof description === 'string' ? description : undefined,
      schemaRef: { id: schema.id, contentType: typeof ref.contentType === 'string' ? ref.contentType : 'application/vnd.adobe.xed+json;version=1' },
      ...(typeof legacySchema === 'string' && legacySchema !== '' ? { schema: legacySchema } : {}),
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
    if (!r.ok) {
      await this.store.delete(TABLE_KIND, ctx.sandbox.id, t[TABLE_TAG][0]!);
      return duplicate();
    }
    this.cache.set(`${ctx.sandbox.id}/${ds.id}`, ds);
    await this.emit(ds, 'created');
    return ok(ds);
  }

  /**
   * Read-modify-write of a stored dataset with optimistic concurrency: `change` runs on the latest stored
   * document and is retried when another writer (e.g. the processor thread recording a batch) got in between.
   */
  private async modify(
    sandboxId: string,
    id: string,
    change: (cur: Dataset) => Promise<Result<Dataset | undefined, Problem>>,
  ): Promise<Result<Dataset | undefined, Problem>> {
    let name = '';
    const r = await updateResource(this.store, 'dataset', sandboxId, id, change, { uniqueKey: (next) => (name = next.name).toLowerCase() });
    if (r.ok) {
      if (r.value) this.cache.set(`${sandboxId}/${id}`, r.value);
      return r;
    }
    switch (r.error) {
      case 'not-found':
        this.cache.delete(`${sandboxId}/${id}`);
        return err(notFound(`Dataset ${id} not found`));
      case 'unique-conflict':
        return err(conflict(`A dataset named "${name}" already exists in this sandbox`));
      case 'busy':
        return err(conflict(`Dataset ${id} is being changed concurrently; retry`));
      default:
        return err(r.error);
    }
  }

  /** JSON Patch on name, description and tags; the table tag is system-managed. */
  async patchDataset(ctx: SandboxContext, id: string, ops: unknown): Promise<Result<Dataset, Problem>> {
    const r = await this.modify(ctx.sandbox.id, id, async (cur) => {
      const patched = applyJsonPatch({ name: cur.name, description: cur.description, tags: cur.tags }, Array.isArray(ops) ? ops : [ops]);
      if (!patched.ok) return err(badRequest(patched.error));
      const doc = patched.value as { name?: unknown; description?: unknown; tags?: unknown };
      if (typeof doc.name !== 'string' || doc.name.trim() === '') return err(badRequest('name must be a non-empty string'));
      if (doc.description !== undefined && doc.description !== null && typeof doc.description !== 'string') return err(badRequest('description must be a string'));
      if (!isObj(doc.tags)) return err(badRequest('tags must be an object'));
      const tags = doc.tags as Record<string, string[]>;
      if (JSON.stringify(tags[TABLE_TAG]) !== JSON.stringify(cur.tags[TABLE_TAG])) return err(badRequest(`${TABLE_TAG} is managed by the platform and cannot be changed`));
      const bad = await this.validateTags(ctx.sandbox.id, cur.schemaRef.id, tags);
      if (bad) return err(bad);
      return ok({
        ...cur,
        name: doc.name,
        description: typeof doc.description === 'string' ? doc.description : undefined,
        tags,
        updated: this.clock.now(),
        updatedUser: ctx.actor,
      });
    });
    if (!r.ok) return err(r.error);
    const next = r.value!;
    await this.emit(next, 'updated');
    return ok(next);
  }

  /** PUT: replaces name, description and tags (schemaRef cannot change once created). */
  async replaceDataset(ctx: SandboxContext, id: string, body: unknown): Promise<Result<Dataset, Problem>> {
    const cur = await this.getDataset(ctx.sandbox.id, id);
    if (!cur) return err(notFound(`Dataset ${id} not found`));
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    if (body.tags !== undefined && !isObj(body.tags)) return err(badRequest('tags must be an object of string arrays'));
    if (body.name !== undefined && typeof body.name !== 'string') return err(badRequest('name must be a non-empty string'));
    const ref = body.schemaRef;
    if (ref !== undefined && (!isObj(ref) || ref.id !== cur.schemaRef.id)) return err(badRequest('schemaRef of a dataset cannot be changed'));
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
    input: BatchInput,
    actor: string,
    orgId = '',
  ): Promise<CatalogBatch> {
    const now = this.clock.now();
    const ds = await this.getDataset(sandboxId, input.datasetId);
    const b: CatalogBatch = {
      id: this.nextBatchId(now),
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
    patch: BatchPatch,
  ): Promise<CatalogBatch | undefined> {
    if (patch.status !== undefined && !BATCH_STATUSES.includes(patch.status as BatchStatus)) return undefined;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as BatchPatch;
    // compare-and-set: the API thread (batch import) and the processor thread (streaming batches, counts) both update
    // batches; a blind write would drop the other's fields
    const r = await updateResource<CatalogBatch, never>(this.store, 'batch', sandboxId, id, (cur) => ok({ ...cur, ...defined, updated: this.clock.now() }));
    if (!r.ok) {
      if (r.error === 'busy') throw new Error(`batch ${id} is being changed concurrently`);
      return undefined;
    }
    await this.touchDataset(sandboxId, r.value!);
    return r.value;
  }

  /** Records the batch on its dataset: lastBatchId/lastBatchStatus follow the newest batch (ids sort by time). */
  private async touchDataset(sandboxId: string, b: CatalogBatch): Promise<void> {
    const newer = (cur: string | undefined) => cur === undefined || cur <= b.id;
    await this.modify(sandboxId, b.datasetId, async (ds) => {
      const next: Dataset = { ...ds };
      if (newer(ds.lastBatchId)) Object.assign(next, { lastBatchId: b.id, lastBatchStatus: b.status });
      if (b.status === 'success' && newer(ds.lastSuccessfulBatch)) next.lastSuccessfulBatch = b.id;
      if ((b.status === 'failed' || b.status === 'failure') && newer(ds.lastFailedBatch)) next.lastFailedBatch = b.id;
      const same =
        next.lastBatchId === ds.lastBatchId &&
        next.lastBatchStatus === ds.lastBatchStatus &&
        next.lastSuccessfulBatch === ds.lastSuccessfulBatch &&
        next.lastFailedBatch === ds.lastFailedBatch;
      return ok(same ? undefined : next);
    });
  }

  /** Batches in creation order (ids are time-sortable), filtered by dataset and status, then paged. */
  async listBatches(sandboxId: string, f: BatchFilter = {}): Promise<CatalogBatch[]> {
    const offset = typeof f.start === 'number' ? f.start : f.start !== undefined && /^\d+$/.test(f.start) ? Number(f.start) : 0;
    const after = typeof f.start === 'string' && !/^\d+$/.test(f.start) ? f.start : undefined;
    const all = (await this.store.list<CatalogBatch>('batch', sandboxId, { after })).map((r) => r.doc);
    return all
      .filter((b) => (f.datasetId ? b.datasetId === f.datasetId : true) && (f.status ? b.status === f.status : true))
      .slice(offset, offset + (f.limit ?? 100));
  }
}
