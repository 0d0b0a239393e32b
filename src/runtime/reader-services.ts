import type { Clock } from '../shared/clock.js';
import { RpcServer, type RpcCall, type RpcReply } from '../shared/rpc.js';
import { IdentityReplica } from '../identity/identity-replica.js';
import { NamespaceService } from '../identity/namespaces.js';
import { IdentityServiceResolver } from '../profile/identity-service-adapter.js';
import { createProfileContext } from '../profile/wiring.js';
import type { ProfileService } from '../profile/profile-service.js';
import { ReaderMembershipSource } from '../segment/membership-view.js';
import type { StoresOf } from './storage.js';

/** The read-only profile operations a reader serves (lookups by the entities API, the Edge consent lookup). */
export type ProfileReads = Pick<ProfileService, 'getProfile' | 'getEvents' | 'resolve' | 'xidOf'>;

export interface ReaderControl {
  /** Merge policies or computed attributes were written by another thread: read them again. */
  forgetProfileConfig(): void;
}

/** What a reader (its own thread, or inline on the API thread) serves. */
export interface ReaderServiceMap {
  profiles: ProfileReads;
  reader: ReaderControl;
}

export interface ReaderContext {
  rpc: RpcServer<ReaderServiceMap>;
  replica: IdentityReplica;
  close(): void;
}

/**
 * The reader's services over its own stores (storage role 'reader'): the profile store (fragments, events, computed
 * attribute values), memberships, the identity graph (through an IdentityReplica) and resources (merge policies,
 * computed attribute definitions, namespaces, linking rules). SQLite: read connections (WAL readers see the last
 * commit); PostgreSQL: the thread's pool. It never waits for the processor thread.
 */
export function createReaderContext(deps: { stores: StoresOf<'reader'>; clock: Clock }): ReaderContext {
  const { resources, identityGraph, profileStore, membershipReader } = deps.stores;
  const replica = new IdentityReplica(identityGraph, resources, new NamespaceService(resources, deps.clock));
  const profile = createProfileContext({ resources, clock: deps.clock, identities: new IdentityServiceResolver(replica), store: profileStore });
  profile.profiles.useMemberships(new ReaderMembershipSource(membershipReader));
  const p = profile.profiles;
  // only the reads cross: a caller cannot reach the writes of this (read-only) ProfileService by name
  const profiles: ProfileReads = {
    getProfile: (sb, key, opts) => p.getProfile(sb, key, opts),
    getEvents: (sb, key, q, mergePolicyId) => p.getEvents(sb, key, q, mergePolicyId),
    resolve: (sb, key, mergePolicyId) => p.resolve(sb, key, mergePolicyId),
    xidOf: (sandboxId, ref) => p.xidOf(sandboxId, ref),
  };
  const reader: ReaderControl = {
    forgetProfileConfig: () => {
      profile.mergePolicies.forgetCaches();
      profile.computedAttributes.forgetCaches();
    },
  };
  return {
    rpc: new RpcServer<ReaderServiceMap>({ profiles, reader }),
    replica,
    // the stores are the caller's (its storage closes them)
    close: () => profile.close(),
  };
}

/** API thread -> reader worker. */
export type ToReader = RpcCall | { type: 'fault' };
/** Reader worker -> API thread. */
export type FromReader = RpcReply | { type: 'ready' } | { type: 'error'; message: string };
/** The worker also answers its host's stop (closes its connections; the port closes after the reply). */
export type ReaderWorkerServiceMap = ReaderServiceMap & {
  worker: { stop(): Promise<void> };
  /** The thread's Prometheus metrics (getMetricsAsJSON), for the API's `/metrics`. */
  metrics: { json(): Promise<unknown[]> };
};
