import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../shared/clock.js';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { pgTestSchema } from '../store/postgres/testing/pg-test-schema.js';
import { PgProfileStore } from './pg-profile-store.js';
import { InMemoryIdentityResolver } from './testing/in-memory-resolver.js';
import { SB } from './testing/profile-fixture.js';
import { createProfileContext, type ProfileContext } from './wiring.js';
import type { BatchItem } from './profile-service.js';

const { pool, schema, create } = pgTestSchema('profile_svc');
const DAY = 86_400_000;
const CRM = { namespace: 'CRMID', id: 'c1' };
const ECID = { namespace: 'ECID', id: 'e1' };

// ProfileService over the PostgreSQL adapter: chunks as units of work, then reads, deletes and backfills
describe('ProfileService on PostgreSQL', () => {
  let ctx: ProfileContext;
  const clock = new ManualClock(Date.UTC(2026, 0, 10));
  const ids = new InMemoryIdentityResolver();
  const sb = SB.sandbox.id;
  before(async () => {
    await create();
    const resources = new SqliteResourceStore(openSqlite(':memory:', 'resources'));
    ctx = createProfileContext({ resources, clock, identities: ids, guardrails: { maxEventsPerProfile: 3 }, store: await PgProfileStore.open({ pool, schema }) });
    ids.link(sb, CRM, ECID);
  });
  const buy = (id: string, ago: number, price: number, batchId = 'b1'): BatchItem => ({
    sandboxId: sb, kind: 'event', input: { datasetId: 'dsE', batchId, primary: ECID, event: { _id: id, eventType: 'commerce.purchases', timestamp: new Date(clock.now() - ago * DAY).toISOString(), commerce: { order: { priceTotal: price } } } },
  });
  const ca = async () => {
    const r = await ctx.profiles.getProfile(SB, CRM, { withCA: true });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    return r.value.entity;
  };

  it('applies a chunk in one unit of work: records, events past the cap, a refused item, computed attributes', async () => {
    assert.ok((await ctx.computedAttributes.create(sb, { name: 'ltv', expression: { function: 'SUM', eventPath: 'commerce.order.priceTotal', eventType: 'commerce.purchases', lookbackDays: 30 } })).ok);
    const res = await ctx.profiles.applyBatch([
      { sandboxId: sb, kind: 'record', input: { datasetId: 'dsA', batchId: 'b1', primary: CRM, record: { tier: 'silver', name: 'Jane' }, eventTime: 1 } },
      buy('p1', 5, 1), buy('p2', 4, 2), buy('p3', 3, 4),
      { sandboxId: sb, kind: 'event', input: { datasetId: 'dsE', batchId: 'b1', primary: ECID, event: { _id: 'big', pad: 'x'.repeat(11 * 1024) } } },
      buy('p4', 2, 8, 'b2'), buy('p2', 4, 2),
      { sandboxId: sb, kind: 'record', input: { datasetId: 'dsA', batchId: 'b1', primary: CRM, record: { tier: 'gold' }, eventTime: 2 } },
    ]);
    assert.deepEqual(res.map((r) => r.ok), [true, true, true, true, false, true, true, true]);
    const ev = (v: unknown) => v as { inserted?: boolean; eventCount: number; evicted: number };
    assert.deepEqual(res.map((r) => (r.ok && ev(r.value).inserted !== undefined ? [ev(r.value).inserted, ev(r.value).eventCount, ev(r.value).evicted] : null)), [
      null, [true, 1, 0], [true, 2, 0], [true, 3, 0], null, [true, 3, 1], [false, 3, 0], null,
    ]);
    const e = await ca();
    assert.deepEqual([e.tier, e.name, e.computedAttributes], ['gold', 'Jane', { ltv: 15 }], 'the state folds every new event, aged out or not');
    const page = await ctx.profiles.getEvents(SB, CRM, { limit: 2 });
    assert.ok(page.ok);
    assert.deepEqual([page.value.children.map((c) => c.entityId), page.value.next], [['p2', 'p3'], 'p4']);
  });

  it('a re-delivered chunk changes nothing twice', async () => {
    const res = await ctx.profiles.applyBatch([buy('p3', 3, 4), buy('p4', 2, 8, 'b2')]);
    assert.deepEqual(res.map((r) => r.ok && (r.value as { inserted: boolean }).inserted), [false, false]);
    assert.deepEqual((await ca()).computedAttributes, { ltv: 15 });
  });

  it('deleting a batch recomputes the state from the events left; a backfill builds a new one', async () => {
    await ctx.profiles.deleteByBatch(sb, 'b2');
    assert.deepEqual((await ca()).computedAttributes, { ltv: 6 });
    const c = await ctx.computedAttributes.create(sb, { name: 'n', expression: { function: 'COUNT', eventType: 'commerce.purchases', lookbackDays: 30 } });
    assert.ok(c.ok);
    await ctx.profiles.backfillComputedAttribute(sb, c.value.id);
    assert.deepEqual((await ca()).computedAttributes, { ltv: 6, n: 2 });
  });

  it('deleting the profile removes every identity of its graph', async () => {
    assert.ok((await ctx.profiles.deleteProfile(SB, CRM)).ok);
    const r = await ctx.profiles.getProfile(SB, ECID);
    assert.ok(!r.ok && r.error.status === 404);
    assert.deepEqual(await ctx.store.allRefs(sb), []);
  });
});
