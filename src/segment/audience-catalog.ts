import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { uuid } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import { badRequest, conflict, notFound, type Problem } from '../shared/problem.js';
import { isObj } from '../shared/objects.js';
import type { DefinitionService, SandboxRef } from './definition-service.js';
import type { AudienceService } from './audience-service.js';
import { pageOf, sortByQuery } from '../shared/paging.js';

export const EXTERNAL_AUDIENCE_KIND = 'external-audience';

/** An audience made outside Kith (`type: "ExternalSegment"`): its members arrive as data, under its namespace. */
export interface ExternalAudience {
  id: string;
  audienceId: string;
  name: string;
  namespace: string;
  description?: string;
  type: 'ExternalSegment';
  originName: string;
  lifecycleState: 'draft' | 'published' | 'inactive';
  datasetId?: string;
  labels?: string[];
  linkedAudienceRef?: Record<string, unknown>;
  audienceMeta?: Record<string, unknown>;
  isSystem: false;
  imsOrgId: string;
  sandbox: { sandboxId: string; sandboxName: string; type: string; default: boolean };
  creationTime: number;
  createEpoch: number;
  updateTime: number;
  updateEpoch: number;
}

const LIFECYCLE = ['draft', 'published', 'inactive'];
const ORIGINS = ['CUSTOM_UPLOAD', 'AUDIENCE_ORCHESTRATION', 'AUDIENCE_MATCH', 'AUDIENCE_MANAGER', 'REAL_TIME_CUSTOMER_PROFILE'];
/** Fields of a Kith audience (a segment definition) a PATCH may set. */
const DEFINITION_PATHS = new Set(['name', 'description', 'expression', 'evaluationInfo', 'ttlInDays', 'mergePolicyId', 'labels', 'schema']);
/** Fields of an external audience a PATCH or PUT may set. */
const EXTERNAL_FIELDS = ['audienceId', 'name', 'namespace', 'description', 'originName', 'lifecycleState', 'datasetId', 'labels', 'linkedAudienceRef', 'audienceMeta'] as const;

/**
 * The write side of `/data/core/ups/audiences` (AEP's successor to segment definitions): `type: "SegmentDefinition"`
 * audiences are Kith's segment definitions (created, replaced, patched and deleted through DefinitionService, so
 * they evaluate like any other); `type: "ExternalSegment"` audiences are metadata of audiences made elsewhere
 * (unique by namespace and audienceId in a sandbox). Reads go through AudienceService (sizes included).
 */
