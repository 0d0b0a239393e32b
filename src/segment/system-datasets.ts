import type { SchemaRegistry } from '../schema/schema-registry.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { SandboxContext } from '../http/request-context.js';
import { ok, err, type Result } from '../shared/result.js';
import type { Problem } from '../shared/problem.js';
import { TABLE_TAG } from '../catalog/catalog-types.js';
import { SYSTEM_KIND, type SegmentSystemDatasets } from './segment-types.js';

const CTX = 'https://ns.adobe.com/xdm/context/';
export const MEMBERSHIP_DATASET_NAME = 'Audience Memberships';
export const EVENTS_DATASET_NAME = 'Audience Membership Events';

/**
 * Provisions (once per sandbox) the system datasets segmentation writes to: "Audience Memberships" (profile class
 * with the Segment Membership field group: the schema of `segmentMembership.ups.*`, which profiles show from
 * segment.db) and "Audience
 * Membership Events" (ExperienceEvent class: one event per transition, queryable in the lake). Runs on the main
 * thread (schema registry and catalog); the processor reads the result from the resource store.
 */
export class SystemDatasetProvisioner {
  private readonly done = new Map<string, SegmentSystemDatasets>();

  constructor(
    private readonly schemas: SchemaRegistry,
    private readonly catalog: CatalogService,
    private readonly resources: ResourceStore,
  ) {}

  private async schema(ctx: SandboxContext, title: string, allOf: string[], union = false): Promise<Result<string, Problem>> {
    const existing = (await this.schemas.list(ctx.sandbox.id, 'tenant', 'schemas')).find((s) => s.title === title);
    if (existing) return ok(existing.$id);
    const r = await this.schemas.create(ctx, 'schemas', { title, description: 'System schema of Kith segmentation (read-only)', allOf: allOf.map(($ref) => ({ $ref })), ...(union ? { 'meta:immutableTags': ['union'] } : {}) });
    return r.ok ? ok(r.value.$id) : err(r.error);
  }

  private async dataset(ctx: SandboxContext, name: string, schemaId: string, tags: Record<string, string[]>) {
    const existing = (await this.catalog.listDatasets(ctx.sandbox.id)).find((d) => d.name === name);
    if (existing) return ok(existing);
    return this.catalog.createDataset(ctx, { name, description: 'System dataset of Kith segmentation', schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags });
  }

  async ensure(ctx: SandboxContext): Promise<Result<SegmentSystemDatasets, Problem>> {
    const hit = this.done.get(ctx.sandbox.id) ?? (await this.resources.get<SegmentSystemDatasets>(SYSTEM_KIND, ctx.sandbox.id, 'datasets'))?.doc;
    if (hit) {
      this.done.set(ctx.sandbox.id, hit);
      return ok(hit);
    }
    const ms = await this.schema(ctx, MEMBERSHIP_DATASET_NAME, [CTX + 'profile', CTX + 'identitymap', CTX + 'profile-segmentation'], true);
    if (!ms.ok) return ms;
    const md = await this.dataset(ctx, MEMBERSHIP_DATASET_NAME, ms.value, { unifiedProfile: ['enabled:true'], 'kith/system': ['segmentation'] });
    if (!md.ok) return md;
    const es = await this.schema(ctx, EVENTS_DATASET_NAME, [CTX + 'experienceevent', CTX + 'identitymap']);
    if (!es.ok) return es;
    const ed = await this.dataset(ctx, EVENTS_DATASET_NAME, es.value, { 'kith/system': ['segmentation'] });
    if (!ed.ok) return ed;
    const sys: SegmentSystemDatasets = { membershipDatasetId: md.value.id, eventsDatasetId: ed.value.id, eventsTable: ed.value.tags[TABLE_TAG]?.[0] ?? 'audience_membership_events' };
    await this.resources.put(SYSTEM_KIND, ctx.sandbox.id, 'datasets', sys);
    this.done.set(ctx.sandbox.id, sys);
    return ok(sys);
  }
}
