import type { Clock } from '../shared/clock.js';
import type { ResourceStore } from '../store/resource-store.js';
import { openSqlite, READER_CACHE_MIB } from '../store/sqlite/open.js';
import { RpcServer, type RpcCall, type RpcReply } from '../shared/rpc.js';
import { IdentityStore } from '../identity/identity-store.js';
import { IdentityReplica } from '../identity/identity-replica.js';
import { NamespaceService } from '../identity/namespaces.js';
import { IdentityServiceResolver } from '../profile/identity-service-adapter.js';
import { createProfileContext } from '../profile/wiring.js';
import type { ProfileService } from '../profile/profile-service.js';
import { SegmentDbMembershipRows, StoreMembershipSource } from '../segment/membership-view.js';

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
 * The reader's services over its own read connections to a data directory: profile.db (fragments, events, computed
 * attribute values), segment.db (memberships), identity.db (the graph, through an IdentityReplica) and the caller's
 * resource store (merge policies, computed attribute definitions, namespaces, linking rules). It never waits for
 * the processor thread: WAL readers see the last commit.
 */
export function createReaderContext(deps: { dataDir: string; resources: ResourceStore; clock: Clock }): ReaderContext {
  const identityDb = openSqlite(deps.dataDir, 'identity', { cacheMiB: READER_CACHE_MIB });
  const replica = new IdentityReplica(new IdentityStore(identityDb), deps.resources, new NamespaceService(deps.resources, deps.clock));
  const profile = createProfileContext({ dataDir: deps.dataDir, resources: deps.resources, clock: deps.clock, identities: new IdentityServiceResolver(replica), cacheMiB: READER_CACHE_MIB });
  const memberships = new SegmentDbMembershipRows(deps.dataDir);
  profile.profiles.useMemberships(new StoreMembershipSource(memberships));
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
    close: () => {
      profile.close();
      memberships.close();
      identityDb.close();
    },
  };
}

/** API thread -> reader worker. */
export type ToReader = RpcCall | { type: 'fault' };
/** Reader worker -> API thread. */
export type FromReader = RpcReply | { type: 'ready' } | { type: 'error'; message: string };
/** The worker also answers its host's stop (closes its connections; the port closes after the reply). */
export type ReaderWorkerServiceMap = ReaderServiceMap & { worker: { stop(): Promise<void> } };
