import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { profileFixture, SB } from './testing/profile-fixture.js';
import { recordEventTime } from './fragment-merge.js';
import type { ProfileChange } from './profile-service.js';

const CRM = { namespace: 'CRMID', id: 'c1' };
const EMAIL = { namespace: 'Email', id: 'jane@x.com' };
const ECID = { namespace: 'ECID', id: 'e1' };
const DAY = 86_400_000;

describe('ProfileService', () => {
  let f: ReturnType<typeof profileFixture>;
  beforeEach(() => {
    f = profileFixture({ maxEventsPerProfile: 5 });
  });
  afterEach(() => f.close());
  const rec = (datasetId: string, primary: typeof CRM, record: Record<string, unknown>, eventTime: number, batchId = 'b1') =>
    f.ctx.profiles.applyRecord(SB.sandbox.id, { datasetId, batchId, primary, record, eventTime });
  const get = async (key: Parameters<typeof f.ctx.profiles.getProfile>[1], opts = {}) => {
    const r = await f.ctx.profiles.getProfile(SB, key, opts);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    return r.value;
  };
  const policy = async (body: Record<string, unknown>) => {
    const r = await f.ctx.mergePolicies.create(SB, { name: 'p', schema: { name: '_xdm.context.profile' }, ...body });
    assert.ok(r.ok);
    return r.value.id;
  };

  describe('timestampOrdered with out-of-order and replayed records', () => {
    const cases: Array<{ name: string; writes: Array<[string, Record<string, unknown>, number]>; want: Record<string, unknown> }> = [
      { name: 'in order', writes: [['dsA', { tier: 'silver' }, 1], ['dsA', { tier: 'gold' }, 2]], want: { tier: 'gold' } },
      { name: 'late record arrives after a newer one', writes: [['dsA', { tier: 'gold' }, 2], ['dsA', { tier: 'silver' }, 1]], want: { tier: 'gold' } },
      { name: 'replay of an old batch', writes: [['dsA', { tier: 'silver' }, 1], ['dsA', { tier: 'gold' }, 2], ['dsA', { tier: 'silver' }, 1]], want: { tier: 'gold' } },
      { name: 'newest across datasets wins per attribute', writes: [['dsA', { tier: 'gold', city: 'Paris' }, 5], ['dsB', { tier: 'bronze' }, 9], ['dsB', { city: 'Rome' }, 3]], want: { tier: 'bronze', city: 'Paris' } },
    ];
    for (const c of cases)
      it(c.name, async () => {
        for (const [ds, r, t] of c.writes) assert.ok((await rec(ds, CRM, r, t)).ok);
        assert.deepEqual((await get(CRM)).entity, c.want);
      });
    it('record event time comes from extSourceSystemAudit.lastUpdatedDate', async () => {
      const newer = { loyalty: 'gold', extSourceSystemAudit: { lastUpdatedDate: '2025-06-01T00:00:00Z' } };
      const older = { loyalty: 'none', extSourceSystemAudit: { lastUpdatedDate: '2024-06-01T00:00:00Z' } };
      for (const r of [newer, older]) await rec('dsA', CRM, r, recordEventTime(r, f.clock.now()));
      assert.equal((await get(CRM)).entity.loyalty, 'gold');
    });
  });

  it('dataSetPrecedence: order wins over time; unlisted datasets are not merged', async () => {
    await rec('dsA', CRM, { tier: 'A', a: 1 }, 1);
    await rec('dsB', CRM, { tier: 'B', b: 1 }, 9);
    await rec('dsC', CRM, { c: 1 }, 9);
    for (const ds of ['dsA', 'dsB']) await f.resources.put('dataset', SB.sandbox.id, ds, { id: ds }); // the catalog's datasets, as the merge policy checks them
    const id = await policy({ identityGraph: { type: 'pdg' }, attributeMerge: { type: 'dataSetPrecedence', order: ['dsA', 'dsB'] } });
    const p = await get(CRM, { mergePolicyId: id });
    assert.deepEqual(p.entity, { tier: 'A', a: 1, b: 1 });
    assert.deepEqual(p.sources.sort(), ['dsA', 'dsB']);
  });

  it('identityGraph none vs pdg', async () => {
    f.ids.link(SB.sandbox.id, CRM, ECID);
    await rec('dsA', CRM, { name: 'Jane' }, 1);
    await rec('dsW', ECID, { browser: 'ff' }, 2);
    const none = await policy({ identityGraph: { type: 'none' }, attributeMerge: { type: 'timestampOrdered' } });
    assert.deepEqual((await get(ECID, { mergePolicyId: none })).entity, { browser: 'ff' });
    const merged = await get(ECID);
    assert.deepEqual(merged.entity, { name: 'Jane', browser: 'ff' });
    assert.equal(merged.identityGraph.length, 2);
    assert.equal(merged.entityId, (await get(CRM)).entityId, 'entity id = XID of the highest-priority identity');
    assert.equal(merged.entityId, f.ids.xidOf(SB.sandbox.id, CRM));
  });

  it('unlink followed by lookup splits the profile; graph changes are re-emitted', async () => {
    const seen: ProfileChange[] = [];
    f.ctx.profiles.onProfileChange((c) => seen.push(c));
    f.ids.link(SB.sandbox.id, CRM, ECID);
    await rec('dsA', CRM, { name: 'Jane' }, 1);
    await rec('dsW', ECID, { browser: 'ff' }, 2);
    assert.equal((await get(ECID)).entity.name, 'Jane');
    f.ids.unlink(SB.sandbox.id, CRM, ECID);
    assert.deepEqual((await get(ECID)).entity, { browser: 'ff' });
    assert.deepEqual((await get(CRM)).entity, { name: 'Jane' });
    assert.ok(seen.some((c) => c.kind === 'graph'));
    assert.ok(seen.some((c) => c.kind === 'record'));
  });

  it('events: dedupe by _id, per-profile cap ages out the oldest, attach across the graph', async () => {
    f.ids.link(SB.sandbox.id, CRM, ECID);
    for (let i = 0; i < 7; i++) {
      const r = await f.ctx.profiles.applyEvent(SB.sandbox.id, { datasetId: 'dsE', batchId: 'b', primary: ECID, event: { _id: `ev${i}`, timestamp: new Date(1000 + i).toISOString() } });
      assert.ok(r.ok);
    }
    const dup = await f.ctx.profiles.applyEvent(SB.sandbox.id, { datasetId: 'dsE', batchId: 'b', primary: ECID, event: { _id: 'ev6', timestamp: new Date(1006).toISOString() } });
    assert.ok(dup.ok && !dup.value.inserted && dup.value.eventCount === 5);
    const page = await f.ctx.profiles.getEvents(SB, CRM, {});
    assert.ok(page.ok);
    assert.deepEqual(page.value.children.map((c) => c.entityId), ['ev2', 'ev3', 'ev4', 'ev5', 'ev6']);
  });

  it('computed attributes: lifetime value, purchase count, last purchase date over a lookback, across the graph', async () => {
    const mk = async (name: string, expression: Record<string, unknown>) => assert.ok((await f.ctx.computedAttributes.create(SB.sandbox.id, { name, expression })).ok);
    await mk('ltv', { function: 'SUM', eventPath: 'commerce.order.priceTotal', eventType: 'commerce.purchases', lookbackDays: 30 });
    await mk('purchases', { function: 'COUNT', eventType: 'commerce.purchases', lookbackDays: 30 });
    await mk('lastPurchase', { function: 'MOST_RECENT', eventPath: 'timestamp', eventType: 'commerce.purchases', lookbackDays: 30 });
    f.ids.link(SB.sandbox.id, CRM, ECID);
    const now = f.clock.now();
    const buy = (primary: typeof CRM, id: string, t: number, price: number) =>
      f.ctx.profiles.applyEvent(SB.sandbox.id, { datasetId: 'dsE', batchId: 'b', primary, event: { _id: id, eventType: 'commerce.purchases', timestamp: new Date(t).toISOString(), commerce: { order: { priceTotal: price } } } });
    await buy(CRM, 'p1', now - 2 * DAY, 10);
    await buy(ECID, 'p2', now - DAY, 5.5);
    await buy(ECID, 'p2', now - DAY, 5.5); // replay
    await buy(CRM, 'old', now - 40 * DAY, 100); // outside the window
    await f.ctx.profiles.applyEvent(SB.sandbox.id, { datasetId: 'dsE', batchId: 'b', primary: CRM, event: { _id: 'v1', eventType: 'web.webpagedetails.pageViews', timestamp: new Date(now).toISOString() } });
    const p = await get(CRM, { withCA: true });
    assert.deepEqual(p.entity.computedAttributes, { ltv: 15.5, purchases: 2, lastPurchase: new Date(now - DAY).toISOString() });
    f.clock.advance(29 * DAY + 1); // p1 leaves the window
    assert.deepEqual((await get(CRM, { withCA: true })).entity.computedAttributes, { ltv: 5.5, purchases: 1, lastPurchase: new Date(now - DAY).toISOString() });
  });

  it('delete by dataset, by batch and by identity', async () => {
    await rec('dsA', CRM, { a: 1 }, 1, 'b1');
    await rec('dsB', CRM, { b: 1 }, 1, 'b2');
    await f.ctx.profiles.deleteByBatch(SB.sandbox.id, 'b2');
    assert.deepEqual((await get(CRM)).entity, { a: 1 });
    await rec('dsB', CRM, { b: 2 }, 1, 'b3');
    await f.ctx.profiles.deleteByDataset(SB.sandbox.id, 'dsA');
    assert.deepEqual((await get(CRM)).entity, { b: 2 });
    assert.ok((await f.ctx.profiles.deleteProfile(SB, CRM)).ok);
    const r = await f.ctx.profiles.getProfile(SB, CRM);
    assert.ok(!r.ok && r.error.status === 404);
  });

  it('applyBatch: one transaction in order, a result per item, a refused item does not stop the others, changes after commit', async () => {
    f.ids.link(SB.sandbox.id, CRM, ECID);
    const seen: ProfileChange[] = [];
    f.ctx.profiles.onProfileChange((c) => seen.push(c));
    const sb = SB.sandbox.id;
    const res = await f.ctx.profiles.applyBatch([
      { sandboxId: sb, kind: 'record', input: { datasetId: 'dsA', batchId: 'b', primary: CRM, record: { tier: 'silver' }, eventTime: 1 } },
      { sandboxId: sb, kind: 'event', input: { datasetId: 'dsE', batchId: 'b', primary: ECID, event: { _id: 'big', pad: 'x'.repeat(11 * 1024) } } },
      { sandboxId: sb, kind: 'event', input: { datasetId: 'dsE', batchId: 'b', primary: ECID, event: { _id: 'ok', timestamp: new Date(5).toISOString() } } },
      { sandboxId: sb, kind: 'record', input: { datasetId: 'dsA', batchId: 'b', primary: CRM, record: { tier: 'gold' }, eventTime: 2 } },
    ]);
    assert.deepEqual(res.map((r) => r.ok), [true, false, true, true]);
    assert.equal(!res[1]!.ok && res[1]!.error.status, 413);
    assert.deepEqual(seen.map((c) => c.kind), ['record', 'event', 'record']);
    assert.equal((await get(CRM)).entity.tier, 'gold');
    const page = await f.ctx.profiles.getEvents(SB, CRM, {});
    assert.ok(page.ok);
    assert.deepEqual(page.value.children.map((c) => c.entityId), ['ok']);
  });

  it('events with property filters page over the matching events only', async () => {
    const f2 = profileFixture({ maxEventsPerProfile: 500 });
    try {
      for (let i = 0; i < 300; i++)
        await f2.ctx.profiles.applyEvent(SB.sandbox.id, { datasetId: 'dsE', batchId: 'b', primary: ECID, event: { _id: `ev${String(i).padStart(3, '0')}`, timestamp: new Date(1000 + i).toISOString(), n: i } });
      const filters = [{ path: ['n'], op: '>=' as const, value: '100' }, { path: ['n'], op: '<' as const, value: '295' }];
      const got: string[] = [];
      let start: string | undefined;
      for (let guard = 0; guard < 100; guard++) {
        const p = await f2.ctx.profiles.getEvents(SB, ECID, { limit: 7, start, property: filters, order: 'desc' });
        assert.ok(p.ok);
        got.push(...p.value.children.map((c) => c.entityId));
        if (!p.value.next) break;
        start = p.value.next;
      }
      const want = Array.from({ length: 195 }, (_, k) => `ev${String(294 - k).padStart(3, '0')}`);
      assert.deepEqual(got, want);
    } finally {
      f2.close();
    }
  });

  describe('invalid input and guardrails', () => {
    it('rejects a record over 100 KB', async () => {
      const r = await rec('dsA', CRM, { big: 'x'.repeat(101 * 1024) }, 1);
      assert.ok(!r.ok && r.error.status === 413);
    });
    it('rejects an event over 10 KB and an event without _id', async () => {
      const big = await f.ctx.profiles.applyEvent(SB.sandbox.id, { datasetId: 'd', batchId: 'b', primary: ECID, event: { _id: 'x', pad: 'x'.repeat(11 * 1024) } });
      assert.ok(!big.ok && big.error.status === 413);
      const noId = await f.ctx.profiles.applyEvent(SB.sandbox.id, { datasetId: 'd', batchId: 'b', primary: ECID, event: {} });
      assert.ok(!noId.ok && noId.error.status === 422);
    });
    it('404 for an unknown identity, 422 for a graph over the limit, 404 for an unknown merge policy', async () => {
      const a = await f.ctx.profiles.getProfile(SB, { namespace: 'Email', id: 'nobody' });
      assert.ok(!a.ok && a.error.status === 404);
      await rec('dsA', EMAIL, { x: 1 }, 1);
      f.ids.grow(SB.sandbox.id, EMAIL, 50);
      const b = await f.ctx.profiles.getProfile(SB, EMAIL);
      assert.ok(!b.ok && b.error.status === 422 && b.error.body.title === 'Too many related identities');
      const c = await f.ctx.profiles.getProfile(SB, EMAIL, { mergePolicyId: 'nope' });
      assert.ok(!c.ok && c.error.status === 404);
    });
    const bad: Array<[string, unknown]> = [
      ['no name', { identityGraph: { type: 'pdg' } }],
      ['bad graph type', { name: 'x', identityGraph: { type: 'full' } }],
      ['precedence without order', { name: 'x', attributeMerge: { type: 'dataSetPrecedence' } }],
      ['unknown merge type', { name: 'x', attributeMerge: { type: 'random' } }],
      ['wrong schema', { name: 'x', schema: { name: '_xdm.context.experienceevent' } }],
    ];
    for (const [name, body] of bad)
      it(`merge policy: ${name} -> 400`, async () => {
        const r = await f.ctx.mergePolicies.create(SB, body);
        assert.ok(!r.ok && r.error.status === 400);
      });
    const badCa: Array<[string, unknown]> = [
      ['bad function', { name: 'x', expression: { function: 'AVG', eventPath: 'a', lookbackDays: 1 } }],
      ['no lookback', { name: 'x', expression: { function: 'SUM', eventPath: 'a' } }],
      ['sum without path', { name: 'x', expression: { function: 'SUM', lookbackDays: 3 } }],
      ['bad name', { name: '1 x', expression: { function: 'COUNT', lookbackDays: 3 } }],
    ];
    for (const [name, body] of badCa)
      it(`computed attribute: ${name} -> 400`, async () => {
        const r = await f.ctx.computedAttributes.create(SB.sandbox.id, body);
        assert.ok(!r.ok && r.error.status === 400);
      });
  });
});