export class AudienceCatalog {
  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
    private readonly definitions: DefinitionService,
    private readonly audiences: AudienceService,
  ) {}

  async create(sb: SandboxRef, body: unknown): Promise<Result<Record<string, unknown>, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be an audience object'));
    if (body.type === 'ExternalSegment') return this.createExternal(sb, body);
    if (body.type !== undefined && body.type !== 'SegmentDefinition') return err(badRequest('type must be "SegmentDefinition" or "ExternalSegment"'));
    const d = await this.definitions.create(sb, withoutAudienceFields(body));
    if (!d.ok) return d;
    return this.audiences.get(sb, d.value.id);
  }

  /**
   * Kith's audiences (with sizes) and the external ones: `name` and `description` match by substring, any case;
   * `property` is `field==value` (e.g. `audienceId==x`, `type==ExternalSegment`); `sort` is `field:asc|desc`.
   */
  async list(sb: SandboxRef, q: { start?: number; limit?: number; name?: string; description?: string; property?: string; sort?: string } = {}): Promise<Record<string, unknown>> {
    let all = await this.all(sb);
    const has = (field: string, want: string) => (a: Record<string, unknown>) => typeof a[field] === 'string' && (a[field] as string).toLowerCase().includes(want.toLowerCase());
    if (q.name) all = all.filter(has('name', q.name));
    if (q.description) all = all.filter(has('description', q.description));
    if (q.property) {
      const m = /^([A-Za-z]+)==(.*)$/.exec(q.property);
      if (m) all = all.filter((a) => String(a[m[1]!]) === m[2]);
    }
    sortByQuery(all, q.sort, ['creationTime', 'updateTime', 'updateEpoch', 'name'], (a) => String(a.id));
    const { items: children, limit, next } = pageOf(all, q);
    return {
      children,
      _page: { totalCount: all.length, pageSize: children.length, limit, ...(next !== undefined ? { next: String(next) } : {}) },
      _links: next !== undefined ? { next: { href: `@/audiences?start=${next}&limit=${limit}&totalCount=${all.length}` } } : {},
    };
  }

  /** Every audience of the sandbox, Kith's (with sizes) then external ones, unpaged. */
  async all(sb: SandboxRef): Promise<Array<Record<string, unknown>>> {
    return [...(await this.audiences.all(sb)), ...(await this.externals(sb.sandbox.id)).map((a) => ({ ...a }))];
  }

  async get(sb: SandboxRef, id: string): Promise<Result<Record<string, unknown>, Problem>> {
    const r = await this.audiences.get(sb, id);
    if (r.ok || r.error.status !== 404) return r;
    const x = await this.resources.get<ExternalAudience>(EXTERNAL_AUDIENCE_KIND, sb.sandbox.id, id);
    return x ? ok({ ...x.doc }) : err(notFound(`Audience ${id} not found`));
  }

  /** Every external audience of a sandbox. */
  private async externals(sandboxId: string): Promise<ExternalAudience[]> {
    return (await this.resources.list<ExternalAudience>(EXTERNAL_AUDIENCE_KIND, sandboxId, { limit: 100_000 })).map((r) => r.doc);
  }

  /** PUT: the whole audience (its id, type, organisation and creation stay; external fields it leaves out are gone). */
  async put(sb: SandboxRef, id: string, body: unknown): Promise<Result<Record<string, unknown>, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be an audience object'));
    const ext = await this.resources.get<ExternalAudience>(EXTERNAL_AUDIENCE_KIND, sb.sandbox.id, id);
    if (ext) {
      if (body.type !== undefined && body.type !== 'ExternalSegment') return err(badRequest('The type of an audience cannot change'));
      return this.writeExternal(sb, withFields(withoutRestated(ext.doc), body), false);
    }
    if (body.type !== undefined && body.type !== 'SegmentDefinition') return err(badRequest('The type of an audience cannot change'));
    const d = await this.definitions.patch(sb, id, withoutAudienceFields(body));
    if (!d.ok) return d.error.status === 404 ? err(notFound(`Audience ${id} not found`)) : d;
    return this.audiences.get(sb, id);
  }

  /** PATCH: JSON Patch `add`/`replace` of top-level fields (AEP: `[{ "op": "add", "path": "/expression", "value": … }]`). */
  async patch(sb: SandboxRef, id: string, ops: unknown): Promise<Result<Record<string, unknown>, Problem>> {
    if (!Array.isArray(ops) || ops.length === 0) return err(badRequest('Body must be a JSON Patch array, e.g. [{ "op": "add", "path": "/name", "value": "…" }]'));
    const changes: Record<string, unknown> = {};
    for (const [i, op] of ops.entries()) {
      if (!isObj(op) || (op.op !== 'add' && op.op !== 'replace')) return err(badRequest(`operation ${i}: op must be "add" or "replace"`));
      const m = typeof op.path === 'string' ? /^\/([A-Za-z]+)$/.exec(op.path) : null;
      if (!m) return err(badRequest(`operation ${i}: path must name a top-level field, e.g. "/name"`));
      changes[m[1]!] = op.value;
    }
    const ext = await this.resources.get<ExternalAudience>(EXTERNAL_AUDIENCE_KIND, sb.sandbox.id, id);
    if (ext) {
      const bad = Object.keys(changes).find((k) => !(EXTERNAL_FIELDS as readonly string[]).includes(k));
      if (bad) return err(badRequest(`/${bad} cannot be changed on an external audience`));
      return this.writeExternal(sb, withFields(ext.doc, changes), false);
    }
    const bad = Object.keys(changes).find((k) => !DEFINITION_PATHS.has(k));
    if (bad) return err(badRequest(`/${bad} cannot be changed on a Kith audience`));
    const d = await this.definitions.patch(sb, id, changes);
    if (!d.ok) return d.error.status === 404 ? err(notFound(`Audience ${id} not found`)) : d;
    return this.audiences.get(sb, id);
  }

  async delete(sb: SandboxRef, id: string): Promise<Result<true, Problem>> {
    if (await this.resources.delete(EXTERNAL_AUDIENCE_KIND, sb.sandbox.id, id)) return ok(true);
    const d = await this.definitions.delete(sb, id);
    if (!d.ok) return d.error.status === 404 ? err(notFound(`Audience ${id} not found`)) : d;
    return ok(true);
  }

  async bulkGet(sb: SandboxRef, ids: string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const id of ids) {
      const r = await this.get(sb, id);
      out[id] = r.ok ? r.value : { status: r.error.status, ...(r.error.body as object) };
    }
    return out;
  }

  private async createExternal(sb: SandboxRef, body: Record<string, unknown>): Promise<Result<Record<string, unknown>, Problem>> {
    const now = this.clock.now();
    const id = uuid();
    const base: ExternalAudience = {
      id,
      audienceId: id,
      name: '',
      namespace: '',
      type: 'ExternalSegment',
      originName: 'CUSTOM_UPLOAD',
      lifecycleState: 'published',
      isSystem: false,
      imsOrgId: sb.orgId,
      sandbox: { sandboxId: sb.sandbox.id, sandboxName: sb.sandbox.name, type: sb.sandbox.type ?? 'production', default: sb.sandbox.isDefault ?? sb.sandbox.name === 'prod' },
      creationTime: now,
      createEpoch: Math.floor(now / 1000),
      updateTime: now,
      updateEpoch: Math.floor(now / 1000),
    };
    return this.writeExternal(sb, withFields(base, body), true);
  }

  /** Validates and stores an external audience (unique by namespace and audienceId in its sandbox). */
  private async writeExternal(sb: SandboxRef, next: ExternalAudience, isNew: boolean): Promise<Result<Record<string, unknown>, Problem>> {
    const problem = validExternal(next);
    if (problem) return err(problem);
    const clash = (await this.externals(sb.sandbox.id)).find((a) => a.id !== next.id && a.namespace === next.namespace && a.audienceId === next.audienceId);
    if (clash) return err(conflict(`An external audience ${next.namespace}/${next.audienceId} already exists (${clash.id})`));
    if (!isNew) {
      const now = this.clock.now();
      next.updateTime = now;
      next.updateEpoch = Math.floor(now / 1000);
    }
    await this.resources.put(EXTERNAL_AUDIENCE_KIND, sb.sandbox.id, next.id, next);
    return ok({ ...next });
  }
}

