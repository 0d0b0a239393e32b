import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, notFound, unprocessable, type Problem } from '../shared/problem.js';
import { uuid } from '../shared/ids.js';
import type { AttributeMerge } from './fragment-merge.js';
import { canonicalSchemaName } from './schema-names.js';
import { checkReferences } from '../shared/check-references.js';

/** True when a dataset of the sandbox has this id. */
export type DatasetExists = (sandboxId: string, datasetId: string) => Promise<boolean>;

export const PROFILE_SCHEMA = '_xdm.context.profile';
/** The ResourceStore kind of merge policies (scope: sandbox id); other contexts check references with it. */
export const MERGE_POLICY_KIND = 'profile-merge-policy';
const KIND = MERGE_POLICY_KIND;
export const MAX_MERGE_POLICIES = 5;

export interface MergePolicy {
  id: string;
  name: string;
  imsOrgId: string;
  sandbox: { sandboxId: string; sandboxName: string; type: string; default: boolean };
  schema: { name: string };
  version: number;
  identityGraph: { type: 'none' | 'pdg' };
  attributeMerge: AttributeMerge;
  isActiveOnEdge: boolean;
  default: boolean;
  updateEpoch: number;
}

export interface SandboxRef {
  orgId: string;
  sandbox: { id: string; name: string; type: string; isDefault: boolean };
}

type Input = Partial<Pick<MergePolicy, 'name' | 'identityGraph' | 'attributeMerge' | 'schema' | 'isActiveOnEdge' | 'default'>>;

