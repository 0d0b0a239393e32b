import type { ResourceStore } from '../store/resource-store.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { SchemaLookup } from '../schema/schema-lookup.js';
import type { Reference } from '../shared/check-references.js';
import { datasetParams, type ConnectionSpecDef } from './connection-specs.js';
import { DATA_LAKE_TARGET_SPEC, isObj, type FlowKind } from './flow-types.js';

/** What the Flow Service needs from the catalog and the schema registry to check the ids its entities name. */
export interface ReferenceLookups {
  /** The schema `$id` of a dataset of the sandbox; undefined when there is no such dataset. */
  datasetSchema(sandboxId: string, datasetId: string): Promise<string | undefined>;
  /** The `$id` of a schema (tenant or global) of the sandbox named by `$id` or `meta:altId`; undefined when none. */
  schemaId(sandboxId: string, idOrAltId: string): Promise<string | undefined>;
}

export function referenceLookups(catalog: Pick<CatalogService, 'getDataset'>, schemas: Pick<SchemaLookup, 'getSchema'>): ReferenceLookups {
  return {
    datasetSchema: async (sandboxId, id) => (await catalog.getDataset(sandboxId, id))?.schemaRef.id,
    schemaId: async (sandboxId, id) => (await schemas.getSchema(sandboxId, id))?.id,
  };
}

export interface ReferenceContext {
  store: ResourceStore;
  lookups: ReferenceLookups;
  specs: ReadonlyMap<string, ConnectionSpecDef>;
  sandboxId: string;
}

const specOf = (body: Record<string, unknown>) => (isObj(body.connectionSpec) && typeof body.connectionSpec.id === 'string' ? body.connectionSpec.id : undefined);

/** Every id a Flow Service entity (or a mapping set) names, each to be found in the same sandbox. */
export function flowReferences(c: ReferenceContext, kind: FlowKind | 'mappingSets', body: Record<string, unknown>): Reference[] {
  const { store, lookups, sandboxId } = c;
  const stored = (k: string, what: string) => (field: string, id: unknown): Reference => ({ field, what, id, exists: async (x) => (await store.get(k, sandboxId, x)) !== undefined });
  const dataset = (field: string, id: unknown, schema?: () => Promise<string | undefined>): Reference => ({
    field,
    what: 'dataset',
    id,
    exists: async (x) => (await lookups.datasetSchema(sandboxId, x)) !== undefined,
    fits: schema
      ? async (x) => {
          const want = await schema();
          const has = (await lookups.datasetSchema(sandboxId, x))!;
          const hasId = has === want ? has : ((await lookups.schemaId(sandboxId, has)) ?? has);
          return want !== undefined && hasId !== want ? `dataset '${x}' is of schema '${has}', not '${want}'` : undefined;
        }
      : undefined,
  });
  const schema = (field: string, id: unknown): Reference => ({ field, what: 'schema', id, exists: async (x) => (await lookups.schemaId(sandboxId, x)) !== undefined });
  const spec = c.specs.get(specOf(body) ?? '');
  const refs: Reference[] = [];
  switch (kind) {
    case 'connections':
      for (const [f, id] of datasetParams('auth.params', isObj(body.auth) ? body.auth.params : undefined, spec?.authParams)) refs.push(dataset(`connections.${f}`, id));
      break;
    case 'sourceConnections':
      if (body.baseConnectionId !== undefined) refs.push(stored('connections', 'base connection')('sourceConnections.baseConnectionId', body.baseConnectionId));
      for (const [f, id] of datasetParams('params', body.params, spec?.sourceParams)) refs.push(dataset(`sourceConnections.${f}`, id));
      break;
    case 'targetConnections': {
      const params = isObj(body.params) ? body.params : {};
      const schemaRef = isObj(body.data) && isObj(body.data.schema) ? body.data.schema.id : undefined;
      if (schemaRef !== undefined) refs.push(schema('targetConnections.data.schema.id', schemaRef));
      if (params.dataSetId !== undefined || specOf(body) === DATA_LAKE_TARGET_SPEC)
        refs.push(dataset('targetConnections.params.dataSetId', params.dataSetId, typeof schemaRef === 'string' ? () => lookups.schemaId(sandboxId, schemaRef) : undefined));
      break;
    }
    case 'flows': {
      (Array.isArray(body.sourceConnectionIds) ? body.sourceConnectionIds : []).forEach((id, i) => refs.push(stored('sourceConnections', 'source connection')(`flows.sourceConnectionIds[${i}]`, id)));
      (Array.isArray(body.targetConnectionIds) ? body.targetConnectionIds : []).forEach((id, i) => refs.push(stored('targetConnections', 'target connection')(`flows.targetConnectionIds[${i}]`, id)));
      (Array.isArray(body.transformations) ? body.transformations : []).forEach((t, i) => {
        if (isObj(t) && t.name === 'Mapping') refs.push(stored('mappingSets', 'mapping set')(`flows.transformations[${i}].params.mappingId`, isObj(t.params) ? t.params.mappingId : undefined));
      });
      break;
    }
    case 'mappingSets':
      if (body.xdmSchema !== undefined) refs.push(schema('mappingSets.xdmSchema', body.xdmSchema));
      if (isObj(body.outputSchema) && isObj(body.outputSchema.schemaRef)) refs.push(schema('mappingSets.outputSchema.schemaRef.id', body.outputSchema.schemaRef.id));
      break;
  }
  return refs;
}
