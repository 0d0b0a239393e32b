import { OncePerKey } from '../../shared/once-per-key.js';
import type { SchemaRegistry } from '../../schema/schema-registry.js';
import type { CatalogService } from '../../catalog/catalog-service.js';
import type { ResourceStore } from '../../store/resource-store.js';
import type { SandboxContext } from '../../http/request-context.js';
import { ok, err, type Result } from '../../shared/result.js';
import { problem, type Problem } from '../../shared/problem.js';
import { TABLE_TAG, type Dataset } from '../../catalog/catalog-types.js';
import { EXPERIENCE_EVENT, JOURNEY, JOURNEY_STEP_EVENT } from '../../schema/global/classes.js';

/**
 * The three system schemas and datasets journeys write their steps to (AEP Journey Orchestration step events),
 * created with the first journey of a sandbox:
 *
 * | schema (title) | class | dataset (Query Service table) |
 * | --- | --- | --- |
 * | Journey Step Profile Event schema for Journey Orchestration | ExperienceEvent + identityMap (the participant) | same name as the schema |
 * | Journey Step Event schema for Journey Orchestration | `…/journeyOrchestration/stepEvents/journeyStepEvent` (time-series; identity in `profileID`/`profileNamespace`) | Journey Step Events (`journey_step_events`) |
 * | Journey schema with Journey Fields for Journey Orchestration | `…/journeyOrchestration/stepEvents/journey` (record) | Journeys (`journeys`) |
 *
 * Every step field lives under `_experience.journeyOrchestration.stepEvents`. The datasets are tagged
 * `kith/system: ['journeys']` and not enabled for Profile; the profile-event schema is union-tagged so a user can
 * enable its dataset for Profile (then the steps show among the person's events). Runs on the main thread (schema
 * registry and catalog); the processor thread reads the result from the resource store (`readJourneySystemDatasets`).
 */
export interface JourneySystemDatasetIds {
  profileEventDatasetId: string;
  profileEventTable: string;
  stepEventDatasetId: string;
  stepEventTable: string;
  journeyDatasetId: string;
  journeyTable: string;
  /** Where `updateProfile` actions write (profile class, enabled for Profile); absent in sandboxes provisioned before it existed. */
  profileUpdateDatasetId?: string;
  profileUpdateTable?: string;
}

export const JOURNEY_SYSTEM_KIND = 'journey-system';
const RESOURCE_ID = 'datasets';
export const SYSTEM_TAG = 'kith/system';
export const SYSTEM_TAG_VALUE = 'journeys';

export const PROFILE_EVENT_NAME = 'Journey Step Profile Event schema for Journey Orchestration';
export const STEP_EVENT_SCHEMA = 'Journey Step Event schema for Journey Orchestration';
export const STEP_EVENT_DATASET = 'Journey Step Events';
export const JOURNEY_SCHEMA = 'Journey schema with Journey Fields for Journey Orchestration';
export const JOURNEY_DATASET = 'Journeys';
export const PROFILE_UPDATE_NAME = 'Journey Profile Updates';

const CTX = 'https://ns.adobe.com/xdm/context/';
const JO = 'https://ns.adobe.com/experience/journeyOrchestration/stepEvents/';
const COMMON = JO + 'journeyStepEventCommonFields';
const ACTION = JO + 'journeyStepEventActionExecutionFields';

/** The schema compositions (class first), by title. */
const SCHEMAS: Array<{ title: string; allOf: string[]; union: boolean }> = [
  { title: PROFILE_EVENT_NAME, allOf: [EXPERIENCE_EVENT, CTX + 'identitymap', COMMON, ACTION], union: true },
  { title: STEP_EVENT_SCHEMA, allOf: [JOURNEY_STEP_EVENT, COMMON, ACTION, JO + 'journeyStepEventIdentityFields'], union: false },
  { title: JOURNEY_SCHEMA, allOf: [JOURNEY, JO + 'journeyFields'], union: false },
];

/** `updateProfile` fragments: the profile class with the common profile field groups, in the union (Profile-enabled dataset). */
const PROFILE_UPDATES = {
  title: PROFILE_UPDATE_NAME,
  allOf: ['profile', 'identitymap', 'profile-person-details', 'profile-personal-details', 'profile-loyalty-details', 'profile-consents', 'profile-user-account-details', 'profile-work-details'].map((g) => CTX + g),
  union: true,
};

/** What the processor thread reads (undefined until the API thread provisioned the sandbox). */
export async function readJourneySystemDatasets(resources: ResourceStore, sandboxId: string): Promise<JourneySystemDatasetIds | undefined> {
  return (await resources.get<JourneySystemDatasetIds>(JOURNEY_SYSTEM_KIND, sandboxId, RESOURCE_ID))?.doc;
}

