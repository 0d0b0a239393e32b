import { OncePerKey } from '../shared/once-per-key.js';
import type { SchemaRegistry } from '../schema/schema-registry.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { SandboxContext } from '../http/request-context.js';
import { ok, err, type Result } from '../shared/result.js';
import { problem, type Problem } from '../shared/problem.js';
import { TABLE_TAG, type Dataset } from '../catalog/catalog-types.js';

/**
 * The "Model Scores" system dataset of a sandbox, created with its first model (API thread: schema registry and
 * catalog): a profile-class schema (in the union) and a dataset enabled for Profile, tagged `kith/system: models`.
 * Scoring writes one fragment per scored person into it (`_kith.models.<attribute>`), so the entities API merges the
 * scores into the profile and PQL reads them like any attribute. The processor thread reads the ids from the
 * resource store (`readModelScoreDataset`).
 */
export interface ModelScoreDataset {
  datasetId: string;
  table: string;
}

export const MODEL_SYSTEM_KIND = 'model-system';
const RESOURCE_ID = 'datasets';
export const SYSTEM_TAG = 'kith/system';
export const SYSTEM_TAG_VALUE = 'models';
export const MODEL_SCORES_NAME = 'Model Scores';
const CTX = 'https://ns.adobe.com/xdm/context/';

export async function readModelScoreDataset(resources: ResourceStore, sandboxId: string): Promise<ModelScoreDataset | undefined> {
  return (await resources.get<ModelScoreDataset>(MODEL_SYSTEM_KIND, sandboxId, RESOURCE_ID))?.doc;
}

export class ModelSystemDatasets {
  /** One provisioning per sandbox at a time: concurrent callers share it (no second schema or dataset). */
  private readonly once = new OncePerKey<ModelScoreDataset, Problem>();

  constructor(
    private readonly schemas: SchemaRegistry,
    private readonly catalog: CatalogService,
    private readonly resources: ResourceStore,
  ) {}

  /** Creates the dataset once per sandbox (concurrent callers share the provisioning). */
  async ensure(ctx: SandboxContext): Promise<Result<ModelScoreDataset, Problem>> {
    return this.once.run(ctx.sandbox.id, () => this.provision(ctx));
  }

  private async provision(ctx: SandboxContext): Promise<Result<ModelScoreDataset, Problem>> {
    const stored = await readModelScoreDataset(this.resources, ctx.sandbox.id);
    if (stored) {
      return ok(stored);
    }
    let schemaId = (await this.schemas.list(ctx.sandbox.id, 'tenant', 'schemas')).find((x) => x.title === MODEL_SCORES_NAME)?.$id;
    if (!schemaId) {
      const body = {
        title: MODEL_SCORES_NAME,
        description: 'System schema of Kith models: scores under _kith.models.<attribute> (read-only)',
        allOf: [{ $ref: CTX + 'profile' }, { $ref: CTX + 'identitymap' }],
        'meta:immutableTags': ['union'],
      };
      const r = await this.schemas.create(ctx, 'schemas', body);
      if (!r.ok) return r;
      schemaId = r.value.$id;
    }
    let ds = await this.existing(ctx, schemaId);
    if (!ds) {
      const created = await this.catalog.createDataset(ctx, {
        name: MODEL_SCORES_NAME,
        description: 'System dataset of Kith models: the scores written into profiles (read-only)',
        schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
        tags: { [SYSTEM_TAG]: [SYSTEM_TAG_VALUE], unifiedProfile: ['enabled:true'] },
      });
      ds = !created.ok && created.error.status === 409 ? ((await this.existing(ctx, schemaId)) ?? created) : created;
    }
    if (!ds.ok) return ds;
    const sys: ModelScoreDataset = { datasetId: ds.value.id, table: ds.value.tags[TABLE_TAG]![0]! };
    await this.resources.put(MODEL_SYSTEM_KIND, ctx.sandbox.id, RESOURCE_ID, sys);
    return ok(sys);
  }

  private async existing(ctx: SandboxContext, schemaId: string): Promise<Result<Dataset, Problem> | undefined> {
    const d = (await this.catalog.listDatasets(ctx.sandbox.id)).find((x) => x.name.toLowerCase() === MODEL_SCORES_NAME.toLowerCase());
    if (!d) return undefined;
    if (!(d.tags[SYSTEM_TAG] ?? []).includes(SYSTEM_TAG_VALUE) || d.schemaRef.id !== schemaId)
      return err(problem(409, 'Conflict', `A dataset named "${MODEL_SCORES_NAME}" already exists in sandbox ${ctx.sandbox.name} and is not the models' system dataset; rename it to use models`));
    return ok(d);
  }
}
