import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import type { SandboxContext } from '../http/request-context.js';
import { inletId as newInletId, randomHex, uuid } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, notFound, problem, type Problem } from '../shared/problem.js';
import { applyJsonPatch } from '../shared/json-patch.js';
import type { FlowDirectory, FlowInfo, InletDirectory, InletInfo } from '../ingest/ports.js';
import { compileMappingSet, type MapFn } from './mapping/mapping-set.js';

export const STREAMING_SPEC = 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb';
export const DATA_LAKE_TARGET_SPEC = 'c604ff05-7f1a-43c0-8e18-33bf874cb11c';
export const FLOW_SPEC_PLAIN = 'd8a6f005-7eaf-4153-983e-e8574508b877';
export const FLOW_SPEC_MAPPING = 'c1a19761-d2c7-4702-b9fa-fe91f0613e81';

export type FlowKind = 'connections' | 'sourceConnections' | 'targetConnections' | 'flows';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const GLOBAL = 'global';

export interface FlowEntity extends Record<string, unknown> {
  id: string;
  etag: string;
}

interface InletIndex extends InletInfo {
  connectionId?: string;
  name: string;
  legacy?: Record<string, unknown>;
}

/**
 * Flow Service: base connections (the streaming spec mints an inlet), source/target connections, dataflows,
 * Data Prep mapping sets, and legacy `/data/core/edge/inlet` inlets. Inlets are indexed globally so the
 * collection endpoint can resolve one without headers.
 */
export class FlowService implements InletDirectory, FlowDirectory {
  private readonly mapCache = new Map<string, MapFn>();
  /** Inlets resolved by the collection endpoint (hot path); kept in step by this service's own writes. */
  private readonly inletCache = new Map<string, InletInfo>();

  constructor(
    private readonly store: ResourceStore,
    private readonly clock: Clock,
    private readonly opts: { baseUrl: () => string },
  ) {}

  inletUrl(id: string): string {
    return `${this.opts.baseUrl()}/collection/${id}`;
  }

  async resolveInlet(inletId: string): Promise<InletInfo | undefined> {
    const hit = this.inletCache.get(inletId);
    if (hit) return hit;
    const doc = (await this.store.get<InletIndex>('inlet', GLOBAL, inletId))?.doc;
    if (doc) this.inletCache.set(inletId, doc);
    return doc;
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

  async create(ctx: SandboxContext, kind: FlowKind, body: unknown): Promise<Result<FlowEntity, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    if (typeof body.name !== 'string' || body.name.trim() === '') return err(badRequest('name is required'));
    const v = await this.validate(ctx, kind, body);
    if (!v.ok) return v;
    const e = { ...body, ...v.value, id: uuid(), ...this.meta(ctx) } as FlowEntity;
    if (kind === 'connections') e.state = 'enabled';
    if (kind === 'flows') e.state = 'enabled';
    e.version = e.etag;
    await this.store.put(kind, ctx.sandbox.id, e.id, e);
    if (kind === 'connections') {
      await this.indexInlet(ctx, e);
      await this.store.put('connection-index', GLOBAL, e.id, { sandboxId: ctx.sandbox.id, orgId: ctx.orgId });
      for (const [name, value] of this.indexedParams(e)) await this.store.put('param-index', GLOBAL, `${name}:${value}`, { connectionId: e.id });
    }
    return ok(e);
  }

  /** Connection params that identify a connection from outside (a Segment write key, a datastream id). */
  private indexedParams(e: FlowEntity): Array<[string, string]> {
    const p = (e.auth as { params?: Record<string, unknown> } | undefined)?.params ?? {};
    return (['writeKey', 'datastreamId'] as const).filter((k) => typeof p[k] === 'string').map((k) => [k, p[k] as string]);
  }

  /** The connection that owns a write key or datastream id. */
  async resolveByParam(name: 'writeKey' | 'datastreamId', value: string): Promise<{ sandboxId: string; orgId: string; connection: FlowEntity } | undefined> {
    const idx = (await this.store.get<{ connectionId: string }>('param-index', GLOBAL, `${name}:${value}`))?.doc;
    return idx ? this.resolveConnection(idx.connectionId) : undefined;
  }

  /** Source specs that fill in connection params at creation (e.g. a Segment write key). */
  private readonly specParams = new Map<string, (params: Record<string, unknown>) => Record<string, unknown>>();

