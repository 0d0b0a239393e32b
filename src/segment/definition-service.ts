import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { uuid } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, conflict, notFound, type Problem } from '../shared/problem.js';
import { parsePql } from './pql/parser.js';
import { compileDefinition, pqlProblem } from './compile-definition.js';
import { pqlTextOf } from './pql/conversion.js';
import { DEFINITION_KIND, PROFILE_SCHEMA, type CompiledDefinition, type SegmentDefinition } from './segment-types.js';
import { isObj } from '../shared/objects.js';
import { pageOf, sortByQuery } from '../shared/paging.js';
import { checkReferences } from '../shared/check-references.js';
import { MERGE_POLICY_KIND } from '../profile/merge-policy-service.js';

export interface SandboxRef {
  orgId: string;
  sandbox: { id: string; name: string; type?: string; isDefault?: boolean };
}

export interface ListQuery {
  start?: number;
  limit?: number;
  sort?: string;
  continuous?: boolean;
  name?: string;
}

const MAX_DEFINITIONS = 4000;

/**
 * Segment definitions (`/data/core/ups/segment/definitions`) on the ResourceStore port, scope = sandbox id.
 * A definition is parsed (PQL errors are 400s with the position), checked (inSegment targets exist, no cycles),
 * analysed for streaming eligibility, and kept compiled per sandbox in dependency order (a segment comes after
 * every segment it reads with inSegment), which is the order both evaluators walk.
 */
