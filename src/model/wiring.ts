import type { Clock } from '../shared/clock.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { Lake } from '../lake/lake.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { ProfileService } from '../profile/profile-service.js';
import type { ComputedAttributeService } from '../profile/computed-attributes.js';
import { ProfilePersonReader, sandboxDirectory } from '../journey/person-reader.js';
import { ModelRunner } from './model-runner.js';

export interface ModelContextDeps {
  resources: ResourceStore;
  clock: Clock;
  lake: Lake;
  catalog: CatalogService;
  profiles: ProfileService;
  computedAttributes: ComputedAttributeService;
  onError: (e: unknown) => void;
  /** How often schedules are looked at (default 30 s; 0: only when woken or ticked, tests with a manual clock). */
  tickMs?: number;
}

/** Models on the processor thread (the lake's DuckDB instance and the profile store are here); `models` in its RPC services. */
export async function createModelContext(d: ModelContextDeps): Promise<ModelRunner> {
  const people = new ProfilePersonReader(d.profiles, d.computedAttributes, sandboxDirectory(d.resources, d.clock));
  const runner = new ModelRunner({
    resources: d.resources,
    clock: d.clock,
    lake: d.lake,
    catalog: d.catalog,
    profiles: d.profiles,
    readPerson: (sb, identity) => people.read(sb, identity),
    onError: d.onError,
    ...(d.tickMs !== undefined ? { tickMs: d.tickMs } : {}),
  });
  await runner.start();
  return runner;
}
