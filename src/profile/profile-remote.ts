import { RpcServer, type Remote } from '../shared/rpc.js';
import type { ProfileService } from './profile-service.js';
import type { MergePolicyService } from './merge-policy-service.js';
import type { ComputedAttributeService } from './computed-attributes.js';
import type { ProfileJobService } from './profile-jobs.js';
import type { FragmentStoreCalls } from './fragment-store.js';
import type { ProfileContext } from './wiring.js';

/** The profile services as the processor's thread serves them (one writer). */
export interface ProfileServiceMap {
  profiles: ProfileService;
  mergePolicies: MergePolicyService;
  computedAttributes: ComputedAttributeService;
  jobs: ProfileJobService;
  profileStore: FragmentStoreCalls;
}

/** How the profile routes reach the profile services: typed calls to the thread that owns them. */
export type ProfileRemote = Remote<ProfileServiceMap>;

/** A context on this thread behind the same interface (tests; every call starts in a later macrotask, as a remote one). */
export function localProfileRemote(ctx: ProfileContext): ProfileRemote {
  return new RpcServer<ProfileServiceMap>({ profiles: ctx.profiles, mergePolicies: ctx.mergePolicies, computedAttributes: ctx.computedAttributes, jobs: ctx.jobs, profileStore: ctx.store }).local();
}
