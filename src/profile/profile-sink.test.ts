import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openIdentity, type OpenedIdentity } from '../identity/testing.js';
import { IdentitySink } from '../identity/identity-sink.js';
import type { IdentityDescriptorInfo, SchemaLookup } from '../schema/schema-lookup.js';
import type { AcceptedRecord } from '../ingest/processor/processor-ports.js';
import { openSqlite, type SqliteDb } from '../store/sqlite/open.js';
import { SqliteNotIngestedStore } from '../lake/sqlite-not-ingested-store.js';
import { profileFixture, SB } from './testing/profile-fixture.js';
import { ProfileSink } from './profile-sink.js';

const ECID = '12345678901234567890123456789012345678';
const WITH_PRIMARY = 'schema-with-primary-email';
/** The Schema Registry's port (another context): one schema declares personalEmail.address as primary Email. */
const schemas: SchemaLookup = {
  getSchema: async () => undefined,
  validator: async () => undefined,
  identityDescriptors: async (_sb, schemaId): Promise<IdentityDescriptorInfo[]> =>
    schemaId === WITH_PRIMARY ? [{ path: ['personalEmail', 'address'], namespace: 'Email', isPrimary: true }] : [],
  markInUse: async () => undefined,
};

let offset = 0;
function rec(entity: Record<string, unknown>, opts: { isEvent?: boolean; schemaId?: string; profile?: boolean } = {}): AcceptedRecord {
  const o = ++offset;
  return {
    offset: o,
    sandboxId: SB.sandbox.id,
    orgId: SB.orgId,
    dataset: { id: 'ds-1', sandboxId: SB.sandbox.id, name: 'ds', schemaId: opts.schemaId ?? 'plain', tableName: 'ds', profileEnabled: opts.profile ?? true, identityEnabled: false },
    schemaId: opts.schemaId ?? 'plain',
    isEvent: opts.isEvent ?? false,
    batchId: 'B1',
    xactionId: `x-${o}`,
    receivedAt: 1000,
    entity: { _id: `r-${o}`, ...entity },
    json: JSON.stringify({ _id: `r-${o}`, ...entity }),
  };
}
const idm = (ns: string, id: string, primary = false) => ({ identityMap: { [ns]: [{ id, primary }] } });

describe('ProfileSink records every record it cannot place as "not ingested to profile"', () => {
  let o: OpenedIdentity;
  let f: ReturnType<typeof profileFixture>;
  let dir: string;
  let db: SqliteDb;
  let store: SqliteNotIngestedStore;
  let sink: ProfileSink;
  before(() => {
    o = openIdentity();
    f = profileFixture();
    dir = mkdtempSync(join(tmpdir(), 'kith-sink-'));
    db = openSqlite(dir, 'failed-records');
    store = new SqliteNotIngestedStore(db);
    sink = new ProfileSink(o.svc, new IdentitySink(o.svc, schemas), f.ctx.profiles, undefined, store);
  });
  after(async () => {
    f.close();
    await o.dispose();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<{ name: string; r: () => AcceptedRecord; code: string | null; reason?: RegExp }> = [
    { name: 'no identity at all', r: () => rec({ person: { name: 'x' } }), code: 'NO_IDENTITY' },
    { name: "no value for the schema's primary identity (another identity does not stand in)", r: () => rec(idm('ECID', ECID), { schemaId: WITH_PRIMARY }), code: 'NO_PRIMARY_IDENTITY' },
    { name: 'an undefined namespace', r: () => rec(idm('Loyalty', 'L-1', true)), code: 'UNKNOWN_NAMESPACE', reason: /Loyalty:L-1 \(unknown namespace\)/ },
    { name: 'every identity blocked', r: () => rec({ identityMap: { Email: [{ id: 'null' }, { id: 'anonymous' }] } }), code: 'BLOCKED_IDENTITY' },
    { name: 'only non-people identifiers', r: () => rec(idm('ShopifyOrderId', '1001')), code: 'NON_PEOPLE_IDENTITY' },
    { name: 'several reasons at once', r: () => rec({ identityMap: { Loyalty: [{ id: 'L-2' }], Email: [{ id: 'null' }] } }), code: 'NO_USABLE_IDENTITY', reason: /Loyalty:L-2.*Email:null/ },
    { name: 'the declared primary is blocked (the ECID beside it does not stand in)', r: () => rec({ personalEmail: { address: 'null' }, ...idm('ECID', ECID) }, { schemaId: WITH_PRIMARY }), code: 'BLOCKED_IDENTITY', reason: /^The primary identity is not usable: Email:null/ },
    { name: 'an ExperienceEvent with no usable identity', r: () => rec(idm('Loyalty', 'L-3', true), { isEvent: true }), code: 'UNKNOWN_NAMESPACE' },
    { name: 'placed: the declared primary', r: () => rec({ personalEmail: { address: 'a@x.com' }, ...idm('ECID', ECID) }, { schemaId: WITH_PRIMARY }), code: null },
    { name: "placed: identityMap's primary where the schema declares none", r: () => rec(idm('Email', 'b@x.com', true)), code: null },
    { name: 'placed: no primary declared or flagged, the first usable identity', r: () => rec({ identityMap: { Loyalty: [{ id: 'L-4' }], ECID: [{ id: ECID }] } }), code: null },
    { name: 'placed: an event by its highest-priority usable namespace', r: () => rec({ identityMap: { Loyalty: [{ id: 'L-5', primary: true }], ECID: [{ id: ECID }] } }, { isEvent: true }), code: null },
    { name: 'not profile-enabled: nothing to record', r: () => rec({}, { profile: false }), code: null },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const r = c.r();
      await sink.accept([r]);
      const rows = (await store.list({ sandboxId: SB.sandbox.id, limit: 1000 })).filter((x) => x.offset === r.offset);
      assert.deepEqual(rows.map((x) => x.code), c.code ? [c.code] : []);
      if (!c.code) return;
      const row = rows[0]!;
      assert.deepEqual(
        [row.datasetId, row.batchId, row.recordId, row.xactionId, row.isEvent, JSON.parse(row.record)],
        ['ds-1', 'B1', r.entity._id, r.xactionId, r.isEvent, r.entity],
      );
      if (c.reason) assert.match(row.reason, c.reason);
    });

  it('the placed record is in the profile', async () => {
    const p = await f.ctx.profiles.getProfile(SB, { namespace: 'Email', id: 'b@x.com' });
    assert.ok(p.ok, JSON.stringify(!p.ok && p.error));
  });

  it('a re-delivered chunk (the processor replays after a crash) is not counted twice', async () => {
    const chunk = [rec({}), rec(idm('Loyalty', 'L-6')), rec(idm('Email', 'c@x.com', true))];
    const before = (await store.countBatch(SB.sandbox.id, 'B1')).total;
    await sink.accept(chunk);
    await sink.accept(chunk);
    assert.equal((await store.countBatch(SB.sandbox.id, 'B1')).total, before + 2);
  });
});