/** Merge policies (§5.5), stored through the ResourceStore port with scope = sandbox id. */
export class MergePolicyService {
  /** Per-sandbox cache of the default policy (the merged-read hot path); cleared on every write. */
  private readonly defaults = new Map<string, MergePolicy>();
  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
    // the catalog keeps datasets in the same resource store, kind 'dataset', scoped by sandbox id
    private readonly datasetExists: DatasetExists = async (sb, id) => (await resources.get('dataset', sb, id)) !== undefined,
  ) {}

  /** The datasets a dataSetPrecedence policy orders must be datasets of the policy's sandbox. */
  private checkDatasets(sb: SandboxRef, i: Required<Input>): Promise<Result<void, Problem>> {
    const order = i.attributeMerge.type === 'dataSetPrecedence' ? i.attributeMerge.order : [];
    return checkReferences(order.map((id, n) => ({ field: `mergePolicies.attributeMerge.order[${n}]`, what: 'dataset', id, exists: (x: string) => this.datasetExists(sb.sandbox.id, x) })));
  }

  /** Drops cached policies (another thread's instance wrote them). */
  forgetCaches(): void {
    this.defaults.clear();
  }

  private validate(b: unknown): Result<Required<Input>, Problem> {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return err(badRequest('Body must be a JSON object'));
    const x = b as Record<string, unknown>;
    if (typeof x.name !== 'string' || x.name.trim() === '') return err(badRequest('name is required'));
    const ig = (x.identityGraph as { type?: unknown } | undefined)?.type ?? 'none';
    if (ig !== 'none' && ig !== 'pdg') return err(badRequest('identityGraph.type must be "none" or "pdg"'));
    const am = (x.attributeMerge ?? { type: 'timestampOrdered' }) as { type?: unknown; order?: unknown };
    let attributeMerge: AttributeMerge;
    if (am.type === 'timestampOrdered') attributeMerge = { type: 'timestampOrdered' };
    else if (am.type === 'dataSetPrecedence') {
      if (!Array.isArray(am.order) || am.order.length === 0 || !am.order.every((d) => typeof d === 'string'))
        return err(badRequest('attributeMerge.order must be a non-empty array of dataset ids for dataSetPrecedence'));
      attributeMerge = { type: 'dataSetPrecedence', order: am.order as string[] };
    } else return err(badRequest('attributeMerge.type must be "timestampOrdered" or "dataSetPrecedence"'));
    const schema = canonicalSchemaName((x.schema as { name?: unknown } | undefined)?.name ?? PROFILE_SCHEMA);
    if (schema !== PROFILE_SCHEMA) return err(badRequest(`schema.name must be "${PROFILE_SCHEMA}"`));
    return ok({
      name: x.name,
      identityGraph: { type: ig },
      attributeMerge,
      schema: { name: schema },
      isActiveOnEdge: x.isActiveOnEdge === true || x.isActiveOnEdge === 'true',
      default: x.default === true || x.default === 'true',
    });
  }

  async list(sb: SandboxRef): Promise<MergePolicy[]> {
    await this.ensureDefault(sb);
    return (await this.resources.list<MergePolicy>(KIND, sb.sandbox.id, { limit: 1000 })).map((r) => r.doc);
  }

  /** The default policy of the sandbox (created lazily: timestampOrdered + pdg). */
  async defaultPolicy(sb: SandboxRef): Promise<MergePolicy> {
    const c = this.defaults.get(sb.sandbox.id);
    if (c) return c;
    const p = await this.loadDefault(sb);
    this.defaults.set(sb.sandbox.id, p);
    return p;
  }

  private async loadDefault(sb: SandboxRef): Promise<MergePolicy> {
    const all = await this.resources.list<MergePolicy>(KIND, sb.sandbox.id, { limit: 1000 });
    const d = all.find((r) => r.doc.default);
    return d ? d.doc : this.ensureDefault(sb);
  }

  private async ensureDefault(sb: SandboxRef): Promise<MergePolicy> {
    const all = await this.resources.list<MergePolicy>(KIND, sb.sandbox.id, { limit: 1000 });
    const d = all.find((r) => r.doc.default);
    if (d) return d.doc;
    if (all.length > 0) return all[0]!.doc; // the sandbox deliberately has no default; callers use the first
    const p = this.build(sb, uuid(), {
      name: 'Default Timebased', identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' },
      schema: { name: PROFILE_SCHEMA }, isActiveOnEdge: false, default: true,
    }, 1);
    const r = await this.resources.put(KIND, sb.sandbox.id, p.id, p, { expectedVersion: 0 });
    if (!r.ok) return (await this.resources.list<MergePolicy>(KIND, sb.sandbox.id))[0]!.doc;
    return p;
  }

  private build(sb: SandboxRef, id: string, i: Required<Input>, version: number): MergePolicy {
    return {
      id, name: i.name, imsOrgId: sb.orgId,
      sandbox: { sandboxId: sb.sandbox.id, sandboxName: sb.sandbox.name, type: sb.sandbox.type, default: sb.sandbox.isDefault },
      schema: i.schema, version, identityGraph: i.identityGraph, attributeMerge: i.attributeMerge,
      isActiveOnEdge: i.isActiveOnEdge, default: i.default, updateEpoch: Math.floor(this.clock.now() / 1000),
    };
  }

  private async enforceSingletons(sb: SandboxRef, p: MergePolicy): Promise<Result<void, Problem>> {
    const all = await this.resources.list<MergePolicy>(KIND, sb.sandbox.id, { limit: 1000 });
    if (p.isActiveOnEdge && all.some((r) => r.id !== p.id && r.doc.isActiveOnEdge))
      return err(unprocessable('Only one merge policy per organization can be active on edge'));
    if (p.default)
      for (const r of all)
        if (r.id !== p.id && r.doc.default && r.doc.schema.name === p.schema.name)
          await this.resources.put(KIND, sb.sandbox.id, r.id, { ...r.doc, default: false, updateEpoch: p.updateEpoch });
    return ok(undefined);
  }

  async create(sb: SandboxRef, body: unknown): Promise<Result<MergePolicy, Problem>> {
    const v = this.validate(body);
    if (!v.ok) return v;
    const refs = await this.checkDatasets(sb, v.value);
    if (!refs.ok) return refs;
    await this.ensureDefault(sb);
    const n = (await this.resources.list(KIND, sb.sandbox.id, { limit: 1000 })).length;
    if (n >= MAX_MERGE_POLICIES) return err(unprocessable(`At most ${MAX_MERGE_POLICIES} merge policies are allowed`));
    const p = this.build(sb, uuid(), v.value, 1);
    const s = await this.enforceSingletons(sb, p);
    if (!s.ok) return s;
    await this.resources.put(KIND, sb.sandbox.id, p.id, p, { expectedVersion: 0 });
    this.defaults.delete(sb.sandbox.id);
    return ok(p);
  }

  async get(sb: SandboxRef, id: string): Promise<Result<MergePolicy, Problem>> {
    await this.ensureDefault(sb);
    const r = await this.resources.get<MergePolicy>(KIND, sb.sandbox.id, id);
    return r ? ok(r.doc) : err(notFound(`Merge policy ${id} not found`));
  }

  async replace(sb: SandboxRef, id: string, body: unknown): Promise<Result<MergePolicy, Problem>> {
    const cur = await this.get(sb, id);
    if (!cur.ok) return cur;
    const v = this.validate(body);
    if (!v.ok) return v;
    const refs = await this.checkDatasets(sb, v.value);
    if (!refs.ok) return refs;
    const p = this.build(sb, id, v.value, cur.value.version + 1);
    const s = await this.enforceSingletons(sb, p);
    if (!s.ok) return s;
    await this.resources.put(KIND, sb.sandbox.id, id, p);
    this.defaults.delete(sb.sandbox.id);
    return ok(p);
  }

  /** PATCH with one JSON-Patch-like op (or an array of them) on the documented paths. */
  async patch(sb: SandboxRef, id: string, body: unknown): Promise<Result<MergePolicy, Problem>> {
    const cur = await this.get(sb, id);
    if (!cur.ok) return cur;
    const ops = Array.isArray(body) ? body : [body];
    const next: Record<string, unknown> = structuredClone(cur.value) as unknown as Record<string, unknown>;
    for (const op of ops as Array<{ op?: unknown; path?: unknown; value?: unknown }>) {
      if (typeof op !== 'object' || op === null || (op.op !== 'add' && op.op !== 'replace') || typeof op.path !== 'string')
        return err(badRequest('PATCH body must be {op: "add"|"replace", path, value}'));
      const segs = op.path.replace(/^\//, '').split(/[./]/);
      const allowed = ['name', 'identityGraph.type', 'attributeMerge.type', 'attributeMerge.order', 'schema.name', 'version', 'default', 'isActiveOnEdge'];
      if (!allowed.includes(segs.join('.'))) return err(badRequest(`Path ${op.path} cannot be patched`));
      let o = next;
      for (let i = 0; i < segs.length - 1; i++) o = (o[segs[i]!] ??= {}) as Record<string, unknown>;
      o[segs[segs.length - 1]!] = op.value;
    }
    return this.replace(sb, id, next);
  }

  async delete(sb: SandboxRef, id: string): Promise<Result<void, Problem>> {
    const cur = await this.get(sb, id);
    if (!cur.ok) return cur;
    if (cur.value.isActiveOnEdge) return err(unprocessable('A merge policy active on edge cannot be deleted'));
    await this.resources.delete(KIND, sb.sandbox.id, id);
    this.defaults.delete(sb.sandbox.id);
    return ok(undefined);
  }
}
