import type { Clock } from '../shared/clock.js';
import type { ResourceStore } from '../store/resource-store.js';
import { openSqlite } from '../store/sqlite/open.js';
import { ComputedAttributeService } from './computed-attributes.js';
import type { IdentityResolver } from './identity-resolver.js';
import { MergePolicyService } from './merge-policy-service.js';
import { ProfileService, type Guardrails } from './profile-service.js';
import { SqliteProfileStore } from './sqlite-profile-store.js';
import type { FragmentStore } from './fragment-store.js';
import { ProfileJobService } from './profile-jobs.js';

export interface ProfileContext {
  store: FragmentStore;
  profiles: ProfileService;
  mergePolicies: MergePolicyService;
  computedAttributes: ComputedAttributeService;
  jobs: ProfileJobService;
  close(): void;
}

/** Builds the profile context over `<dataDir>/profile.db` (`:memory:` for tests). */
export function createProfileContext(deps: {
  dataDir: string;
  resources: ResourceStore;
  clock: Clock;
  identities: IdentityResolver;
  guardrails?: Partial<Guardrails>;
  /** Page cache of the profile.db connection (a thread that only reads it, as segmentation's does: READER_CACHE_MIB). */
  cacheMiB?: number;
  /** The store to use (the caller's, left open by close()); default: `<dataDir>/profile.db`, owned. */
  store?: FragmentStore;
}): ProfileContext {
  const store = deps.store ?? new SqliteProfileStore(openSqlite(deps.dataDir, 'profile', { cacheMiB: deps.cacheMiB }));
  const mergePolicies = new MergePolicyService(deps.resources, deps.clock);
  const computedAttributes = new ComputedAttributeService(deps.resources, deps.clock);
  const profiles = new ProfileService(store, deps.identities, mergePolicies, computedAttributes, deps.clock, deps.guardrails);
  const jobs = new ProfileJobService(deps.resources, deps.clock, profiles);
  return {
    store, profiles, mergePolicies, computedAttributes, jobs,
    close: () => {
      profiles.close();
      if (!deps.store) void store.close();
    },
  };
}
