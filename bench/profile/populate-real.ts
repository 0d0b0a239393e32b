/**
 * Fills a stopped Kith's data directory with N profiles through the real services the processor uses (IdentityService
 * over identity.db, the profile context over profile.db with IdentityServiceResolver): per person a CRMID+ECID graph,
 * 3 fragments in 2 datasets and 20 events. Going around /collection keeps the set-up of 100k profiles (2.3M
 * messages) short; the read path measured afterwards is exactly the server's.
 */
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteResourceStore } from '../../src/store/sqlite/sqlite-resource-store.js';
import { systemClock } from '../../src/shared/clock.js';
import { SqliteIdentityStore } from '../../src/identity/sqlite-identity-store.js';
import { NamespaceService } from '../../src/identity/namespaces.js';
import { IdentityService, type IngestItem } from '../../src/identity/identity-service.js';
import { createProfileContext, type ProfileContext } from '../../src/profile/wiring.js';
import type { BatchItem } from '../../src/profile/profile-service.js';
import { IdentityServiceResolver } from '../../src/profile/identity-service-adapter.js';
import { crm, ecid, profileRecords, webEvent, type ProfileSetup } from './kith-setup.js';
import { sqliteProfileStoreAt } from '../../src/profile/testing/sqlite-profile-store-at.js';

export const EVENTS_PER_PROFILE = 20;

export interface RealContext {
  identity: IdentityService;
  profile: ProfileContext;
  close(): Promise<void>;
}

export function openReal(dataDir: string): RealContext {
  const control = openSqlite(dataDir, 'control');
  const resources = new SqliteResourceStore(control);
  const identityDb = openSqlite(dataDir, 'identity');
  const identity = new IdentityService(new SqliteIdentityStore(identityDb), resources, new NamespaceService(resources, systemClock), systemClock);
  const profile = createProfileContext({ resources, clock: systemClock, identities: new IdentityServiceResolver(identity), store: sqliteProfileStoreAt(dataDir), ownsStore: true });
  return {
    identity,
    profile,
    async close() {
      await identity.checkpoint();
      profile.close();
      identityDb.close();
      await resources.close();
    },
  };
}

/** Adds people [from, to). Returns seconds taken. */
export async function populateReal(ctx: RealContext, s: ProfileSetup, from: number, to: number, now = Date.now()): Promise<number> {
  const t0 = performance.now();
  const CHUNK = 1000;
  const ds = { dsCRM: s.dsCRM, dsWeb: s.dsWeb };
  for (let a = from; a < to; a += CHUNK) {
    const b = Math.min(to, a + CHUNK);
    const items: IngestItem[] = [];
    for (let i = a; i < b; i++)
      items.push({ identities: [{ namespace: 'CRMID', id: crm(i).id, primary: true }, { namespace: 'ECID', id: ecid(i).id, primary: false }], eventTime: now - 2000, datasetId: s.dsWeb, batchId: 'bench-b2', recordRef: `r${i}` });
    await ctx.identity.ingest(s.sandboxId, items);
    const batch: BatchItem[] = [];
    for (let i = a; i < b; i++) {
      for (const r of profileRecords(i, now))
        batch.push({ sandboxId: s.sandboxId, kind: 'record', input: { datasetId: ds[r.ds], batchId: r.ds === 'dsCRM' ? 'bench-b1' : 'bench-b2', primary: r.primary, eventTime: r.eventTime, record: r.record } });
      const e = ecid(i);
      for (let k = 0; k < EVENTS_PER_PROFILE; k++) {
        const ts = now - (EVENTS_PER_PROFILE - k) * 60_000;
        batch.push({ sandboxId: s.sandboxId, kind: 'event', input: { datasetId: s.dsEv, batchId: 'bench-b3', primary: e, eventTime: ts, event: webEvent(i, `ev-${i}-${k}`, ts, `page-${k}`) } });
      }
    }
    await ctx.profile.profiles.applyBatch(batch);
  }
  return (performance.now() - t0) / 1000;
}