/** `a` with the settable fields `body` gives (the rest of `a`, id and organisation included, stays). */
function withFields(a: ExternalAudience, body: Record<string, unknown>): ExternalAudience {
  const next: Record<string, unknown> = { ...a };
  for (const k of EXTERNAL_FIELDS) if (body[k] !== undefined) next[k] = body[k];
  return next as unknown as ExternalAudience;
}

/** `a` without the fields a PUT restates (name and namespace must be given again; optional ones it leaves out go). */
function withoutRestated(a: ExternalAudience): ExternalAudience {
  const { description: _d, datasetId: _ds, labels: _l, linkedAudienceRef: _r, audienceMeta: _m, ...rest } = a;
  return { ...rest, name: '', namespace: '' };
}

function validExternal(a: ExternalAudience): Problem | undefined {
  const str = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  if (!str(a.name)) return badRequest('name is required');
  if (!str(a.namespace)) return badRequest('namespace is required for an external audience (e.g. "aam")');
  if (a.namespace === 'ups' || a.namespace === 'AEPSegments') return badRequest(`namespace "${a.namespace}" belongs to Kith's own audiences`);
  if (!str(a.audienceId)) return badRequest('audienceId must be a non-empty string');
  if (!LIFECYCLE.includes(a.lifecycleState)) return badRequest(`lifecycleState must be one of ${LIFECYCLE.join(', ')}`);
  if (!ORIGINS.includes(a.originName)) return badRequest(`originName must be one of ${ORIGINS.join(', ')}`);
  if (a.description !== undefined && typeof a.description !== 'string') return badRequest('description must be a string');
  if (a.datasetId !== undefined && typeof a.datasetId !== 'string') return badRequest('datasetId must be a string');
  if (a.labels !== undefined && !(Array.isArray(a.labels) && a.labels.every((l) => typeof l === 'string'))) return badRequest('labels must be an array of strings');
  for (const k of ['linkedAudienceRef', 'audienceMeta'] as const) if (a[k] !== undefined && !isObj(a[k])) return badRequest(`${k} must be an object`);
  return undefined;
}

/** An audience body as a segment definition body (audience-only fields dropped; labels kept). */
function withoutAudienceFields(body: Record<string, unknown>): Record<string, unknown> {
  const { type: _t, namespace: _n, lifecycleState: _l, originName: _o, audienceId: _a, id: _i, ...rest } = body;
  return rest;
}
