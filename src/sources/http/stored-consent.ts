import type { SandboxService } from '../../sandbox/sandbox-service.js';
import type { IdentityRef } from '../shared/xdm-output.js';
import { combineStored, storedCollect } from '../edge/consent-decision.js';
import type { GeneralConsent } from '../edge/consent.js';
import type { SourceStateStore } from './source-state-store.js';
import type { ConsentReason } from '../edge/consent-decision.js';
import type { RemoteService } from '../../shared/rpc.js';
import type { ProfileService } from '../../profile/profile-service.js';

/** The collect decision stored on the profiles of these identities (undefined: none stored). Rejects when it cannot tell. */
export type StoredConsentLookup = (c: { orgId: string; sandboxId: string }, identities: readonly IdentityRef[]) => Promise<GeneralConsent | undefined>;


/**
 * Reads `consents` of the merged profile of each identity (identity graph and default merge policy included) from
 * the profile service, which lives with the processor: one RPC per identity, in parallel, at most a few per request.
 */
export function profileConsentLookup(profiles: RemoteService<Pick<ProfileService, 'getProfile'>>, sandboxes: Pick<SandboxService, 'getById'>): StoredConsentLookup {
  return async ({ orgId, sandboxId }, identities) => {
    const sb = await sandboxes.getById(orgId, sandboxId);
    if (!sb) return undefined;
    const ref = { orgId, sandbox: { id: sb.id, name: sb.name, type: sb.type, isDefault: sb.isDefault } };
    const found = await Promise.all(
      identities.map(async (id) => {
        const r = await profiles.getProfile(ref, id, { fields: ['consents'] });
        return r.ok ? storedCollect((r.value.entity as Record<string, unknown> | undefined)?.consents) : undefined;
      }),
    );
    return combineStored(found);
  };
}

/** Requests (by what decided) and events a datastream refused for consent, kept in the sources store. */
export class ConsentCounters {
  constructor(private readonly state: SourceStateStore) {}

  private static key = (connectionId: string, what: string) => `edge-consent-refused:${connectionId}:${what}`;

  /** One statement per refused request (both counters at once). */
  async refused(connectionId: string, reason: ConsentReason, events: number): Promise<void> {
    await this.state.bump({ [ConsentCounters.key(connectionId, `requests:${reason}`)]: 1, [ConsentCounters.key(connectionId, 'events')]: events });
  }

  async of(connectionId: string): Promise<{ refusedRequests: number; refusedEvents: number; refusedBy: Record<ConsentReason, number> }> {
    const req = (r: ConsentReason) => ConsentCounters.key(connectionId, `requests:${r}`);
    const events = ConsentCounters.key(connectionId, 'events');
    const n = await this.state.counters([req('cookie'), req('stored'), req('default'), events]);
    const refusedBy = { cookie: n[req('cookie')]!, stored: n[req('stored')]!, default: n[req('default')]! };
    return { refusedRequests: refusedBy.cookie + refusedBy.stored + refusedBy.default, refusedEvents: n[events]!, refusedBy };
  }
}
