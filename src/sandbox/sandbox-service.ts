import { uuid } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, conflict, notFound, problem, type Problem } from '../shared/problem.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';

/** A sandbox is a hard partition: every data store keys its rows by the sandbox `id`, never by name. */
export interface Sandbox {
  id: string;
  orgId: string;
  name: string;
  title: string;
  type: 'production' | 'development';
  isDefault: boolean;
  state: 'active' | 'deleted';
  createdDate: number;
  lastModifiedDate: number;
  createdBy: string;
  lastModifiedBy: string;
}

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,255}$/;
const scope = (orgId: string) => `org:${orgId}`;

/** Sandbox Management API view of a sandbox. */
export function sandboxView(s: Sandbox): Record<string, unknown> {
  return {
    name: s.name,
    title: s.title,
    state: s.state,
    type: s.type,
    isDefault: s.isDefault,
    region: 'local',
    eTag: 1,
    createdDate: new Date(s.createdDate).toISOString(),
    lastModifiedDate: new Date(s.lastModifiedDate).toISOString(),
    createdBy: s.createdBy,
    lastModifiedBy: s.lastModifiedBy,
  };
}

export type SandboxDeletedHook = (sandbox: Sandbox) => Promise<void>;

export class SandboxService {
  private readonly byName = new Map<string, Sandbox>();
  private readonly deletedHooks: SandboxDeletedHook[] = [];

  constructor(
    private readonly store: ResourceStore,
    private readonly clock: Clock,
  ) {}

  /** Contexts register a hook to purge a deleted sandbox's data. */
  onDeleted(hook: SandboxDeletedHook): void {
    this.deletedHooks.push(hook);
  }

  async resolve(orgId: string, name: string): Promise<Sandbox | undefined> {
    const key = `${orgId}/${name}`;
    const hit = this.byName.get(key);
    if (hit) return hit;
    const r = await this.store.getByUniqueKey<Sandbox>('sandbox', scope(orgId), name);
    if (!r || r.doc.state !== 'active') return undefined;
    this.byName.set(key, r.doc);
    return r.doc;
  }

  async getById(orgId: string, id: string): Promise<Sandbox | undefined> {
    const r = await this.store.get<Sandbox>('sandbox', scope(orgId), id);
    return r && r.doc.state === 'active' ? r.doc : undefined;
  }

  async list(orgId: string): Promise<Sandbox[]> {
    return (await this.store.list<Sandbox>('sandbox', scope(orgId))).map((r) => r.doc).filter((s) => s.state === 'active');
  }

  async create(
    orgId: string,
    input: { name?: unknown; title?: unknown; type?: unknown },
    by: string,
    opts: { isDefault?: boolean } = {},
  ): Promise<Result<Sandbox, Problem>> {
    const { name, title, type } = input;
    if (typeof name !== 'string' || !NAME_RE.test(name))
      return err(badRequest('name is required: lower-case letters, digits and hyphens, starting with a letter or digit'));
    if (title !== undefined && typeof title !== 'string') return err(badRequest('title must be a string'));
    if (type !== 'production' && type !== 'development') return err(badRequest('type must be "production" or "development"'));
    const now = this.clock.now();
    const s: Sandbox = {
      id: uuid(),
      orgId,
      name,
      title: (title as string | undefined) ?? name,
      type,
      isDefault: opts.isDefault ?? false,
      state: 'active',
      createdDate: now,
      lastModifiedDate: now,
      createdBy: by,
      lastModifiedBy: by,
    };
    const r = await this.store.put('sandbox', scope(orgId), s.id, s, { uniqueKey: name });
    if (!r.ok) return err(conflict(`A sandbox named "${name}" already exists`));
    return ok(s);
  }

  async update(orgId: string, name: string, patch: { title?: unknown }, by: string): Promise<Result<Sandbox, Problem>> {
    const s = await this.resolve(orgId, name);
    if (!s) return err(notFound(`Sandbox "${name}" not found`));
    if (patch.title !== undefined && typeof patch.title !== 'string') return err(badRequest('title must be a string'));
    const next: Sandbox = {
      ...s,
      title: (patch.title as string | undefined) ?? s.title,
      lastModifiedDate: this.clock.now(),
      lastModifiedBy: by,
    };
    await this.store.put('sandbox', scope(orgId), s.id, next, { uniqueKey: name });
    this.byName.set(`${orgId}/${name}`, next);
    return ok(next);
  }

  async delete(orgId: string, name: string, by: string): Promise<Result<Sandbox, Problem>> {
    const s = await this.resolve(orgId, name);
    if (!s) return err(notFound(`Sandbox "${name}" not found`));
    if (s.isDefault) return err(problem(400, 'Bad Request', 'The default production sandbox cannot be deleted'));
    const next: Sandbox = { ...s, state: 'deleted', lastModifiedDate: this.clock.now(), lastModifiedBy: by };
    // the name is released (unique key cleared); data stays keyed by the old id, unreachable, until hooks purge it
    await this.store.put('sandbox', scope(orgId), s.id, next, { uniqueKey: null });
    this.byName.delete(`${orgId}/${name}`);
    for (const h of this.deletedHooks) await h(next);
    return ok(next);
  }
}
