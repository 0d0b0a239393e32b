import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import type { SandboxContext } from '../http/request-context.js';
import { inletId as newInletId, randomHex, uuid } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, conflict, notFound, problem, type Problem } from '../shared/problem.js';
import { applyJsonPatch } from '../shared/json-patch.js';
import type { FlowDirectory, InletDirectory, InletInfo } from '../ingest/ports.js';
import { compileMappingSet, type MapFn } from './mapping/mapping-set.js';
import { checkEntityReferences, validateEntity } from './flow-validation.js';
import { asSpecDef, type ConnectionSpecDef, type FillFn } from './connection-specs.js';
import type { ReferenceLookups } from './flow-references.js';
import { STREAMING_SPEC, STREAMING_SPEC_DEF, isObj, paramsOf, type FlowEntity, type FlowKind, type InletIndex, type MappingSetDoc, type ResolvedFlow } from './flow-types.js';

export { STREAMING_SPEC, DATA_LAKE_TARGET_SPEC, FLOW_SPEC_PLAIN, FLOW_SPEC_MAPPING } from './flow-types.js';
export type { FlowEntity, FlowKind, InletIndex, MappingSetDoc, ResolvedFlow } from './flow-types.js';

const GLOBAL = 'global';
const INDEXED_PARAMS = ['writeKey', 'datastreamId'] as const;
type IndexedParam = (typeof INDEXED_PARAMS)[number];

const versionMismatch = (supplied: string, current: string): Problem => ({
  status: 412,
  body: { errorMessage: `Supplied version=[${supplied}] does not match the current version on entity=[${current}]` },
});

/**
 * Flow Service: base connections (the streaming spec mints an inlet), source/target connections, dataflows,
 * Data Prep mapping sets, and legacy `/data/core/edge/inlet` inlets. Entities live in the sandbox's scope;
 * inlets (and source-specific connection params) are also indexed in scope `global` so the collection and
 * webhook endpoints can resolve them without gateway headers.
 */
export class FlowService implements InletDirectory, FlowDirectory {
  private readonly mapCache = new Map<string, MapFn>();
  /** Inlets resolved by the collection endpoint (hot path); kept in step by this service's own writes. */
  private readonly inletCache = new Map<string, InletIndex>();
  /** Connection specs: the params each declares (checked at create and update) and what it fills in (a Segment write key). */
  private readonly specs = new Map<string, ConnectionSpecDef>([[STREAMING_SPEC, STREAMING_SPEC_DEF]]);

  constructor(
    private readonly store: ResourceStore,
    private readonly clock: Clock,
    private readonly opts: { baseUrl: () => string; refs: ReferenceLookups },
  ) {}

  inletUrl(id: string): string {
    return `${this.opts.baseUrl()}/collection/${id}`;
  }

  /** The inlet behind `/collection/{inletId}` (Flow Service streaming connection or legacy inlet), any sandbox. */
  async resolveInlet(inletId: string): Promise<InletIndex | undefined> {
    const hit = this.inletCache.get(inletId);
    if (hit) return hit;
    const doc = (await this.store.get<InletIndex>('inlet', GLOBAL, inletId))?.doc;
    if (doc) this.inletCache.set(inletId, doc);
    return doc;
  }

  /** Declares a source's connection spec: its params (validated at create and update) and what it fills in. */
  registerSpec(specId: string, def: ConnectionSpecDef | FillFn): void {
    this.specs.set(specId, asSpecDef(specId, def));
  }

  private meta(ctx: SandboxContext, prev?: FlowEntity): Record<string, unknown> {
    const now = this.clock.now();
    return {
      createdAt: prev?.createdAt ?? now,
      updatedAt: now,
      createdBy: prev?.createdBy ?? ctx.actor,
      updatedBy: ctx.actor,
      createdClient: prev?.createdClient ?? ctx.actor,
      updatedClient: ctx.actor,
      sandboxId: ctx.sandbox.id,
      sandboxName: ctx.sandbox.name,
      imsOrgId: ctx.orgId,
      etag: `"${randomHex(4)}-0000-0200-0000-${randomHex(6)}"`,
    };
  }