  registerSpec(specId: string, fill: (params: Record<string, unknown>) => Record<string, unknown>): void {
    this.specParams.set(specId, fill);
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

  private async validate(ctx: SandboxContext, kind: FlowKind, body: Record<string, unknown>): Promise<Result<Record<string, unknown>, Problem>> {
    const spec = isObj(body.connectionSpec) ? body.connectionSpec : undefined;
    if (kind === 'connections') {
      if (!spec || typeof spec.id !== 'string') return err(badRequest('connectionSpec.id is required'));
      const fill = this.specParams.get(spec.id);
      if (fill) {
        const auth = isObj(body.auth) ? body.auth : {};
        return ok({ auth: { ...auth, params: fill(isObj(auth.params) ? auth.params : {}) } });
      }
      if (spec.id !== STREAMING_SPEC) return ok({});
      const auth = isObj(body.auth) ? body.auth : {};
      const params = isObj(auth.params) ? { ...auth.params } : {};
      const dataType = params.dataType ?? 'xdm';
      if (dataType !== 'xdm' && dataType !== 'raw') return err(badRequest('auth.params.dataType must be "xdm" or "raw"'));
      if (params.authenticationRequired !== undefined && typeof params.authenticationRequired !== 'boolean')
        return err(badRequest('auth.params.authenticationRequired must be a boolean'));
      const id = typeof params.inletId === 'string' ? params.inletId : newInletId();
      return ok({
        auth: {
          specName: auth.specName ?? 'Streaming Connection',
          params: {
            ...params,
            sourceId: params.sourceId ?? body.name,
            name: params.name ?? body.name,
            dataType,
            authenticationRequired: params.authenticationRequired ?? false,
            inletId: id,
            inletUrl: this.inletUrl(id),
          },
        },
      });
    }
    if (kind === 'sourceConnections') {
      if (typeof body.baseConnectionId === 'string' && !(await this.store.get('connections', ctx.sandbox.id, body.baseConnectionId)))
        return err(badRequest(`Base connection ${body.baseConnectionId} does not exist`));
      return ok({});
    }
    if (kind === 'targetConnections') {
      if (spec?.id === DATA_LAKE_TARGET_SPEC) {
        const params = isObj(body.params) ? body.params : {};
        if (typeof params.dataSetId !== 'string') return err(badRequest('params.dataSetId is required for a data lake target connection'));
      }
      return ok({});
    }
    // flows
    const fs = isObj(body.flowSpec) ? body.flowSpec : undefined;
    if (!fs || typeof fs.id !== 'string') return err(badRequest('flowSpec.id is required'));
    for (const [field, k] of [
      ['sourceConnectionIds', 'sourceConnections'],
      ['targetConnectionIds', 'targetConnections'],
    ] as const) {
      const ids = body[field];
      if (!Array.isArray(ids) || ids.length === 0) return err(badRequest(`${field} must be a non-empty array`));
      for (const id of ids) if (typeof id !== 'string' || !(await this.store.get(k, ctx.sandbox.id, id))) return err(badRequest(`${field}: ${String(id)} does not exist`));
    }
    const tr = body.transformations;
    if (tr !== undefined) {
      if (!Array.isArray(tr)) return err(badRequest('transformations must be an array'));
      for (const t of tr) {
        if (!isObj(t) || t.name !== 'Mapping') return err(badRequest('The transformation name must be exactly "Mapping"'));
        const p = isObj(t.params) ? t.params : {};
        if (typeof p.mappingId !== 'string' || !(await this.store.get('mappingSets', ctx.sandbox.id, p.mappingId)))
          return err(badRequest(`Mapping set ${String(p.mappingId)} does not exist`));
      }
    }
    if (fs.id === FLOW_SPEC_MAPPING && (!Array.isArray(tr) || tr.length === 0)) return err(badRequest(`flowSpec ${FLOW_SPEC_MAPPING} needs a Mapping transformation`));
    return ok({});
  }

  private async indexInlet(ctx: SandboxContext, e: FlowEntity): Promise<void> {
    const spec = (e.connectionSpec as { id?: string } | undefined)?.id;
    if (spec !== STREAMING_SPEC) return;
    const p = (e.auth as { params: Record<string, unknown> }).params;
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
    const p = (e.auth as { params?: Record<string, unknown> } | undefined)?.params;
    if (p && typeof p.inletId === 'string') p.inletUrl = this.inletUrl(p.inletId);
  }

  async list(sandboxId: string, kind: FlowKind): Promise<FlowEntity[]> {
    const all = (await this.store.list<FlowEntity>(kind, sandboxId)).map((r) => r.doc);
    if (kind === 'connections') all.forEach((e) => this.refreshUrl(e));
    return all;
  }

  async patch(ctx: SandboxContext, kind: FlowKind, id: string, ops: unknown, ifMatch: string | undefined): Promise<Result<FlowEntity, Problem>> {
    const cur = await this.get(ctx.sandbox.id, kind, id);
    if (!cur) return err(notFound(`No ${kind} ${id}`));
    if (!ifMatch) return err(badRequest('The If-Match header with the current etag is required'));
    if (ifMatch !== cur.etag)
      return err({ status: 412, body: { errorMessage: `Supplied version=[${ifMatch}] does not match the current version on entity=[${cur.etag}]` } });
    const next = applyJsonPatch(cur, Array.isArray(ops) ? ops : [ops]);
    if (!next.ok) return err(badRequest(next.error));
    const doc = next.value as FlowEntity;
    for (const k of ['id', 'connectionSpec', 'createdAt', 'createdBy', 'sandboxId', 'imsOrgId'])
      if (JSON.stringify(doc[k]) !== JSON.stringify(cur[k])) return err(badRequest(`${k} cannot be changed`));
    if (kind === 'connections') {
      const a = (doc.auth as { params?: Record<string, unknown> } | undefined)?.params;
      const b = (cur.auth as { params?: Record<string, unknown> } | undefined)?.params;
      if (a?.inletId !== b?.inletId) return err(badRequest('auth.params.inletId cannot be changed'));
    }
    const e = { ...doc, ...this.meta(ctx, cur) } as FlowEntity;
    e.version = e.etag;
    await this.store.put(kind, ctx.sandbox.id, id, e);
    if (kind === 'connections') await this.indexInlet(ctx, e);
    if (kind === 'flows') this.mapCache.clear();
    return ok(e);
  }

  async remove(ctx: SandboxContext, kind: FlowKind, id: string): Promise<boolean> {
    const cur = await this.get(ctx.sandbox.id, kind, id);
    if (!cur) return false;
    await this.store.delete(kind, ctx.sandbox.id, id);
    const inlet = (cur.auth as { params?: { inletId?: string } } | undefined)?.params?.inletId;
    if (kind === 'connections') {
      await this.store.delete('connection-index', GLOBAL, id);
      for (const [name, value] of this.indexedParams(cur)) await this.store.delete('param-index', GLOBAL, `${name}:${value}`);
    }
    if (kind === 'connections' && inlet) {
      await this.store.delete('inlet', GLOBAL, inlet);
      this.inletCache.delete(inlet);
    }
    this.mapCache.clear();
    return true;
  }

  // ---- legacy inlets ----------------------------------------------------------------------------

  async createLegacyInlet(ctx: SandboxContext, body: unknown): Promise<Result<Record<string, unknown>, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    if (typeof body.name !== 'string' || body.name.trim() === '') return err(badRequest('name is required'));
    const dataType = body.dataType ?? 'xdm';
    if (dataType !== 'xdm' && dataType !== 'raw') return err(badRequest('dataType must be "xdm" or "raw"'));
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

  async deleteLegacyInlet(sandboxId: string, id: string): Promise<boolean> {
    const ok1 = await this.store.delete('legacy-inlet', sandboxId, id);
    if (ok1) await this.store.delete('inlet', GLOBAL, id);
    this.inletCache.delete(id);
    return ok1;
  }

  // ---- mapping sets -----------------------------------------------------------------------------

  async createMappingSet(ctx: SandboxContext, body: unknown): Promise<Result<Record<string, unknown>, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const c = compileMappingSet(body.mappings, () => this.clock.now());
    if (!c.ok) return err(badRequest(`Invalid mapping set: ${c.error}`));
    const now = this.clock.now();
    const ms = { ...body, id: randomHex(16), version: 0, createdDate: now, modifiedDate: now, createdBy: ctx.actor, modifiedBy: ctx.actor };
    await this.store.put('mappingSets', ctx.sandbox.id, ms.id, ms);
    return ok(ms);
  }

