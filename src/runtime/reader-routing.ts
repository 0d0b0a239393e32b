import type { Remote } from '../shared/rpc.js';
import type { ProfileRemote } from '../profile/profile-remote.js';
import type { ReaderServiceMap } from './reader-services.js';

const READS = new Set(['getProfile', 'getEvents', 'resolve', 'xidOf']);
const CONFIG_WRITES = new Set(['create', 'replace', 'patch', 'delete']);

type Methods = Record<string, (...args: unknown[]) => Promise<unknown>>;
const serviceProxy = (pick: (method: string) => ((...args: unknown[]) => Promise<unknown>) | undefined): object =>
  new Proxy({}, { get: (_t, m) => (typeof m !== 'string' || m === 'then' ? undefined : pick(m)) });

/**
 * The profile services as the API thread's routes see them: lookups go to the reader (its own connections and
 * thread: they never wait for the processor's chunks), writes to the processor (the one writer). After a merge
 * policy or computed attribute is written, the reader drops its cached copies before the write is answered.
 */
export function readsOnReader(writer: ProfileRemote, reader: Remote<ReaderServiceMap>): ProfileRemote {
  const readerProfiles = reader.profiles as unknown as Methods;
  const writerProfiles = writer.profiles as unknown as Methods;
  const profiles = serviceProxy((m) => (READS.has(m) ? readerProfiles[m] : writerProfiles[m]));
  const configured = (service: Methods) =>
    serviceProxy((m) =>
      CONFIG_WRITES.has(m)
        ? async (...args: unknown[]) => {
            const r = await service[m]!(...args);
            await reader.reader.forgetProfileConfig();
            return r;
          }
        : service[m],
    );
  return {
    profiles: profiles as ProfileRemote['profiles'],
    mergePolicies: configured(writer.mergePolicies as unknown as Methods) as ProfileRemote['mergePolicies'],
    computedAttributes: configured(writer.computedAttributes as unknown as Methods) as ProfileRemote['computedAttributes'],
    jobs: writer.jobs,
    profileStore: writer.profileStore,
  };
}