export class DefinitionService {
  private readonly compiledBySandbox = new Map<string, CompiledDefinition[]>();
  private readonly listeners: Array<(sandboxId: string, change: { created?: string; updated?: string; deleted?: string }) => void> = [];

  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
  ) {}

  onChange(l: (sandboxId: string, change: { created?: string; updated?: string; deleted?: string }) => void): void {
    this.listeners.push(l);
  }

  /** Every definition of a sandbox, unpaged (at most MAX_DEFINITIONS). */
  async all(sandboxId: string): Promise<SegmentDefinition[]> {
    return (await this.resources.list<SegmentDefinition>(DEFINITION_KIND, sandboxId, { limit: MAX_DEFINITIONS + 1 })).map((r) => r.doc);
  }

  /** Checks a create/patch body; returns the fields it sets. */
  private async check(sb: SandboxRef, body: Record<string, unknown>, self?: SegmentDefinition): Promise<Result<Partial<SegmentDefinition> & { root: unknown }, Problem>> {
    const name = body.name ?? self?.name;
    if (typeof name !== 'string' || name.trim() === '') return err(badRequest('name is required'));
    const schema = body.schema ?? self?.schema;
    if (!isObj(schema) || (typeof schema.name !== 'string' && typeof schema.id !== 'string')) return err(badRequest('schema.name is required (only "_xdm.context.profile" is supported)'));
    const schemaName = typeof schema.name === 'string' ? schema.name : String(schema.id);
    if (schemaName !== PROFILE_SCHEMA && schemaName !== 'https://ns.adobe.com/xdm/context/profile')
      return err(badRequest(`schema ${schemaName} is not supported: segment definitions are evaluated on ${PROFILE_SCHEMA}`));
    const expression = body.expression ?? self?.expression;
    if (!isObj(expression)) return err(badRequest('expression is required: { "type": "PQL", "format": "pql/text", "value": "…" }'));
    if (expression.type !== 'PQL') return err(badRequest('expression.type must be "PQL"'));
    // pql/json is read into the same AST and kept as its PQL text (one stored form; /segment/conversion gives the JSON)
    const text = pqlTextOf(expression.format, expression.value);
    if (!text.ok) return text;
    const parsed = parsePql(text.value);
    if (!parsed.ok) return err(pqlProblem(parsed.error));
    const all = await this.all(sb.sandbox.id);
    if (!self && all.length >= MAX_DEFINITIONS) return err(badRequest(`A sandbox holds at most ${MAX_DEFINITIONS} segment definitions`));
    if (all.some((d) => d.name === name && d.id !== self?.id)) return err(conflict(`A segment definition named "${name}" already exists`));
    const c = compileDefinition({ id: self?.id ?? 'new', evaluationInfo: undefined } as unknown as SegmentDefinition, parsed.value.root);
    const deps = [...new Set(c.dependencies)];
    const byId = new Map(all.map((d) => [d.id, d]));
    for (const dep of deps) {
      if (dep === self?.id) return err(badRequest(`inSegment("${dep}") refers to the segment itself`));
      if (!byId.has(dep)) return err(badRequest(`inSegment("${dep}"): no segment definition with this id in the sandbox`));
    }
    if (self) {
      // would the new dependencies make a cycle through this segment?
      const reaches = (from: string, seen = new Set<string>()): boolean => {
        if (from === self.id) return true;
        if (seen.has(from)) return false;
        seen.add(from);
        return (byId.get(from)?.dependencies ?? []).some((d) => reaches(d, seen));
      };
      const cyc = deps.find((d) => reaches(d));
      if (cyc) return err(badRequest(`inSegment("${cyc}") would make a cycle of segments referring to each other`));
    }
    const info = isObj(body.evaluationInfo) ? body.evaluationInfo : undefined;
    const wantContinuous = isObj(info?.continuous) && typeof info.continuous.enabled === 'boolean' ? info.continuous.enabled : (self?.evaluationInfo.continuous.enabled ?? true);
    const ttl = body.ttlInDays ?? self?.ttlInDays ?? 30;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1) return err(badRequest('ttlInDays must be a positive integer'));
    if (body.mergePolicyId !== undefined) {
      const refs = await checkReferences([{ field: 'mergePolicyId', what: 'merge policy', id: body.mergePolicyId, exists: async (id) => (await this.resources.get(MERGE_POLICY_KIND, sb.sandbox.id, id)) !== undefined }]);
      if (!refs.ok) return refs;
    }
    if (body.description !== undefined && typeof body.description !== 'string') return err(badRequest('description must be a string'));
    if (body.labels !== undefined && !(Array.isArray(body.labels) && body.labels.every((l) => typeof l === 'string'))) return err(badRequest('labels must be an array of strings'));
    return ok({
      name,
      schema: { name: PROFILE_SCHEMA },
      expression: { type: 'PQL', format: 'pql/text', value: text.value },
      evaluationInfo: {
        batch: { enabled: true },
        continuous: { enabled: wantContinuous && c.eligibility.eligible, eligible: c.eligibility.eligible, ...(c.eligibility.reason ? { reason: c.eligibility.reason } : {}) },
        synchronous: { enabled: false },
      },
      dependencies: deps,
      ttlInDays: ttl,
      root: parsed.value.root,
    });
  }

  async create(sb: SandboxRef, body: unknown): Promise<Result<SegmentDefinition, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const c = await this.check(sb, body);
    if (!c.ok) return c;
    const now = this.clock.now();
    const { root: _root, ...fields } = c.value;
    const def: SegmentDefinition = {
      ...(body as Record<string, unknown>),
      ...fields,
      id: uuid(),
      profileInstanceId: 'ups',
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
      ...(typeof body.mergePolicyId === 'string' ? { mergePolicyId: body.mergePolicyId } : {}),
      imsOrgId: sb.orgId,
      sandbox: { sandboxId: sb.sandbox.id, sandboxName: sb.sandbox.name, type: sb.sandbox.type ?? 'production', default: sb.sandbox.isDefault ?? sb.sandbox.name === 'prod' },
      dataGovernancePolicy: { excludeOptOut: true },
      creationTime: now,
      updateEpoch: Math.floor(now / 1000),
      updateTime: now,
      version: 1,
    } as SegmentDefinition;
    await this.resources.put(DEFINITION_KIND, sb.sandbox.id, def.id, def);
    this.compiledBySandbox.delete(sb.sandbox.id);
    for (const l of this.listeners) l(sb.sandbox.id, { created: def.id });
    return ok(def);
  }

  async get(sb: SandboxRef, id: string): Promise<Result<SegmentDefinition, Problem>> {
    const r = await this.resources.get<SegmentDefinition>(DEFINITION_KIND, sb.sandbox.id, id);
    return r ? ok(r.doc) : err(notFound(`Segment definition ${id} not found`));
  }

  async bulkGet(sb: SandboxRef, ids: string[]): Promise<Record<string, SegmentDefinition | { status: number; message: string }>> {
    const out: Record<string, SegmentDefinition | { status: number; message: string }> = {};
    for (const id of ids) {
      const r = await this.get(sb, id);
      out[id] = r.ok ? r.value : { status: 404, message: `Segment definition ${id} not found` };
    }
    return out;
  }

  async list(sb: SandboxRef, q: ListQuery = {}): Promise<{ segments: SegmentDefinition[]; page: Record<string, unknown>; link: Record<string, unknown> }> {
    let all = await this.all(sb.sandbox.id);
    if (q.continuous !== undefined) all = all.filter((d) => d.evaluationInfo.continuous.enabled === q.continuous);
    if (q.name) all = all.filter((d) => d.name.toLowerCase().includes(q.name!.toLowerCase()));
    const { field, dir } = sortByQuery(all, q.sort, ['creationTime', 'updateTime', 'name', 'updateEpoch'], (d) => d.id);
    const { items: segments, limit, next } = pageOf(all, q);
    return {
      segments,
      page: { totalCount: all.length, totalPages: Math.ceil(all.length / limit), sortField: field, sort: dir, pageSize: segments.length, limit },
      link: next !== undefined ? { next: `?start=${next}&limit=${limit}` } : {},
    };
  }

  /** PATCH takes the (partial or full) definition object, not JSON Patch (AEP). */
  async patch(sb: SandboxRef, id: string, body: unknown): Promise<Result<SegmentDefinition, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const cur = await this.get(sb, id);
    if (!cur.ok) return cur;
    const c = await this.check(sb, body, cur.value);
    if (!c.ok) return c;
    const now = this.clock.now();
    const { root: _root, ...fields } = c.value;
    const changedExpr = fields.expression!.value !== cur.value.expression.value;
    const def: SegmentDefinition = {
      ...cur.value,
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
      ...(typeof body.mergePolicyId === 'string' ? { mergePolicyId: body.mergePolicyId } : {}),
      ...(Array.isArray(body.labels) ? { labels: body.labels } : {}),
      ...fields,
      id,
      updateEpoch: Math.floor(now / 1000),
      updateTime: now,
      version: cur.value.version + (changedExpr ? 1 : 0),
    };
    await this.resources.put(DEFINITION_KIND, sb.sandbox.id, id, def);
    this.compiledBySandbox.delete(sb.sandbox.id);
    for (const l of this.listeners) l(sb.sandbox.id, { updated: id });
    return ok(def);
  }

  async delete(sb: SandboxRef, id: string): Promise<Result<SegmentDefinition, Problem>> {
    const cur = await this.get(sb, id);
    if (!cur.ok) return cur;
    const users = (await this.all(sb.sandbox.id)).filter((d) => d.dependencies.includes(id));
    if (users.length > 0) return err(conflict(`Segment ${id} is used by inSegment() in: ${users.map((u) => u.name).join(', ')}`));
    await this.resources.delete(DEFINITION_KIND, sb.sandbox.id, id);
    this.compiledBySandbox.delete(sb.sandbox.id);
    for (const l of this.listeners) l(sb.sandbox.id, { deleted: id });
    return ok(cur.value);
  }

  /** Every definition of the sandbox, compiled, in dependency order. */
  async compiled(sandboxId: string): Promise<CompiledDefinition[]> {
    const hit = this.compiledBySandbox.get(sandboxId);
    if (hit) return hit;
    const defs = await this.all(sandboxId);
    const compiled = new Map<string, CompiledDefinition>();
    for (const d of defs) {
      const p = parsePql(d.expression.value);
      if (!p.ok) continue; // stored definitions parsed when written; a grammar change must not crash evaluation
      compiled.set(d.id, compileDefinition(d, p.value.root).compiled);
    }
    const ordered: CompiledDefinition[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string): void => {
      const c = compiled.get(id);
      if (!c || state.get(id)) return;
      state.set(id, 'visiting');
      for (const dep of c.def.dependencies) visit(dep);
      state.set(id, 'done');
      ordered.push(c);
    };
    for (const id of [...compiled.keys()].sort()) visit(id);
    this.compiledBySandbox.set(sandboxId, ordered);
    return ordered;
  }

  /** True when the sandbox is known to have no definitions (cheap, synchronous; false when not yet loaded). */
  knownEmpty(sandboxId: string): boolean {
    return this.compiledBySandbox.get(sandboxId)?.length === 0;
  }

  invalidate(sandboxId?: string): void {
    if (sandboxId) this.compiledBySandbox.delete(sandboxId);
    else this.compiledBySandbox.clear();
  }
}