  private validationDeps() {
    return { store: this.store, specs: this.specs, lookups: this.opts.refs, inletUrl: (id: string) => this.inletUrl(id) };
  }

  async create(ctx: SandboxContext, kind: FlowKind, body: unknown): Promise<Result<FlowEntity, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const v = await validateEntity(this.validationDeps(), ctx, kind, body);
    if (!v.ok) return v;
    const { id: _ignored, etag: _e, version: _v, ...rest } = body;
    const e = { ...rest, ...v.value, id: uuid(), ...this.meta(ctx) } as FlowEntity;
    if (kind === 'connections' || kind === 'flows') e.state = 'enabled';
    e.version = e.etag;
    if (kind === 'connections') {
      const reserved = await this.reserveParams(e);
      if (!reserved.ok) return reserved;
    }
    await this.store.put(kind, ctx.sandbox.id, e.id, e);
    if (kind === 'connections') {
      await this.indexInlet(ctx, e);
      await this.store.put('connection-index', GLOBAL, e.id, { sandboxId: ctx.sandbox.id, orgId: ctx.orgId });
    }
    return ok(e);
  }

  /** Connection params that identify a connection from outside (a Segment write key, a datastream id). */
  private indexedParams(e: FlowEntity): Array<[IndexedParam, string]> {
    const p = paramsOf(e) ?? {};
    return INDEXED_PARAMS.filter((k) => typeof p[k] === 'string').map((k) => [k, p[k] as string]);
  }

  /** Claims the connection's global params atomically; a value owned by another connection is a 409. */
  private async reserveParams(e: FlowEntity): Promise<Result<void, Problem>> {
    const done: string[] = [];
    for (const [name, value] of this.indexedParams(e)) {
      const key = `${name}:${value}`;
      const r = await this.store.put('param-index', GLOBAL, key, { connectionId: e.id }, { expectedVersion: 0 });
      if (!r.ok) {
        for (const k of done) await this.store.delete('param-index', GLOBAL, k);
        return err(conflict(`auth.params.${name} is already used by another connection`));
      }
      done.push(key);
    }
    return ok(undefined);
  }

  /** The connection that owns a write key or datastream id. */
  async resolveByParam(name: IndexedParam, value: string): Promise<{ sandboxId: string; orgId: string; connection: FlowEntity } | undefined> {
    const idx = (await this.store.get<{ connectionId: string }>('param-index', GLOBAL, `${name}:${value}`))?.doc;
    return idx ? this.resolveConnection(idx.connectionId) : undefined;
  }

  /** The connection that owns a write key (Segment-style sources). */
  resolveWriteKey(writeKey: string) {
    return this.resolveByParam('writeKey', writeKey);
  }

  /** Finds a base connection by id without knowing its sandbox (webhook endpoints have no gateway headers). */
  async resolveConnection(id: string): Promise<{ sandboxId: string; orgId: string; connection: FlowEntity } | undefined> {
    const idx = (await this.store.get<{ sandboxId: string; orgId: string }>('connection-index', GLOBAL, id))?.doc;
    if (!idx) return undefined;
    const connection = (await this.store.get<FlowEntity>('connections', idx.sandboxId, id))?.doc;
    return connection ? { ...idx, connection } : undefined;
  }

  private async indexInlet(ctx: SandboxContext, e: FlowEntity): Promise<void> {
    const spec = (e.connectionSpec as { id?: string } | undefined)?.id;
    if (spec !== STREAMING_SPEC) return;
    const p = paramsOf(e)!;
    const idx: InletIndex = {
      inletId: String(p.inletId),
      orgId: ctx.orgId,
      sandboxId: ctx.sandbox.id,
      dataType: p.dataType as 'xdm' | 'raw',
      authenticationRequired: p.authenticationRequired === true,
      sourceId: String(p.sourceId),
      connectionId: e.id,
      name: String(e.name),
    };
    await this.store.put('inlet', GLOBAL, idx.inletId, idx);
    this.inletCache.delete(idx.inletId);
  }

  async get(sandboxId: string, kind: FlowKind, id: string): Promise<FlowEntity | undefined> {
    const e = (await this.store.get<FlowEntity>(kind, sandboxId, id))?.doc;
    if (e && kind === 'connections') this.refreshUrl(e);
    return e;
  }

  private refreshUrl(e: FlowEntity): void {
    const p = paramsOf(e);
    if (p && typeof p.inletId === 'string') p.inletUrl = this.inletUrl(p.inletId);
  }

  async list(sandboxId: string, kind: FlowKind): Promise<FlowEntity[]> {
    const all = (await this.store.list<FlowEntity>(kind, sandboxId)).map((r) => r.doc);
    if (kind === 'connections') all.forEach((e) => this.refreshUrl(e));
    return all;
  }

  /**
   * JSON Patch (RFC 6902) with optimistic concurrency: `ifMatch` must be the current etag (412 otherwise, also
   * when another writer wins the race). The patched entity is validated like a new one.
   */
  async patch(ctx: SandboxContext, kind: FlowKind, id: string, ops: unknown, ifMatch: string | undefined): Promise<Result<FlowEntity, Problem>> {
    const stored = await this.store.get<FlowEntity>(kind, ctx.sandbox.id, id);
    if (!stored) return err(notFound(`No ${kind} ${id}`));
    const cur = stored.doc;
    if (!ifMatch) return err(badRequest('The If-Match header with the current etag is required'));
    if (ifMatch !== cur.etag) return err(versionMismatch(ifMatch, cur.etag));
    if (!Array.isArray(ops) && !isObj(ops)) return err(badRequest('The body must be a JSON Patch array'));
    const next = applyJsonPatch(cur, Array.isArray(ops) ? ops : [ops]);
    if (!next.ok) return err(badRequest(next.error));
    if (!isObj(next.value)) return err(badRequest('The patched entity must be an object'));
    const doc = next.value as FlowEntity;
    for (const k of ['id', 'connectionSpec', 'createdAt', 'createdBy', 'sandboxId', 'imsOrgId'])
      if (JSON.stringify(doc[k]) !== JSON.stringify(cur[k])) return err(badRequest(`${k} cannot be changed`));
    if (kind === 'connections') {
      const a = paramsOf(doc);
      const b = paramsOf(cur);
      for (const k of ['inletId', ...INDEXED_PARAMS]) if (a?.[k] !== b?.[k]) return err(badRequest(`auth.params.${k} cannot be changed`));
    }
    const v = await validateEntity(this.validationDeps(), ctx, kind, doc, cur);
    if (!v.ok) return v;
    const e = { ...doc, ...v.value, ...this.meta(ctx, cur) } as FlowEntity;
    e.version = e.etag;
    const put = await this.store.put(kind, ctx.sandbox.id, id, e, { expectedVersion: stored.version });
    if (!put.ok) {
      const now = (await this.store.get<FlowEntity>(kind, ctx.sandbox.id, id))?.doc;
      return err(now ? versionMismatch(ifMatch, now.etag) : notFound(`No ${kind} ${id}`));
    }
    if (kind === 'connections') await this.indexInlet(ctx, e);
    return ok(e);
  }

  async remove(ctx: SandboxContext, kind: FlowKind, id: string): Promise<boolean> {
    const cur = await this.get(ctx.sandbox.id, kind, id);
    if (!cur) return false;
    await this.store.delete(kind, ctx.sandbox.id, id);
    if (kind === 'connections') {
      await this.store.delete('connection-index', GLOBAL, id);
      for (const [name, value] of this.indexedParams(cur)) await this.store.delete('param-index', GLOBAL, `${name}:${value}`);
      const inlet = paramsOf(cur)?.inletId;
      if (typeof inlet === 'string') {
        await this.store.delete('inlet', GLOBAL, inlet);
        this.inletCache.delete(inlet);
      }
    }
    return true;
  }

  // ---- legacy inlets (/data/core/edge/inlet) ----------------------------------------------------------

  async createLegacyInlet(ctx: SandboxContext, body: unknown): Promise<Result<Record<string, unknown>, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    if (typeof body.name !== 'string' || body.name.trim() === '') return err(badRequest('name is required'));
    const dataType = body.dataType ?? 'xdm';
    if (dataType !== 'xdm' && dataType !== 'raw') return err(badRequest(`dataType must be "xdm" or "raw", got ${JSON.stringify(dataType)}`));
    if (body.authenticationRequired !== undefined && typeof body.authenticationRequired !== 'boolean') return err(badRequest('authenticationRequired must be a boolean'));
    if (body.sourceId !== undefined && (typeof body.sourceId !== 'string' || body.sourceId === '')) return err(badRequest('sourceId must be a non-empty string'));
    if (body.description !== undefined && typeof body.description !== 'string') return err(badRequest('description must be a string'));
    const id = newInletId();
    const now = new Date(this.clock.now()).toISOString();
    const view: Record<string, unknown> = {
      inletId: id,
      imsOrg: ctx.orgId,
      sourceId: typeof body.sourceId === 'string' ? body.sourceId : body.name,
      dataType,
      name: body.name,
      description: typeof body.description === 'string' ? body.description : '',
      createdAt: now,
      createdBy: ctx.actor,
      authenticationRequired: body.authenticationRequired === true,
      modifiedAt: now,
      modifiedBy: ctx.actor,
      validationRequired: true,
    };
    const idx: InletIndex = {
      inletId: id,
      orgId: ctx.orgId,
      sandboxId: ctx.sandbox.id,
      dataType,
      authenticationRequired: body.authenticationRequired === true,
      sourceId: String(view.sourceId),
      name: body.name,
      legacy: view,
    };
    await this.store.put('inlet', GLOBAL, id, idx);
    await this.store.put('legacy-inlet', ctx.sandbox.id, id, view);
    return ok({ ...view, inletUrl: this.inletUrl(id) });
  }

  async listLegacyInlets(sandboxId: string): Promise<Array<Record<string, unknown>>> {
    return (await this.store.list<Record<string, unknown>>('legacy-inlet', sandboxId)).map((r) => ({ ...r.doc, inletUrl: this.inletUrl(r.id) }));
  }

  async getLegacyInlet(sandboxId: string, id: string): Promise<Record<string, unknown> | undefined> {
    const doc = (await this.store.get<Record<string, unknown>>('legacy-inlet', sandboxId, id))?.doc;
    return doc ? { ...doc, inletUrl: this.inletUrl(id) } : undefined;
  }

  async deleteLegacyInlet(sandboxId: string, id: string): Promise<boolean> {
    const deleted = await this.store.delete('legacy-inlet', sandboxId, id);
    if (deleted) await this.store.delete('inlet', GLOBAL, id);
    this.inletCache.delete(id);
    return deleted;
  }

  // ---- mapping sets -----------------------------------------------------------------------------

  /** Compiles the mapping set first: an invalid one is a 400 naming the bad mapping (`mappings[i] (destination "...")`). */
  async createMappingSet(ctx: SandboxContext, body: unknown): Promise<Result<MappingSetDoc, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    if (body.xdmSchema !== undefined && typeof body.xdmSchema !== 'string') return err(badRequest('xdmSchema must be a string'));
    const c = compileMappingSet(body.mappings, () => this.clock.now());
    if (!c.ok) return err(badRequest(`Invalid mapping set: ${c.error}`));
    const refs = await checkEntityReferences(this.validationDeps(), ctx, 'mappingSets', body);
    if (!refs.ok) return refs;
    const now = this.clock.now();
    const { id: _i, version: _v, createdDate: _c, modifiedDate: _m, createdBy: _cb, modifiedBy: _mb, ...rest } = body;
    const ms: MappingSetDoc = {
      ...rest,
      mappings: body.mappings as unknown[],
      id: randomHex(16),
      version: 0,
      createdDate: now,
      modifiedDate: now,
      createdBy: ctx.actor,
      modifiedBy: ctx.actor,
    };
    await this.store.put('mappingSets', ctx.sandbox.id, ms.id, ms);
    return ok(ms);
  }

  async getMappingSet(sandboxId: string, id: string): Promise<MappingSetDoc | undefined> {
    return (await this.store.get<MappingSetDoc>('mappingSets', sandboxId, id))?.doc;
  }

  async listMappingSets(sandboxId: string): Promise<MappingSetDoc[]> {
    return (await this.store.list<MappingSetDoc>('mappingSets', sandboxId)).map((r) => r.doc);
  }

  // ---- FlowDirectory --------------------------------------------------------------------------------

  /**
   * A dataflow with what ingestion needs: the target dataset and schema, the compiled mapping (`map`) and the
   * entities behind them. Undefined when the flow, its target connection or the target's dataSetId is missing.
   */
  async resolveFlow(sandboxId: string, flowId: string): Promise<ResolvedFlow | undefined> {
    const flow = await this.get(sandboxId, 'flows', flowId);
    if (!flow) return undefined;
    const targetId = (flow.targetConnectionIds as unknown[] | undefined)?.[0];
    const targetConnection = typeof targetId === 'string' ? await this.get(sandboxId, 'targetConnections', targetId) : undefined;
    const datasetId = (targetConnection?.params as { dataSetId?: unknown } | undefined)?.dataSetId;
    if (!targetConnection || typeof datasetId !== 'string') return undefined;
    const schemaId = String((targetConnection.data as { schema?: { id?: string } } | undefined)?.schema?.id ?? '');
    const sourceId = (flow.sourceConnectionIds as unknown[] | undefined)?.[0];
    const sourceConnection = typeof sourceId === 'string' ? await this.get(sandboxId, 'sourceConnections', sourceId) : undefined;
    let inletId: string | undefined;
    if (typeof sourceConnection?.baseConnectionId === 'string') {
      const base = await this.get(sandboxId, 'connections', sourceConnection.baseConnectionId);
      const id = paramsOf(base)?.inletId;
      if (typeof id === 'string') inletId = id;
    }
    const out: ResolvedFlow = { flowId, datasetId, schemaId, flow, sourceConnection, targetConnection, inletId };
    const tr = (flow.transformations as Array<{ name?: string; params?: { mappingId?: string } }> | undefined)?.find((t) => t?.name === 'Mapping');
    const mappingId = tr?.params?.mappingId;
    if (typeof mappingId === 'string') {
      const mappingSet = await this.getMappingSet(sandboxId, mappingId);
      if (mappingSet) {
        out.mapping = { id: mappingId, version: mappingSet.version, mappingSet };
        const key = `${sandboxId}/${mappingId}`;
        let map = this.mapCache.get(key);
        if (!map) {
          const c = compileMappingSet(mappingSet.mappings, () => this.clock.now());
          if (c.ok) {
            map = c.value;
            this.mapCache.set(key, map);
          }
        }
        out.map = map;
      }
    }
    return out;
  }

  /** Dataflows whose source connection's base connection is this inlet's streaming connection (none for legacy inlets). */
  async flowsForInlet(inletId: string): Promise<FlowEntity[]> {
    const inlet = await this.resolveInlet(inletId);
    if (!inlet?.connectionId) return [];
    const sources = new Set(
      (await this.list(inlet.sandboxId, 'sourceConnections')).filter((s) => s.baseConnectionId === inlet.connectionId).map((s) => s.id),
    );
    if (sources.size === 0) return [];
    return (await this.list(inlet.sandboxId, 'flows')).filter((f) => Array.isArray(f.sourceConnectionIds) && f.sourceConnectionIds.some((id) => sources.has(id as string)));
  }
}

export type { InletInfo };
export { problem };