export class JourneySystemDatasets {
  /** One provisioning per sandbox at a time: concurrent callers share it (no second schema or dataset). */
  private readonly once = new OncePerKey<JourneySystemDatasetIds, Problem>();

  constructor(
    private readonly schemas: SchemaRegistry,
    private readonly catalog: CatalogService,
    private readonly resources: ResourceStore,
  ) {}

  async ensure(ctx: SandboxContext): Promise<Result<JourneySystemDatasetIds, Problem>> {
    return this.once.run(ctx.sandbox.id, () => this.provision(ctx));
  }

  private async provision(ctx: SandboxContext): Promise<Result<JourneySystemDatasetIds, Problem>> {
    const stored = await readJourneySystemDatasets(this.resources, ctx.sandbox.id);
    if (stored && !stored.profileUpdateDatasetId) {
      // provisioned before journeys wrote profile updates: add that dataset
      const pud = await this.pair(ctx, PROFILE_UPDATES, PROFILE_UPDATE_NAME, PROFILE_ENABLED);
      if (!pud.ok) return pud;
      const sys = { ...stored, profileUpdateDatasetId: pud.value.id, profileUpdateTable: tableOf(pud.value) };
      await this.resources.put(JOURNEY_SYSTEM_KIND, ctx.sandbox.id, RESOURCE_ID, sys);
      return ok(sys);
    }
    if (stored) {
      return ok(stored);
    }
    const [pe, se, jr] = SCHEMAS;
    const ped = await this.pair(ctx, pe!, PROFILE_EVENT_NAME);
    if (!ped.ok) return ped;
    const sed = await this.pair(ctx, se!, STEP_EVENT_DATASET);
    if (!sed.ok) return sed;
    const jd = await this.pair(ctx, jr!, JOURNEY_DATASET);
    if (!jd.ok) return jd;
    const pud = await this.pair(ctx, PROFILE_UPDATES, PROFILE_UPDATE_NAME, PROFILE_ENABLED);
    if (!pud.ok) return pud;
    const sys: JourneySystemDatasetIds = {
      profileEventDatasetId: ped.value.id,
      profileEventTable: tableOf(ped.value),
      stepEventDatasetId: sed.value.id,
      stepEventTable: tableOf(sed.value),
      journeyDatasetId: jd.value.id,
      journeyTable: tableOf(jd.value),
      profileUpdateDatasetId: pud.value.id,
      profileUpdateTable: tableOf(pud.value),
    };
    await this.resources.put(JOURNEY_SYSTEM_KIND, ctx.sandbox.id, RESOURCE_ID, sys);
    return ok(sys);
  }

  /** The schema and its dataset, reusing what a provisioning that stopped half-way left (found by title / name). */
  private async pair(ctx: SandboxContext, s: { title: string; allOf: string[]; union: boolean }, datasetName: string, extraTags: Record<string, string[]> = {}): Promise<Result<Dataset, Problem>> {
    let schemaId = (await this.schemas.list(ctx.sandbox.id, 'tenant', 'schemas')).find((x) => x.title === s.title)?.$id;
    if (!schemaId) {
      const body = { title: s.title, description: 'System schema of Kith journeys (read-only)', allOf: s.allOf.map(($ref) => ({ $ref })), ...(s.union ? { 'meta:immutableTags': ['union'] } : {}) };
      const r = await this.schemas.create(ctx, 'schemas', body);
      if (!r.ok) return r;
      schemaId = r.value.$id;
    }
    const existing = await this.existing(ctx, datasetName, schemaId);
    if (existing) return existing;
    const created = await this.catalog.createDataset(ctx, {
      name: datasetName,
      description: 'System dataset of Kith journeys (read-only)',
      schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
      tags: { [SYSTEM_TAG]: [SYSTEM_TAG_VALUE], ...extraTags },
    });
    // another process created it in between (names are unique): adopt it
    if (!created.ok && created.error.status === 409) return (await this.existing(ctx, datasetName, schemaId)) ?? created;
    return created;
  }

  private async existing(ctx: SandboxContext, datasetName: string, schemaId: string): Promise<Result<Dataset, Problem> | undefined> {
    const d = (await this.catalog.listDatasets(ctx.sandbox.id)).find((x) => x.name.toLowerCase() === datasetName.toLowerCase());
    if (!d) return undefined;
    // a user's own dataset of that name is not ours to write into
    if (!(d.tags[SYSTEM_TAG] ?? []).includes(SYSTEM_TAG_VALUE) || d.schemaRef.id !== schemaId)
      return err(problem(409, 'Conflict', `A dataset named "${datasetName}" already exists in sandbox ${ctx.sandbox.name} and is not the journeys system dataset; rename it to use journeys`));
    return ok(d);
  }
}

const PROFILE_ENABLED = { unifiedProfile: ['enabled:true'] };

function tableOf(d: Dataset): string {
  return d.tags[TABLE_TAG]![0]!;
}
