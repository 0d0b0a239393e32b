import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../store/sqlite/open.js';
import { SqliteResourceStore } from '../store/sqlite/sqlite-resource-store.js';
import { ManualClock } from '../shared/clock.js';
import type { SandboxContext } from '../http/request-context.js';
import type { Sandbox } from '../sandbox/sandbox-service.js';
import { CatalogService } from './catalog-service.js';
import { FakeSchemaLookup } from './fake-schema-lookup.js';
import { batchView, datasetView, TABLE_TAG, type Dataset } from './catalog-types.js';

const ORG = 'ABCDEF0123456789ABCDEF01@AdobeOrg';
const PLAIN = 'https://ns.adobe.com/kith/schemas/plain';
const UNION = 'https://ns.adobe.com/kith/schemas/union';

const sandbox = (id: string, name: string): Sandbox => ({
  id,
  orgId: ORG,
  name,
  title: name,
  type: 'development',
  isDefault: false,
  state: 'active',
  createdDate: 0,
  lastModifiedDate: 0,
  createdBy: 'test',
  lastModifiedBy: 'test',
});
const ctxFor = (s: Sandbox): SandboxContext => ({ orgId: ORG, tenantId: 'kith', sandbox: s, actor: 'tester', requestId: 'r' });

describe('CatalogService', () => {
  let dir = '';
  let store: SqliteResourceStore;
  let schemas: FakeSchemaLookup;
  let catalog: CatalogService;
  const clock = new ManualClock();
  const sbA = sandbox('sb-a', 'prod');
  const sbB = sandbox('sb-b', 'dev');
  const ctx = ctxFor(sbA);
  const events: Array<[string, string, Record<string, string[]>]> = [];

  const create = async (body: Record<string, unknown>, c = ctx): Promise<Dataset> => {
    const r = await catalog.createDataset(c, body);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error.body));
    return r.value;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kith-catalog-'));
    store = new SqliteResourceStore(openSqlite(dir, 'control'));
    schemas = new FakeSchemaLookup();
    for (const sb of [sbA, sbB]) {
      schemas.add(sb.id, PLAIN);
      schemas.add(sb.id, UNION, { union: true });
    }
    schemas.add(sbA.id, 'https://ns.adobe.com/xdm/context/experienceevent', { classId: 'https://ns.adobe.com/xdm/context/experienceevent' });
    catalog = new CatalogService(store, schemas, clock);
    catalog.onDatasetChange((ds, change) => void events.push([change, ds.id, ds.tags]));
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, reads and lists datasets with the AEP fields', async () => {
    const ds = await create({ name: 'Loyalty Members', description: 'd', schemaRef: { id: PLAIN, contentType: 'application/vnd.adobe.xed+json;version=1' } });
    assert.match(ds.id, /^[0-9a-f]{24}$/);
    assert.equal(ds.sandboxId, sbA.id);
    assert.equal(ds.imsOrg, ORG);
    assert.equal(ds.createdUser, 'tester');
    assert.deepEqual(ds.tags[TABLE_TAG], ['loyalty_members']);
    assert.deepEqual(await catalog.getDataset(sbA.id, ds.id), ds);
    assert.ok((await catalog.listDatasets(sbA.id)).some((d) => d.id === ds.id));
    const view = datasetView(ds);
    for (const f of ['name', 'imsOrg', 'tags', 'version', 'created', 'updated', 'createdClient', 'createdUser', 'updatedUser', 'viewId', 'files', 'schemaRef'])
      assert.ok(f in view, f);
    assert.equal(view.files, `@/dataSetFiles?dataSetId=${ds.id}`);
    assert.deepEqual(events.at(-1)?.slice(0, 2), ['created', ds.id]);
  });

  it('tells profile- and identity-enabled datasets apart', async () => {
    const cases: Array<[string, Record<string, string[]>, boolean, boolean]> = [
      ['none', {}, false, false],
      ['profile', { unifiedProfile: ['enabled:true'] }, true, false],
      ['identity', { unifiedIdentity: ['enabled:true'] }, false, true],
      ['both', { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] }, true, true],
      ['disabled', { unifiedProfile: ['enabled:false'] }, false, false],
    ];
    for (const [name, tags, profile, identity] of cases) {
      const ds = await create({ name: `flags ${name}`, schemaRef: { id: UNION }, tags });
      assert.equal(catalog.isProfileEnabled(ds), profile, name);
      assert.equal(catalog.isIdentityEnabled(ds), identity, name);
    }
  });

  it('derives unique Query Service table names per sandbox, also after a delete', async () => {
    const names = ['Orders 2026', 'orders-2026', 'ORDERS__2026!!', '2026 Orders', '__Weird   Name__'];
    const want = ['orders_2026', 'orders_2026_1', 'orders_2026_2', 't_2026_orders', 'weird_name'];
    for (let i = 0; i < names.length; i++) assert.deepEqual((await create({ name: names[i], schemaRef: { id: PLAIN } })).tags[TABLE_TAG], [want[i]], names[i]);
    const other = await create({ name: 'Orders 2026', schemaRef: { id: PLAIN } }, ctxFor(sbB));
    assert.deepEqual(other.tags[TABLE_TAG], ['orders_2026'], 'another sandbox has its own table names');
    const tmp = await create({ name: 'Scratch', schemaRef: { id: PLAIN } });
    assert.ok((await catalog.deleteDataset(ctx, tmp.id)).ok);
    const again = await create({ name: 'Scratch', schemaRef: { id: PLAIN } });
    assert.deepEqual(again.tags[TABLE_TAG], ['scratch_1'], "a deleted dataset's table name is not reused (the lake still holds its rows)");
  });

  it('ignores a client-sent table tag and accepts the legacy schema reference', async () => {
    const ds = await create({ name: 'Legacy Events', schema: '@/xdms/context/experienceevent', tags: { [TABLE_TAG]: ['mine'] } });
    assert.equal(ds.schemaRef.id, 'https://ns.adobe.com/xdm/context/experienceevent');
    assert.equal(ds.schema, '@/xdms/context/experienceevent');
    assert.deepEqual(ds.tags[TABLE_TAG], ['legacy_events']);
    const byAlt = await create({ name: 'By Alt Id', schemaRef: { id: '_kith.schemas.plain' } });
    assert.equal(byAlt.schemaRef.id, PLAIN, 'schemaRef by altId is stored as the $id');
  });

  it('JSON-patches tags and names, notifies listeners, and keeps the table tag', async () => {
    const ds = await create({ name: 'Patch Me', schemaRef: { id: UNION } });
    clock.advance(1000);
    const r = await catalog.patchDataset(ctx, ds.id, [
      { op: 'add', path: '/tags/unifiedProfile', value: ['enabled:true'] },
      { op: 'replace', path: '/name', value: 'Patched' },
    ]);
    assert.ok(r.ok);
    assert.equal(r.value.name, 'Patched');
    assert.ok(catalog.isProfileEnabled(r.value));
    assert.deepEqual(r.value.tags[TABLE_TAG], ['patch_me'], 'renaming keeps the table');
    assert.ok(r.value.updated > ds.updated);
    assert.deepEqual(events.at(-1), ['updated', ds.id, r.value.tags]);
    const removed = await catalog.patchDataset(ctx, ds.id, [{ op: 'remove', path: '/tags/unifiedProfile' }]);
    assert.ok(removed.ok && !catalog.isProfileEnabled(removed.value));
    assert.equal((await catalog.getDataset(sbA.id, ds.id))?.name, 'Patched');
  });

  it('keeps datasets of one sandbox invisible in another', async () => {
    const ds = await create({ name: 'Only In A', schemaRef: { id: PLAIN } });
    assert.equal(await catalog.getDataset(sbB.id, ds.id), undefined);
    assert.ok(!(await catalog.listDatasets(sbB.id)).some((d) => d.id === ds.id));
    const same = await catalog.createDataset(ctxFor(sbB), { name: 'Only In A', schemaRef: { id: PLAIN } });
    assert.ok(same.ok, 'names are unique per sandbox only');
    const p = await catalog.patchDataset(ctxFor(sbB), ds.id, []);
    assert.ok(!p.ok && p.error.status === 404);
  });

  it('runs the batch lifecycle and reflects it on the dataset', async () => {
    const ds = await create({ name: 'Batches Here', schemaRef: { id: PLAIN } });
    const b = await catalog.createBatch(sbA.id, { datasetId: ds.id, source: 'batch', inputFormat: { format: 'json' }, externalId: 'ext-1', tags: { t: ['x'] } }, 'tester');
    assert.match(b.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(b.status, 'loading');
    assert.equal(b.imsOrg, ORG);
    clock.advance(10);
    const u = await catalog.updateBatch(sbA.id, b.id, {
      status: 'success',
      recordCount: 8,
      failedRecordCount: 2,
      errors: [{ code: 'XDM-1', description: 'bad', rows: ['3'] }],
      started: clock.now(),
      completed: clock.now(),
      size: 1234,
      metrics: { partitionCount: 1 },
    });
    assert.equal(u?.status, 'success');
    const view = batchView(u!);
    assert.equal(view.size, 1234);
    assert.deepEqual(view.metrics, { inputRecordCount: 10, outputRecordCount: 8, partitionCount: 1 });
    assert.deepEqual(view.relatedObjects, [{ type: 'dataSet', id: ds.id }]);
    assert.deepEqual(view.errors, [{ code: 'XDM-1', description: 'bad', rows: ['3'] }]);
    assert.equal(view.externalId, 'ext-1');
    const d = await catalog.getDataset(sbA.id, ds.id);
    assert.equal(d?.lastBatchId, b.id);
    assert.equal(d?.lastBatchStatus, 'success');
    assert.equal(d?.lastSuccessfulBatch, b.id);
    assert.deepEqual(await catalog.getBatch(sbA.id, b.id), u);
    assert.equal(await catalog.getBatch(sbB.id, b.id), undefined, 'batches are sandboxed too');
  });

  it('issues strictly increasing batch ids within one millisecond', async () => {
    const ds = await create({ name: 'Same Millisecond', schemaRef: { id: PLAIN } });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await catalog.createBatch(sbA.id, { datasetId: ds.id, source: 'batch' }, 'tester')).id);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual((await catalog.listBatches(sbA.id, { datasetId: ds.id })).map((b) => b.id), ids, 'listed in creation order');
  });

  it('keeps lastBatchId on the newest batch when an older one changes', async () => {
    const ds = await create({ name: 'Two Batches', schemaRef: { id: PLAIN } });
    const older = await catalog.createBatch(sbA.id, { datasetId: ds.id, source: 'streaming' }, 'streaming-ingestion');
    clock.advance(1000);
    const newer = await catalog.createBatch(sbA.id, { datasetId: ds.id, source: 'streaming' }, 'streaming-ingestion');
    await catalog.updateBatch(sbA.id, older.id, { status: 'failed' });
    const d = await catalog.getDataset(sbA.id, ds.id);
    assert.equal(d?.lastBatchId, newer.id);
    assert.equal(d?.lastBatchStatus, 'loading');
    assert.equal(d?.lastFailedBatch, older.id);
  });

  it('does not lose a tag change made through another service instance while batches are recorded', async () => {
    const ds = await create({ name: 'Two Writers', schemaRef: { id: UNION } });
    const worker = new CatalogService(store, schemas, clock); // e.g. the processor thread's instance
    const b = await worker.createBatch(sbA.id, { datasetId: ds.id, source: 'streaming' }, 'streaming-ingestion');
    await catalog.patchDataset(ctx, ds.id, [{ op: 'add', path: '/tags/unifiedProfile', value: ['enabled:true'] }]);
    await worker.updateBatch(sbA.id, b.id, { status: 'success', recordCount: 1 });
    const stored = (await store.get<Dataset>('dataset', sbA.id, ds.id))!.doc;
    assert.ok(catalog.isProfileEnabled(stored), 'the worker wrote on the latest document');
    assert.equal(stored.lastBatchStatus, 'success');
  });

  it('two threads updating one batch at once keep both changes (the API completes it, the processor counts rows)', async () => {
    const ds = await create({ name: 'Racing Batch', schemaRef: { id: PLAIN } });
    const worker = new CatalogService(store, schemas, clock);
    const b = await catalog.createBatch(sbA.id, { datasetId: ds.id, source: 'batch' }, 'tester');
    await Promise.all([
      catalog.updateBatch(sbA.id, b.id, { status: 'processing', started: 5 }),
      worker.updateBatch(sbA.id, b.id, { recordCount: 7 }),
      worker.updateBatch(sbA.id, b.id, { failedRecordCount: 1 }),
    ]);
    const got = await catalog.getBatch(sbA.id, b.id);
    assert.deepEqual([got?.status, got?.started, got?.recordCount, got?.failedRecordCount], ['processing', 5, 7, 1]);
  });

  it('lists batches by dataset and status, with offset paging', async () => {
    const ds = await create({ name: 'Paged Batches', schemaRef: { id: PLAIN } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      const b = await catalog.createBatch(sbA.id, { datasetId: ds.id, source: 'batch' }, 'tester');
      if (i % 2 === 0) await catalog.updateBatch(sbA.id, b.id, { status: 'success' });
      ids.push(b.id);
    }
    const cases: Array<[string, Parameters<CatalogService['listBatches']>[1], string[]]> = [
      ['all of the dataset', { datasetId: ds.id }, ids],
      ['by status', { datasetId: ds.id, status: 'success' }, [ids[0]!, ids[2]!, ids[4]!]],
      ['limit', { datasetId: ds.id, limit: 2 }, ids.slice(0, 2)],
      ['numeric start', { datasetId: ds.id, start: 3 }, ids.slice(3)],
      ['digit-string start', { datasetId: ds.id, start: '1', limit: 2 }, ids.slice(1, 3)],
      ['id cursor start', { datasetId: ds.id, start: ids[1] }, ids.slice(2)],
      ['other dataset', { datasetId: 'ffffffffffffffffffffffff' }, []],
    ];
    for (const [name, f, want] of cases)
      assert.deepEqual(
        (await catalog.listBatches(sbA.id, f)).map((b) => b.id),
        want,
        name,
      );
  });

  describe('invalid input', () => {
    const cases: Array<[string, () => Promise<{ ok: boolean; error?: { status: number; body: Record<string, unknown> } }>, number, RegExp]> = [
      ['body not an object', () => catalog.createDataset(ctx, []), 400, /JSON object/],
      ['missing name', () => catalog.createDataset(ctx, { schemaRef: { id: PLAIN } }), 400, /name is required/],
      ['blank name', () => catalog.createDataset(ctx, { name: '  ', schemaRef: { id: PLAIN } }), 400, /name is required/],
      ['missing schemaRef', () => catalog.createDataset(ctx, { name: 'x' }), 400, /schemaRef/],
      ['schemaRef without id', () => catalog.createDataset(ctx, { name: 'x', schemaRef: { contentType: 'a' } }), 400, /schemaRef\.id/],
      ['unknown schema', () => catalog.createDataset(ctx, { name: 'x', schemaRef: { id: 'https://ns.adobe.com/kith/schemas/nope' } }), 400, /does not exist/],
      ["another sandbox's schema", () => catalog.createDataset(ctxFor(sandbox('sb-c', 'empty')), { name: 'x', schemaRef: { id: PLAIN } }), 400, /does not exist/],
      ['tags not an object', () => catalog.createDataset(ctx, { name: 'x', schemaRef: { id: PLAIN }, tags: ['a'] }), 400, /tags/],
      ['tag values not string arrays', () => catalog.createDataset(ctx, { name: 'x', schemaRef: { id: PLAIN }, tags: { a: 'b' } }), 400, /array of strings/],
      ['duplicate name (any case)', () => catalog.createDataset(ctx, { name: 'LOYALTY members', schemaRef: { id: PLAIN } }), 409, /already exists/],
      ['profile without a union schema', () => catalog.createDataset(ctx, { name: 'np', schemaRef: { id: PLAIN }, tags: { unifiedProfile: ['enabled:true'] } }), 400, /union/],
      ['patch unknown dataset', () => catalog.patchDataset(ctx, 'nope', []), 404, /not found/],
      ['patch bad op', async () => catalog.patchDataset(ctx, (await create({ name: 'p1', schemaRef: { id: PLAIN } })).id, [{ op: 'explode', path: '/name' }]), 400, /op/],
      ['patch profile on a non-union schema', async () => catalog.patchDataset(ctx, (await create({ name: 'p2', schemaRef: { id: PLAIN } })).id, [{ op: 'add', path: '/tags/unifiedProfile', value: ['enabled:true'] }]), 400, /union/],
      ['patch the table tag', async () => catalog.patchDataset(ctx, (await create({ name: 'p3', schemaRef: { id: PLAIN } })).id, [{ op: 'remove', path: '/tags/adobe~1pqs~1table' }]), 400, /managed by the platform/],
      ['patch to a taken name', async () => catalog.patchDataset(ctx, (await create({ name: 'p4', schemaRef: { id: PLAIN } })).id, [{ op: 'replace', path: '/name', value: 'p1' }]), 409, /already exists/],
      ['put a new schemaRef', async () => catalog.replaceDataset(ctx, (await create({ name: 'p5', schemaRef: { id: PLAIN } })).id, { name: 'p5', schemaRef: { id: UNION } }), 400, /cannot be changed/],
      ['put tags not an object', async () => catalog.replaceDataset(ctx, (await create({ name: 'p6', schemaRef: { id: PLAIN } })).id, { name: 'p6', tags: 5 }), 400, /tags/],
      ['put unknown dataset', () => catalog.replaceDataset(ctx, 'nope', { name: 'x' }), 404, /not found/],
      ['delete unknown dataset', () => catalog.deleteDataset(ctx, 'nope'), 404, /not found/],
    ];
    for (const [name, call, status, re] of cases)
      it(name, async () => {
        const r = await call();
        assert.equal(r.ok, false);
        assert.equal(r.error?.status, status, JSON.stringify(r.error?.body));
        assert.match(String(r.error?.body.detail), re);
      });

    it('updateBatch answers undefined for an unknown batch or status', async () => {
      const ds = await create({ name: 'bad batch', schemaRef: { id: PLAIN } });
      const b = await catalog.createBatch(sbA.id, { datasetId: ds.id, source: 'batch' }, 'tester');
      assert.equal(await catalog.updateBatch(sbA.id, 'NOPE', { status: 'success' }), undefined);
      assert.equal(await catalog.updateBatch(sbA.id, b.id, { status: 'exploded' as never }), undefined);
      assert.equal((await catalog.getBatch(sbA.id, b.id))?.status, 'loading');
    });
  });
});
