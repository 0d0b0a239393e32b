import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, conflict, notFound, type Problem } from '../shared/problem.js';

/**
 * Custom Profile event types (`/data/core/ups/config/eventTypes`, AEP's legacy profile config API that Adobe's
 * "Profile integration for ISVs" collection calls first): `{ id, imsOrgId, title, description, global }`, stored
 * per sandbox. The `id` is the value events carry in `eventType` (e.g. `loyaltyBalanceUpdate`); Kith's XDM
 * `eventType` is an open string (AEP's meta:enum only suggests values), so ingestion, PQL and computed attributes
 * take a registered custom type like any standard one.
 */
export interface ProfileEventType {
  id: string;
  imsOrgId: string;
  title: string;
  description: string;
  global: boolean;
  createEpoch: number;
  updateEpoch: number;
}

const KIND = 'profile-event-type';
/** An eventType value: letters, digits and `_ . : -`, starting with a letter or digit (XDM's are dotted names). */
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/;

export interface EventTypePage {
  items: ProfileEventType[];
  totalCount: number;
}

export class EventTypeService {
  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
  ) {}

  private validate(orgId: string, b: unknown): Result<Pick<ProfileEventType, 'id' | 'title' | 'description' | 'global'>, Problem> {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return err(badRequest('Body must be a JSON object'));
    const x = b as Record<string, unknown>;
    if (typeof x.id !== 'string' || !ID_RE.test(x.id))
      return err(badRequest('id is required: the eventType value, letters, digits and _ . : - (at most 255 characters)'));
    for (const f of ['title', 'description', 'imsOrgId'] as const)
      if (x[f] !== undefined && typeof x[f] !== 'string') return err(badRequest(`${f} must be a string`));
    if (x.global !== undefined && typeof x.global !== 'boolean') return err(badRequest('global must be a boolean'));
    if (x.imsOrgId !== undefined && x.imsOrgId !== orgId) return err(badRequest(`imsOrgId ${String(x.imsOrgId)} is not the organization of this request (${orgId})`));
    return ok({ id: x.id, title: (x.title as string | undefined) ?? x.id, description: (x.description as string | undefined) ?? '', global: x.global === true });
  }

  async create(sandboxId: string, orgId: string, body: unknown): Promise<Result<ProfileEventType, Problem>> {
    const v = this.validate(orgId, body);
    if (!v.ok) return v;
    const now = this.clock.now();
    const doc: ProfileEventType = { ...v.value, imsOrgId: orgId, createEpoch: now, updateEpoch: now };
    const r = await this.resources.put(KIND, sandboxId, doc.id, doc, { expectedVersion: 0 });
    if (!r.ok) return err(conflict(`Event type ${doc.id} already exists`));
    return ok(doc);
  }

  async list(sandboxId: string, page: { start: number; limit: number }): Promise<EventTypePage> {
    const all = (await this.resources.list<ProfileEventType>(KIND, sandboxId, { limit: 10_000 })).map((r) => r.doc);
    return { items: all.slice(page.start, page.start + page.limit), totalCount: all.length };
  }

  async get(sandboxId: string, id: string): Promise<Result<ProfileEventType, Problem>> {
    const r = await this.resources.get<ProfileEventType>(KIND, sandboxId, id);
    return r ? ok(r.doc) : err(notFound(`Event type ${id} does not exist`));
  }

  async delete(sandboxId: string, id: string): Promise<Result<void, Problem>> {
    return (await this.resources.delete(KIND, sandboxId, id)) ? ok(undefined) : err(notFound(`Event type ${id} does not exist`));
  }
}
