import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pgTestSchema } from '../store/postgres/testing/pg-test-schema.js';
import { appliedMigrations } from '../store/postgres/migrations.js';
import { segmentStoreContract } from './segment-store.contract.js';
import { PgSegmentStore } from './pg-segment-store.js';
import { PgMembershipReader } from './pg-membership-reader.js';

const { pool, schema, create } = pgTestSchema('segment');
// a fresh schema per store: the outbox's sequence and the open mark start over
const fresh = async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await create();
  return PgSegmentStore.open({ pool, schema });
};
segmentStoreContract('postgres', {
  create: fresh,
  reopen: async (s) => {
    await s.close();
    return PgSegmentStore.open({ pool, schema });
  },
  destroy: async (s) => s.close(),
  reader: async () => new PgMembershipReader(pool, schema),
});

describe('PgSegmentStore on PostgreSQL', () => {
  it('tables come from versioned migrations (store "segment")', async () => {
    await fresh();
    assert.equal((await appliedMigrations(pool, schema)).get('segment'), 1);
  });

  it('writes outside a unit of work are refused; reads not prefetched are an error, not an empty answer', async () => {
    const s = await fresh();
    assert.throws(() => s.putMembership('sb', { segmentId: 's', pid: 'p', ref: { namespace: 'n', id: 'i' }, status: 'realized', lastQualificationTime: 1, version: 1 }), /unit of work/);
    assert.throws(() => s.membershipsOfPid('sb', 'p'), /not prefetched/);
    assert.throws(() => s.timerOf('sb', { namespace: 'n', id: 'i' }), /not prefetched/);
  });

  it('a prefetch of what is cached already costs no round trip', async () => {
    const s = await fresh();
    await s.begin();
    await s.prefetch('sb', ['p'], [{ namespace: 'n', id: 'i' }]);
    assert.equal(s.prefetch('sb', ['p'], [{ namespace: 'n', id: 'i' }]), undefined);
    await s.commit();
  });

  it('a reader before segmentation created its tables shows no memberships', async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await create();
    assert.deepEqual(await new PgMembershipReader(pool, schema).membershipsOfPids('sb', ['p']), []);
  });
});
