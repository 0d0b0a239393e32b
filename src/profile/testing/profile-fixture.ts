import { ManualClock } from '../../shared/clock.js';
import { openSqlite } from '../../store/sqlite/open.js';
import { SqliteResourceStore } from '../../store/sqlite/sqlite-resource-store.js';
import type { SandboxRef } from '../merge-policy-service.js';
import type { Guardrails } from '../profile-service.js';
import { createProfileContext, type ProfileContext } from '../wiring.js';
import { InMemoryIdentityResolver } from './in-memory-resolver.js';
import { sqliteProfileStoreAt } from './sqlite-profile-store-at.js';

export const SB: SandboxRef = { orgId: 'ORG@AdobeOrg', sandbox: { id: 'sb-1', name: 'prod', type: 'production', isDefault: true } };

/** A profile context over in-memory SQLite with a manual clock and the in-memory identity graph. */
export function profileFixture(guardrails: Partial<Guardrails> = {}): { ctx: ProfileContext; ids: InMemoryIdentityResolver; clock: ManualClock; resources: SqliteResourceStore; close(): void } {
  const clock = new ManualClock(Date.UTC(2026, 0, 10));
  const resources = new SqliteResourceStore(openSqlite(':memory:', 'resources'));
  const ids = new InMemoryIdentityResolver();
  const ctx = createProfileContext({ store: sqliteProfileStoreAt(':memory:'), ownsStore: true, resources, clock, identities: ids, guardrails });
  return { ctx, ids, clock, resources, close: () => { ctx.close(); void resources.close(); } };
}
