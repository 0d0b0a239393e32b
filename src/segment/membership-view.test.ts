import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../store/sqlite/open.js';
import type { MembershipRow } from './segment-store.js';
import { SqliteSegmentStore } from './sqlite-segment-store.js';
import { SqliteMembershipReader } from './sqlite-membership-reader.js';
import { currentMemberships, readMemberships, StoreMembershipSource } from './membership-view.js';
import { profileFixture, SB } from '../profile/testing/profile-fixture.js';

const row = (segmentId: string, pid: string, status: MembershipRow['status'], at: number): MembershipRow => ({
  segmentId, pid, ref: { namespace: 'Email', id: `${pid}@x.com` }, status, lastQualificationTime: at, version: 1,
});

describe('currentMemberships: one membership per segment across a graph', () => {
  const cases: Array<[string, MembershipRow[], string, Record<string, string>]> = [
    ['no rows', [], 'p1', {}],
    ['one row', [row('s1', 'p1', 'realized', 10)], 'p1', { s1: 'p1:realized' }],
    ['the row under the profile id wins over a newer one elsewhere', [row('s1', 'p2', 'exited', 30), row('s1', 'p1', 'realized', 10)], 'p1', { s1: 'p1:realized' }],
    ['the row under the profile id wins in either order', [row('s1', 'p1', 'realized', 10), row('s1', 'p2', 'exited', 30)], 'p1', { s1: 'p1:realized' }],
    ['else the newest transition wins', [row('s1', 'p2', 'realized', 10), row('s1', 'p3', 'exited', 30)], 'p1', { s1: 'p3:exited' }],
    ['segments are independent', [row('s1', 'p1', 'realized', 10), row('s2', 'p2', 'exited', 5)], 'p1', { s1: 'p1:realized', s2: 'p2:exited' }],
  ];
  for (const [name, rows, pid, want] of cases)
    it(name, () => {
      const got = Object.fromEntries([...currentMemberships(rows, pid)].map(([k, m]) => [k, `${m.pid}:${m.status}`]));
      assert.deepEqual(got, want);
    });
});

describe('membership sources: what the profile shows as segmentMembership.ups', () => {
  it('the same thread (store) and another connection (reader) see the committed rows alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-mview-'));
    const store = new SqliteSegmentStore(openSqlite(dir, 'segment'));
    const rows = new SqliteMembershipReader(openSqlite(dir, 'segment'));
    const reader = new StoreMembershipSource(rows);
    try {
      const members = [{ namespace: 'Email', id: 'a@x.com', xid: 'pA' }, { namespace: 'ECID', id: '123', xid: 'pB' }];
      store.putMembership('sb', row('s1', 'pA', 'realized', Date.UTC(2026, 0, 2)));
      store.putMembership('sb', row('s2', 'pB', 'exited', Date.UTC(2026, 0, 3)));
      store.putMembership('other-sandbox', row('s3', 'pA', 'realized', 1));
      const want = new Map([
        ['s1', { status: 'realized', lastQualificationTime: '2026-01-02T00:00:00.000Z', version: 1, at: Date.UTC(2026, 0, 2) }],
        ['s2', { status: 'exited', lastQualificationTime: '2026-01-03T00:00:00.000Z', version: 1, at: Date.UTC(2026, 0, 3) }],
      ]);
      assert.deepEqual(await new StoreMembershipSource(store).membershipsOf('sb', members, 'pA'), want);
      assert.deepEqual(await reader.membershipsOf('sb', members, 'pA'), want);
      assert.deepEqual(await readMemberships(rows, 'sb', members, 'pA'), want, 'the async read port answers the same');
      // an uncommitted unit of work is not visible to the other connection
      await store.begin();
      store.putMembership('sb', row('s4', 'pA', 'realized', 5));
      assert.equal((await reader.membershipsOf('sb', members, 'pA')).has('s4'), false);
      assert.equal((await readMemberships(rows, 'sb', members, 'pA')).has('s4'), false);
      await store.commit();
      assert.equal((await reader.membershipsOf('sb', members, 'pA')).get('s4')?.status, 'realized');
    } finally {
      await rows.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('invalid input', () => {
    it('a reader over a data directory where segmentation never ran shows no memberships', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kith-mview-'));
      const rows = new SqliteMembershipReader(openSqlite(dir, 'segment'));
      try {
        assert.equal((await new StoreMembershipSource(rows).membershipsOf('sb', [{ namespace: 'Email', id: 'a@x.com', xid: 'pA' }], 'pA')).size, 0);
        assert.equal((await readMemberships(rows, 'sb', [{ namespace: 'Email', id: 'a@x.com', xid: 'pA' }, { namespace: 'ECID', id: '1', xid: 'pB' }], 'pA')).size, 0);
      } finally {
        await rows.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('the merged profile shows segmentation\'s memberships (ProfileService with a MembershipSource)', () => {
  it('as segmentMembership.ups, kept beside what fragments hold, and not read when fields leave them out', async () => {
    const f = profileFixture();
    const store = new SqliteSegmentStore(openSqlite(':memory:', 'segment'));
    let reads = 0;
    const source = new StoreMembershipSource({ membershipsOfPid: (sb, pid) => (reads++, store.membershipsOfPid(sb, pid)) });
    f.ctx.profiles.useMemberships(source);
    try {
      const who = { namespace: 'Email', id: 'a@x.com' };
      const r = await f.ctx.profiles.applyRecord(SB.sandbox.id, { datasetId: 'crm', batchId: 'b', primary: who, record: { person: { name: { firstName: 'Ann' } } } });
      assert.ok(r.ok);
      const pid = f.ids.xidOf(SB.sandbox.id, who);
      store.putMembership(SB.sandbox.id, { ...row('s1', pid, 'realized', Date.UTC(2026, 0, 2)), ref: who });
      const all = await f.ctx.profiles.getProfile(SB, who);
      assert.ok(all.ok);
      assert.deepEqual(all.value.entity.segmentMembership, { ups: { s1: { status: 'realized', lastQualificationTime: '2026-01-02T00:00:00.000Z', version: 1 } } });
      assert.deepEqual(all.value.entity.person, { name: { firstName: 'Ann' } });
      const picked = await f.ctx.profiles.getProfile(SB, who, { fields: ['segmentMembership.ups'] });
      assert.ok(picked.ok);
      assert.equal((picked.value.entity.segmentMembership as any).ups.s1.status, 'realized');
      const before = reads;
      const other = await f.ctx.profiles.getProfile(SB, who, { fields: ['person.name'] });
      assert.ok(other.ok);
      assert.equal(reads, before, 'fields without segmentMembership: segment.db is not read');
      assert.equal(other.value.entity.segmentMembership, undefined);
    } finally {
      f.ctx.profiles.useMemberships(undefined);
      await store.close();
      f.close();
    }
  });
});
