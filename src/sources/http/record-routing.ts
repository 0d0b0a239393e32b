import type { CatalogService } from '../../catalog/catalog-service.js';
import type { SchemaRegistry } from '../../schema/schema-registry.js';
import { EXPERIENCE_EVENT, PROFILE } from '../../schema/global/classes.js';
import type { RecordRouting } from '../edge/profile-records.js';
import { fieldIndex } from '../../schema/resolver.js';
import type { SourceDatasets } from './source-provisioner.js';

export type RecordRoutingLookup = (sandboxId: string, targets: SourceDatasets) => Promise<RecordRouting | undefined>;

/**
 * What a datastream needs to tell profile records from events: the top-level fields of its profile dataset's
 * Individual Profile schema, and the field paths that schema defines and its event dataset's ExperienceEvent schema
 * does not. Undefined (everything is an event) when the two are one dataset or their schemas are not of those
 * classes. Field sets are computed once per schema and forgotten when the sandbox's schemas change.
 */
export function recordRoutingLookup(catalog: CatalogService, schemas: SchemaRegistry): RecordRoutingLookup {
  type Shape = { classId: string; fields: ReadonlySet<string>; paths: ReadonlySet<string> };
  const cache = new Map<string, Shape | null>();
  // profile-only paths per pair of schemas (shapes are replaced, not changed, when a schema changes)
  const pairs = new WeakMap<Shape, WeakMap<Shape, ReadonlySet<string>>>();
  schemas.onChange((sandboxId) => {
    for (const k of cache.keys()) if (k.startsWith(`${sandboxId}\u0000`)) cache.delete(k);
  });
  async function shape(sandboxId: string, datasetId: string) {
    const ds = await catalog.getDataset(sandboxId, datasetId);
    if (!ds) return undefined;
    const key = `${sandboxId}\u0000${ds.schemaRef.id}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const info = await schemas.getSchema(sandboxId, ds.schemaRef.id);
    const res = await schemas.resolve(sandboxId, ds.schemaRef.id);
    const flat = res ? await schemas.flattenOf(sandboxId, res) : undefined;
    const value =
      info && flat && flat.errors.length === 0
        ? { classId: info.classId, fields: new Set(Object.keys(flat.properties)), paths: new Set([...fieldIndex(flat.properties).keys()].filter((x) => !x.includes('[]'))) }
        : null;
    cache.set(key, value);
    return value ?? undefined;
  }
  return async (sandboxId, t) => {
    if (t.profileDataSetId === t.eventDataSetId) return undefined;
    const [p, e] = await Promise.all([shape(sandboxId, t.profileDataSetId), shape(sandboxId, t.eventDataSetId)]);
    if (!p || !e || p.classId !== PROFILE || e.classId !== EXPERIENCE_EVENT) return undefined;
    let byEvent = pairs.get(p);
    if (!byEvent) pairs.set(p, (byEvent = new WeakMap()));
    let only = byEvent.get(e);
    if (!only) byEvent.set(e, (only = new Set([...p.paths].filter((x) => !e.paths.has(x)))));
    return { profileDataSetId: t.profileDataSetId, eventDataSetId: t.eventDataSetId, profileFields: p.fields, profileOnlyPaths: only };
  };
}
