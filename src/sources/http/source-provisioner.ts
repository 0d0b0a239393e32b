import type { SchemaRegistry } from '../../schema/schema-registry.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { SandboxContext } from '../../http/request-context.js';
import { ok, err, type Result } from '../../shared/result.js';
import type { Problem } from '../../shared/problem.js';
import { CHANNEL_DETAILS, REFERENCE_KEYS, SITE_SEARCH, USER_LOGIN_PROCESS } from '../../schema/global/standard-field-groups.js';

const CTX = 'https://ns.adobe.com/xdm/context/';
// Channel Details on both: Commerce storefront events and customer records carry `channel`
const PROFILE_FGS = [...['identitymap', 'profile-person-details', 'profile-personal-details', 'profile-user-account-details', 'profile-consents'].map((x) => CTX + x), CHANNEL_DETAILS];
const EVENT_FGS = [
  ...['identitymap', 'experienceevent-commerce', 'experienceevent-web', 'experienceevent-environment-details', 'experienceevent-personal-details', 'experienceevent-marketing'].map((x) => CTX + x),
  'https://ns.adobe.com/experience/aep-web-sdk-experienceevent',
  USER_LOGIN_PROCESS,
  SITE_SEARCH,
  REFERENCE_KEYS,
  CHANNEL_DETAILS,
];
const EXTRAS = 'https://ns.adobe.com/kith/source-extras';

export interface SourceDatasets {
  profileDataSetId: string;
  eventDataSetId: string;
}

/**
 * Creates (once) the schemas and profile- and identity-enabled datasets a source writes to, when the user did not
 * name their own: "<Label> Profiles" (Individual Profile) and "<Label> Events" (ExperienceEvent).
 */
export class SourceProvisioner {
  constructor(
    private readonly schemas: SchemaRegistry,
    private readonly catalog: CatalogService,
  ) {}

  private async schema(ctx: SandboxContext, title: string, classId: string, groups: string[]): Promise<Result<string, Problem>> {
    const existing = (await this.schemas.list(ctx.sandbox.id, 'tenant', 'schemas')).find((s) => s.title === title);
    if (existing) return ok(existing.$id);
    const r = await this.schemas.create(ctx, 'schemas', { title, allOf: [{ $ref: classId }, ...groups.map(($ref) => ({ $ref }))], 'meta:immutableTags': ['union'] });
    return r.ok ? ok(r.value.$id) : err(r.error);
  }

  private async dataset(ctx: SandboxContext, name: string, schemaId: string): Promise<Result<string, Problem>> {
    const existing = (await this.catalog.listDatasets(ctx.sandbox.id)).find((d) => d.name === name);
    if (existing) return ok(existing.id);
    const r = await this.catalog.createDataset(ctx, {
      name,
      schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
      tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] },
    });
    return r.ok ? ok(r.value.id) : err(r.error);
  }

  async ensure(ctx: SandboxContext, label: string, given: Partial<SourceDatasets>): Promise<Result<SourceDatasets, Problem>> {
    let profile = given.profileDataSetId;
    let event = given.eventDataSetId;
    if (!profile) {
      const s = await this.schema(ctx, `${label} Profiles`, CTX + 'profile', [...PROFILE_FGS, EXTRAS]);
      if (!s.ok) return s;
      const d = await this.dataset(ctx, `${label} Profiles`, s.value);
      if (!d.ok) return d;
      profile = d.value;
    }
    if (!event) {
      const s = await this.schema(ctx, `${label} Events`, CTX + 'experienceevent', [...EVENT_FGS, EXTRAS]);
      if (!s.ok) return s;
      const d = await this.dataset(ctx, `${label} Events`, s.value);
      if (!d.ok) return d;
      event = d.value;
    }
    return ok({ profileDataSetId: profile, eventDataSetId: event });
  }
}

/** What every source endpoint needs to find or prepare its datasets. */
export interface SourceBindingDeps {
  resources: import('../../store/resource-store.js').ResourceStore;
  provisioner: SourceProvisioner;
  credentials: import('../../auth/credentials.js').CredentialService;
  sandboxes: import('../../sandbox/sandbox-service.js').SandboxService;
}

/**
 * The datasets a source connection writes to: those named in its params, else the ones provisioned for it the
 * first time (remembered per connection).
 */
export async function sourceTargets(
  d: SourceBindingDeps,
  c: { sandboxId: string; orgId: string; connectionId: string },
  params: Partial<SourceDatasets>,
  label: string,
  requestId: string,
): Promise<SourceDatasets | undefined> {
  if (params.profileDataSetId && params.eventDataSetId) return { profileDataSetId: params.profileDataSetId, eventDataSetId: params.eventDataSetId };
  const saved = await d.resources.get<SourceDatasets>('source-binding', c.sandboxId, c.connectionId);
  if (saved) return saved.doc;
  const { sourceContext } = await import('./source-context.js');
  const ctx = await sourceContext(d.credentials, d.sandboxes, c.orgId, c.sandboxId, `${label.toLowerCase().replace(/\s+/g, '-')}-source`, requestId);
  if (!ctx) return undefined;
  const r = await d.provisioner.ensure(ctx, label, params);
  if (!r.ok) return undefined;
  await d.resources.put('source-binding', c.sandboxId, c.connectionId, r.value);
  return r.value;
}