  async getMappingSet(sandboxId: string, id: string): Promise<Record<string, unknown> | undefined> {
    return (await this.store.get<Record<string, unknown>>('mappingSets', sandboxId, id))?.doc;
  }

  async listMappingSets(sandboxId: string): Promise<Array<Record<string, unknown>>> {
    return (await this.store.list<Record<string, unknown>>('mappingSets', sandboxId)).map((r) => r.doc);
  }

  // ---- FlowDirectory --------------------------------------------------------------------------------

  async resolveFlow(sandboxId: string, flowId: string): Promise<FlowInfo | undefined> {
    const flow = await this.get(sandboxId, 'flows', flowId);
    if (!flow) return undefined;
    const tgt = await this.get(sandboxId, 'targetConnections', String((flow.targetConnectionIds as string[])[0]));
    const datasetId = (tgt?.params as { dataSetId?: string } | undefined)?.dataSetId;
    if (!datasetId) return undefined;
    const schemaId = String(((tgt?.data as { schema?: { id?: string } } | undefined)?.schema?.id) ?? '');
    const tr = (flow.transformations as Array<{ name: string; params: { mappingId: string } }> | undefined)?.find((t) => t.name === 'Mapping');
    let map: MapFn | undefined;
    if (tr) {
      const key = `${sandboxId}/${tr.params.mappingId}`;
      map = this.mapCache.get(key);
      if (!map) {
        const ms = await this.getMappingSet(sandboxId, tr.params.mappingId);
        const c = ms ? compileMappingSet(ms.mappings, () => this.clock.now()) : undefined;
        if (c?.ok) {
          map = c.value;
          this.mapCache.set(key, map);
        }
      }
    }
    return { flowId, datasetId, schemaId, map };
  }
}

export { problem };
