import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../store/sqlite/open.js';
import { SegmentStore, type MembershipRow } from './segment-store.js';
import { currentMemberships, SegmentDbMembershipReader, StoreMembershipSource } from './membership-view.js';

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
  it('the same thread (store) and another connection (reader) see the committed rows alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-mview-'));
    const store = new SegmentStore(openSqlite(dir, 'segment'));
    const reader = new SegmentDbMembershipReader(dir);
    try {
      const members = [{ namespace: 'Email', id: 'a@x.com', xid: 'pA' }, { namespace: 'ECID', id: '123', xid: 'pB' }];
      store.putMembership('sb', row('s1', 'pA', 'realized', Date.UTC(2026, 0, 2)));
      store.putMembership('sb', row('s2', 'pB', 'exited', Date.UTC(2026, 0, 3)));
      store.putMembership('other-sandbox', row('s3', 'pA', 'realized', 1));
      const want = new Map([
        ['s1', { status: 'realized', lastQualificationTime: '2026-01-02T00:00:00.000Z', version: 1, at: Date.UTC(2026, 0, 2) }],
        ['s2', { status: 'exited', lastQualificationTime: '2026-01-03T00:00:00.000Z', version: 1, at: Date.UTC(2026, 0, 3) }],
      ]);
      assert.deepEqual(new StoreMembershipSource(store).membershipsOf('sb', members, 'pA'), want);
      assert.deepEqual(reader.membershipsOf('sb', members, 'pA'), want);
      // an uncommitted unit of work is not visible to the other connection
      store.begin();
      store.putMembership('sb', row('s4', 'pA', 'realized', 5));
      assert.equal(reader.membershipsOf('sb', members, 'pA').has('s4'), false);
      store.commit();
      assert.equal(reader.membershipsOf('sb', members, 'pA').get('s4')?.status, 'realized');
    } finally {
      reader.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('invalid input', () => {
    it('a reader over a data directory where segmentation never ran shows no memberships', () => {
      const dir = mkdtempSync(join(tmpdir(), 'kith-mview-'));
      const reader = new SegmentDbMembershipReader(dir);
      try {
        assert.equal(reader.membershipsOf('sb', [{ namespace: 'Email', id: 'a@x.com', xid: 'pA' }], 'pA').size, 0);
      } finally {
        reader.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
