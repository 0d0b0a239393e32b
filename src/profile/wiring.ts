import type { Clock } from '../shared/clock.js';
import type { ResourceStore } from '../store/resource-store.js';
import { ComputedAttributeService } from './computed-attributes.js';
import type { IdentityResolver } from './identity-resolver.js';
import { MergePolicyService } from './merge-policy-service.js';
import { ProfileService, type Guardrails } from './profile-service.js';
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

/** Builds the profile context over a profile store (opened by the thread's storage, runtime/storage.ts). */
export function createProfileContext(deps: {
  resources: ResourceStore;
  clock: Clock;
  identities: IdentityResolver;
  guardrails?: Partial<Guardrails>;
  /** The store (the caller's: left open by close() unless `ownsStore`). */
  store: FragmentStore;
  ownsStore?: boolean;
}): ProfileContext {
  const store = deps.store;
  const mergePolicies = new MergePolicyService(deps.resources, deps.clock);
  const computedAttributes = new ComputedAttributeService(deps.resources, deps.clock);
  const profiles = new ProfileService(store, deps.identities, mergePolicies, computedAttributes, deps.clock, deps.guardrails);
  const jobs = new ProfileJobService(deps.resources, deps.clock, profiles);
  return {
    store, profiles, mergePolicies, computedAttributes, jobs,
    close: () => {
      profiles.close();
      if (deps.ownsStore) void store.close();
    },
  };
}
