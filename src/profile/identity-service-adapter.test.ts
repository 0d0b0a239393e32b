import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { ManualClock } from '../shared/clock.js';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.js';
import { NamespaceService } from '../identity/namespaces.js';
import { IdentityService } from '../identity/identity-service.js';
import { IdentityServiceResolver } from './identity-service-adapter.js';
import { createProfileContext } from './wiring.js';
import type { ProfileChange } from './profile-service.js';
import { sqliteProfileStoreAt } from './testing/sqlite-profile-store-at.js';

const SB = { orgId: 'O@AdobeOrg', sandbox: { id: 'sb', name: 'prod', type: 'production', isDefault: true } };

describe('IdentityServiceResolver over the real identity service', () => {
  it('stitches by the identity graph, names the profile by the Email XID and re-emits graph changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-profile-id-'));
    const control = openSqlite(dir, 'control');
    const idDb = openSqlite(dir, 'identity');
    const clock = new ManualClock();
    const resources = new SqliteResourceStore(control);
    const svc = new IdentityService(new SqliteIdentityStore(idDb), resources, new NamespaceService(resources, clock), clock);
    const ctx = createProfileContext({ store: sqliteProfileStoreAt(dir), ownsStore: true, resources, clock, identities: new IdentityServiceResolver(svc) });
    const seen: ProfileChange[] = [];
    ctx.profiles.onProfileChange((c) => seen.push(c));
    try {
      await svc.ingest('sb', [{ identities: [{ namespace: 'ECID', id: '1'.repeat(38), primary: true }, { namespace: 'Email', id: 'jane@x.com', primary: false }], eventTime: 1, datasetId: 'd', batchId: 'b', recordRef: 'r1' }]);
      await ctx.profiles.applyRecord('sb', { datasetId: 'dsCRM', batchId: 'b', primary: { namespace: 'Email', id: 'jane@x.com' }, record: { name: 'Jane' }, eventTime: 1 });
      await ctx.profiles.applyRecord('sb', { datasetId: 'dsWeb', batchId: 'b', primary: { namespace: 'ECID', id: '1'.repeat(38) }, record: { os: 'iOS' }, eventTime: 2 });
      const r = await ctx.profiles.getProfile(SB, { namespace: 'ECID', id: '1'.repeat(38) }, { fields: ['identities', 'name', 'os'] });
      assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
      assert.deepEqual({ name: r.value.entity.name, os: r.value.entity.os }, { name: 'Jane', os: 'iOS' });
      assert.equal(r.value.entityId, await svc.xid('sb', 'Email', 'jane@x.com'));
      const byXid = await ctx.profiles.getProfile(SB, { xid: r.value.entityId });
      assert.ok(byXid.ok);
      assert.ok(seen.some((c) => c.kind === 'graph') || seen.some((c) => c.kind === 'record'));
    } finally {
      ctx.close();
      await resources.close();
      idDb.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
