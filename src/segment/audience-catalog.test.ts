import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { profileFixture, SB } from '../profile/testing/profile-fixture.js';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { createSegmentContext, type SegmentContext } from './wiring.js';
import { DuckDbBatchEvaluator } from './batch-sql.js';
import { AudienceCatalog } from './audience-catalog.js';
import { DEFINITION_KIND } from './segment-types.js';
import { sqliteSegmentStoreAt } from './testing/sqlite-segment-store-at.js';

const SBID = SB.sandbox.id;
const detail = (e: { body: unknown }) => (e.body as { detail: string }).detail;

describe('audiences: create, replace, patch, delete, bulk-get (Kith and external)', () => {
  let f: ReturnType<typeof profileFixture>;
  let seg: SegmentContext;
  let cat: AudienceCatalog;
  let resources: SqliteResourceStore;
  beforeEach(() => {
    f = profileFixture();
    resources = new SqliteResourceStore(openSqlite(':memory:', 'r'));
    seg = createSegmentContext({ dataDir: ':memory:', store: sqliteSegmentStoreAt(':memory:'), ownsStore: true, resources, clock: f.clock, profile: f.ctx, tickMs: 0, batchSql: new DuckDbBatchEvaluator() });
    cat = new AudienceCatalog(resources, f.clock, seg.definitions, seg.audiences);
  });
  afterEach(async () => {
    await seg.close();
    f.close();
  });

  it('a SegmentDefinition audience is a segment definition: it evaluates, and PATCH of /expression moves its members', async () => {
    await f.ctx.profiles.applyRecord(SBID, { datasetId: 'crm', batchId: 'b', primary: { namespace: 'Email', id: 'us@x.com' }, record: { workAddress: { country: 'US' } }, eventTime: f.clock.now() });
    await f.ctx.profiles.applyRecord(SBID, { datasetId: 'crm', batchId: 'b', primary: { namespace: 'Email', id: 'ca@x.com' }, record: { workAddress: { country: 'CA' } }, eventTime: f.clock.now() });
    const c = await cat.create(SB, { name: 'US workers', type: 'SegmentDefinition', description: 'Last 30 days', expression: { type: 'PQL', format: 'pql/text', value: 'workAddress.country = "US"' }, schema: { name: '_xdm.context.profile' }, labels: ['core/C1'], ttlInDays: 60 });
    assert.ok(c.ok, !c.ok ? detail(c.error) : '');
    const a = c.value as Record<string, any>;
    assert.equal(a.type, 'SegmentDefinition');
    assert.equal(a.audienceId, a.id);
    assert.equal(a.namespace, 'AEPSegments');
    assert.deepEqual(a.labels, ['core/C1']);
    assert.equal(a.ttlInDays, 60);
    assert.equal((await seg.definitions.get(SB, a.id)).ok, true, 'it is a segment definition');
    await seg.api.drain();
    assert.equal(((await cat.get(SB, a.id)).ok && ((await cat.get(SB, a.id)) as any).value.metrics.data.totalProfiles), 1);
    const p = await cat.patch(SB, a.id, [{ op: 'add', path: '/expression', value: { type: 'PQL', format: 'pql/text', value: 'workAddress.country = "CA"' } }]);
    assert.ok(p.ok, !p.ok ? detail(p.error) : '');
    assert.equal((p.value as any).expression.value, 'workAddress.country = "CA"');
    await seg.api.drain();
    const members = (await seg.store.members(SBID, a.id)).map((m) => m.ref.id);
    assert.deepEqual(members, ['ca@x.com']);
    const put = await cat.put(SB, a.id, { name: 'Renamed', expression: { type: 'PQL', format: 'pql/text', value: 'workAddress.country = "CA"' }, schema: { name: '_xdm.context.profile' }, labels: ['core/C2'] });
    assert.ok(put.ok);
    assert.equal((put.value as any).name, 'Renamed');
    assert.deepEqual((put.value as any).labels, ['core/C2']);
    assert.equal((await cat.delete(SB, a.id)).ok, true);
    assert.equal((await seg.definitions.get(SB, a.id)).ok, false);
  });

  it('an ExternalSegment audience is kept as given, unique by namespace and audienceId, listed beside Kith\'s', async () => {
    const body = { audienceId: 'test-external-audience-id', name: 'externalAudience', namespace: 'aam', description: 'Last 30 days', type: 'ExternalSegment', originName: 'CUSTOM_UPLOAD', lifecycleState: 'published', datasetId: '6254cf3c97f8e31b639fb14d', labels: ['core/C1'], linkedAudienceRef: { flowId: '4685ea90-d2b6-11ec-9d64-0242ac120002' } };
    const c = await cat.create(SB, body);
    assert.ok(c.ok, !c.ok ? detail(c.error) : '');
    const x = c.value as Record<string, any>;
    for (const [k, v] of Object.entries(body)) assert.deepEqual(x[k], v, k);
    assert.notEqual(x.id, x.audienceId);
    assert.equal(x.isSystem, false);
    const dup = await cat.create(SB, { ...body, name: 'again' });
    assert.equal(!dup.ok && dup.error.status, 409);
    assert.ok((await cat.create(SB, { name: 'Kith one', expression: { type: 'PQL', format: 'pql/text', value: 'a = 1' }, schema: { name: '_xdm.context.profile' } })).ok);
    const all = await cat.list(SB);
    assert.equal((all._page as any).totalCount, 2);
    assert.deepEqual(((await cat.list(SB, { property: 'type==ExternalSegment' })).children as any[]).map((a) => a.name), ['externalAudience']);
    assert.deepEqual(((await cat.list(SB, { name: 'KITH' })).children as any[]).map((a) => a.name), ['Kith one'], 'name contains, any case');
    assert.deepEqual(((await cat.list(SB, { property: 'audienceId==test-external-audience-id' })).children as any[]).length, 1);
    const page = await cat.list(SB, { limit: 1 });
    assert.match((page._links as any).next.href, /start=1&limit=1/);

    const p = await cat.patch(SB, x.id, [{ op: 'add', path: '/lifecycleState', value: 'inactive' }, { op: 'replace', path: '/name', value: 'renamed' }]);
    assert.ok(p.ok);
    assert.equal((p.value as any).lifecycleState, 'inactive');
    assert.equal((p.value as any).datasetId, body.datasetId, 'PATCH keeps what it does not name');
    const put = await cat.put(SB, x.id, { audienceId: 'test-external-audience-id', name: 'New external audience', namespace: 'aam', type: 'ExternalSegment', lifecycleState: 'published' });
    assert.ok(put.ok);
    assert.equal((put.value as any).datasetId, undefined, 'PUT replaces: what it leaves out is gone');
    assert.equal((put.value as any).creationTime, x.creationTime);
    const bulk = await cat.bulkGet(SB, [x.id, 'nope']);
    assert.equal((bulk[x.id] as any).name, 'New external audience');
    assert.equal((bulk.nope as any).status, 404);
    assert.equal((await cat.delete(SB, x.id)).ok, true);
    assert.equal((await cat.get(SB, x.id)).ok, false);
  });

  it('lists and searches every audience, past a thousand (unpaged underneath, paged once)', async () => {
    const own = await seg.definitions.create(SB, { name: 'seed', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'a = 1' } });
    assert.ok(own.ok);
    for (let i = 0; i < 1100; i++) await resources.put(DEFINITION_KIND, SBID, `d-${i}`, { ...own.value, id: `d-${i}`, name: `bulk ${i}` });
    assert.ok((await cat.create(SB, { type: 'ExternalSegment', name: 'bulk external', namespace: 'aam' })).ok);
    assert.equal(((await cat.list(SB, { limit: 10 }))._page as { totalCount: number }).totalCount, 1102);
    assert.equal(((await cat.list(SB, { start: 1100, limit: 100 })).children as unknown[]).length, 2);
    assert.equal(((await cat.list(SB, { name: 'bulk 1099' })).children as unknown[]).length, 1);
  });

  describe('invalid input', () => {
    const bad: Array<[string, unknown, RegExp, number?]> = [
      ['not an object', [], /audience object/],
      ['unknown type', { type: 'Magic', name: 'x' }, /type must be/],
      ['external without namespace', { type: 'ExternalSegment', name: 'x' }, /namespace is required/],
      ['external in Kith\'s namespace', { type: 'ExternalSegment', name: 'x', namespace: 'ups' }, /belongs to Kith/],
      ['external without name', { type: 'ExternalSegment', namespace: 'aam' }, /name is required/],
      ['bad lifecycleState', { type: 'ExternalSegment', name: 'x', namespace: 'aam', lifecycleState: 'gone' }, /lifecycleState must be one of/],
      ['bad originName', { type: 'ExternalSegment', name: 'x', namespace: 'aam', originName: 'ME' }, /originName must be one of/],
      ['labels not strings', { type: 'ExternalSegment', name: 'x', namespace: 'aam', labels: [1] }, /labels must be an array of strings/],
      ['a Kith audience with invalid PQL', { name: 'x', expression: { type: 'PQL', format: 'pql/text', value: 'a = ' }, schema: { name: '_xdm.context.profile' } }, /Invalid PQL/],
      ['a Kith audience with bad labels', { name: 'x', expression: { type: 'PQL', format: 'pql/text', value: 'a = 1' }, schema: { name: '_xdm.context.profile' }, labels: 'core' }, /labels must be an array of strings/],
    ];
    for (const [name, body, re] of bad)
      it(`create: ${name} -> 400`, async () => {
        const r = await cat.create(SB, body);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.equal(r.error.status, 400);
          assert.match(detail(r.error), re);
        }
      });

    it('patch and put: bad operations, fields that cannot change, type changes; unknown ids are 404', async () => {
      const ext = await cat.create(SB, { type: 'ExternalSegment', name: 'e', namespace: 'aam' });
      const own = await cat.create(SB, { name: 'k', expression: { type: 'PQL', format: 'pql/text', value: 'a = 1' }, schema: { name: '_xdm.context.profile' } });
      assert.ok(ext.ok && own.ok);
      const e = (ext.value as any).id as string, k = (own.value as any).id as string;
      const cases: Array<[Promise<{ ok: boolean; error?: unknown }>, RegExp]> = [
        [cat.patch(SB, e, { op: 'add' }), /JSON Patch array/],
        [cat.patch(SB, e, [{ op: 'remove', path: '/name' }]), /op must be "add" or "replace"/],
        [cat.patch(SB, e, [{ op: 'add', path: '/a/b', value: 1 }]), /top-level field/],
        [cat.patch(SB, e, [{ op: 'add', path: '/imsOrgId', value: 'x' }]), /cannot be changed on an external audience/],
        [cat.patch(SB, k, [{ op: 'add', path: '/namespace', value: 'x' }]), /cannot be changed on a Kith audience/],
        [cat.put(SB, e, { type: 'SegmentDefinition', name: 'x' }), /type of an audience cannot change/],
        [cat.put(SB, k, { type: 'ExternalSegment', name: 'x' }), /type of an audience cannot change/],
        [cat.put(SB, e, { type: 'ExternalSegment', namespace: 'aam' }), /name is required/],
      ];
      for (const [p, re] of cases) {
        const r = await p;
        assert.equal(r.ok, false);
        assert.match(detail(r.error as { body: unknown }), re);
      }
      for (const r of [await cat.get(SB, 'nope'), await cat.patch(SB, 'nope', [{ op: 'add', path: '/name', value: 'x' }]), await cat.put(SB, 'nope', { name: 'x', expression: { type: 'PQL', value: 'a = 1' }, schema: { name: '_xdm.context.profile' } }), await cat.delete(SB, 'nope')]) {
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.error.status, 404);
      }
    });
  });
});
