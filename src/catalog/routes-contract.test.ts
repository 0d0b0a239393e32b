import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { CatalogService } from './catalog-service.js';
import { registerCatalogRoutes } from './routes.js';
import { FakeSchemaLookup } from './fake-schema-lookup.js';

/*
 * The Catalog API against a CatalogService wired to a fake SchemaLookup (the Schema Registry is another context).
 * The server already mounts the real Catalog routes at /data/foundation/catalog, so this instance is mounted under
 * the `/fake` prefix; gateway auth and the case-insensitive router apply to it the same way.
 */
const CAT = '/fake/data/foundation/catalog';
const PLAIN = 'https://ns.adobe.com/kith/schemas/plain';
const UNION = 'https://ns.adobe.com/kith/schemas/union';
const CT = 'application/vnd.adobe.xed+json;version=1';

interface Reply {
  status: number;
  json: any;
  body: string;
}

describe('Catalog API (fake Schema Registry)', () => {
  let k: TestKith;
  let catalog: CatalogService;
  const schemas = new FakeSchemaLookup();
  let prodId = '';
  let devId = '';

  const call = async (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const raw = typeof payload === 'string';
    const r = await k.app.inject({
      method: method as 'GET',
      url,
      headers: k.headers({ ...(payload !== undefined && !raw ? { 'content-type': 'application/json' } : {}), ...headers }),
      payload: payload === undefined ? undefined : raw ? payload : JSON.stringify(payload),
    });
    let json: any;
    try {
      json = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.statusCode, json, body: r.body };
  };
  const idOf = (r: Reply) => {
    assert.equal(r.status, 201, r.body);
    return String(r.json[0]).slice('@/dataSets/'.length);
  };
  const createDs = async (name: string, extra: Record<string, unknown> = {}) => idOf(await call('POST', `${CAT}/dataSets`, { name, schemaRef: { id: PLAIN, contentType: CT }, ...extra }));
  const getDs = async (id: string) => (await call('GET', `${CAT}/dataSets/${id}`)).json[id];

  before(async () => {
    k = await startTestKith(
      {},
      {
        extraRoutes: (app, kith) => {
          catalog = new CatalogService(kith.resources, schemas, kith.clock);
          void app.register(async (child) => registerCatalogRoutes(child, catalog), { prefix: '/fake' });
        },
      },
    );
    prodId = (await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id;
    const dev = await k.sandboxes.create(k.local.orgId, { name: 'dev', type: 'development' }, 'test');
    assert.ok(dev.ok);
    devId = dev.value.id;
    for (const sb of [prodId, devId]) {
      schemas.add(sb, PLAIN);
      schemas.add(sb, UNION, { union: true });
    }
  });
  after(() => k.stop());

  it('POST /dataSets answers 201 ["@/dataSets/<24-hex id>"]', async () => {
    const r = await call('POST', `${CAT}/dataSets`, {
      name: 'Loyalty Members',
      description: 'members',
      schemaRef: { id: PLAIN, contentType: CT },
      fileDescription: { persisted: true, containerFormat: 'parquet', format: 'parquet' },
    });
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json.length, 1);
    assert.match(r.json[0], /^@\/dataSets\/[0-9a-f]{24}$/);
  });

  it('GET /dataSets/{id} answers the keyed AEP object', async () => {
    const id = await createDs('Commission Program Events', { tags: { unifiedIdentity: ['enabled:true'] } });
    const r = await call('GET', `${CAT}/dataSets/${id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), [id]);
    const d = r.json[id];
    assert.equal(d.name, 'Commission Program Events');
    assert.equal(d.imsOrg, k.local.orgId);
    assert.deepEqual(d.tags, { unifiedIdentity: ['enabled:true'], 'adobe/pqs/table': ['commission_program_events'] });
    assert.equal(d.version, '1.0.0');
    assert.equal(typeof d.created, 'number');
    assert.equal(typeof d.updated, 'number');
    for (const f of ['createdClient', 'createdUser', 'updatedUser']) assert.equal(typeof d[f], 'string', f);
    assert.match(d.viewId, /^[0-9a-f]{24}$/);
    assert.notEqual(d.viewId, id);
    assert.equal(d.files, `@/dataSetFiles?dataSetId=${id}`);
    assert.deepEqual(d.schemaRef, { id: PLAIN, contentType: CT });
    assert.ok(!('lastBatchId' in d), 'no batch yet');
    assert.ok(!('sandboxId' in d), 'internal fields stay internal');
    const some = await call('GET', `${CAT}/dataSets/${id}?properties=name,files`);
    assert.deepEqual(some.json[id], { name: 'Commission Program Events', files: `@/dataSetFiles?dataSetId=${id}` });
  });

  it('routes case-insensitively: /datasets, /DATASETS/{id}, /Batches', async () => {
    const id = await createDs('Case Test');
    for (const url of [`${CAT}/datasets/${id}`, `${CAT}/DATASETS/${id}`, `${CAT.toLowerCase()}/datasets/${id}/`]) {
      const r = await call('GET', url);
      assert.equal(r.status, 200, url);
      assert.equal(r.json[id].name, 'Case Test', url);
    }
    assert.equal((await call('GET', `${CAT}/datasets?properties=name`)).json[id].name, 'Case Test');
    assert.equal((await call('GET', `${CAT}/Batches`)).status, 200);
  });

  it('lists datasets keyed by id with properties=, filters, orderBy and paging', async () => {
    const names = ['List C', 'List A', 'List B', 'List E', 'List D'];
    const ids = new Map<string, string>();
    for (const n of names) ids.set(n, await createDs(n, { description: 'listing' }));
    const r = await call('GET', `${CAT}/dataSets?properties=name,tags&description=listing`);
    assert.deepEqual(Object.keys(r.json).sort(), [...ids.values()].sort());
    for (const v of Object.values(r.json)) assert.deepEqual(Object.keys(v as object).sort(), ['name', 'tags']);
    const cases: Array<[string, string, string[]]> = [
      ['orderBy asc:name', 'orderBy=asc:name', ['List A', 'List B', 'List C', 'List D', 'List E']],
      ['orderBy desc:name', 'orderBy=desc:name', ['List E', 'List D', 'List C', 'List B', 'List A']],
      ['limit', 'orderBy=name&limit=2', ['List A', 'List B']],
      ['start offset', 'orderBy=name&limit=2&start=2', ['List C', 'List D']],
      ['past the end', 'orderBy=name&start=10', []],
      ['name= with alternatives', 'name=List B,List D&orderBy=name', ['List B', 'List D']],
      ['property= condition', 'property=name>=List D&orderBy=name', ['List D', 'List E']],
      ['property!= condition', 'property=name!=List A,List B&orderBy=name', ['List C', 'List D', 'List E']],
    ];
    for (const [label, query, want] of cases) {
      const l = await call('GET', `${CAT}/dataSets?description=listing&properties=name&${query}`);
      assert.equal(l.status, 200, `${label}: ${l.body}`);
      assert.deepEqual(Object.values(l.json).map((v: any) => v.name), want, label);
    }
    const all = await call('GET', `${CAT}/dataSets?limit=100`);
    assert.ok(Object.keys(all.json).length >= 5);
    const page1 = Object.keys((await call('GET', `${CAT}/dataSets?limit=3`)).json);
    const page2 = Object.keys((await call('GET', `${CAT}/dataSets?limit=3&start=3`)).json);
    assert.equal(page1.length, 3);
    assert.ok(page2.every((id) => !page1.includes(id)), 'pages do not overlap');
  });

  it('PATCH (application/json-patch+json) enables Profile and Identity on v1 and v2 paths', async () => {
    const id = idOf(await call('POST', `${CAT}/dataSets`, { name: 'Profiles', schemaRef: { id: UNION, contentType: CT } }));
    const cases: Array<[string, unknown[], (d: any) => void]> = [
      [
        `${CAT}/dataSets/${id}`,
        [
          { op: 'add', path: '/tags/unifiedProfile', value: ['enabled:true'] },
          { op: 'add', path: '/tags/unifiedIdentity', value: ['enabled:true'] },
        ],
        (d) => {
          assert.deepEqual(d.tags.unifiedProfile, ['enabled:true']);
          assert.deepEqual(d.tags.unifiedIdentity, ['enabled:true']);
        },
      ],
      [`${CAT}/v2/dataSets/${id}`, [{ op: 'replace', path: '/description', value: 'v2' }], (d) => assert.equal(d.description, 'v2')],
      [`${CAT}/datasets/${id}`, [{ op: 'remove', path: '/tags/unifiedIdentity' }], (d) => assert.ok(!('unifiedIdentity' in d.tags))],
      [`${CAT}/dataSets/${id}`, [{ op: 'replace', path: '/name', value: 'Profiles Renamed' }], (d) => {
        assert.equal(d.name, 'Profiles Renamed');
        assert.deepEqual(d.tags['adobe/pqs/table'], ['profiles'], 'the table name is kept');
      }],
    ];
    for (const [url, ops, check] of cases) {
      const r = await call('PATCH', url, JSON.stringify(ops), { 'content-type': 'application/json-patch+json' });
      assert.equal(r.status, 200, `${url}: ${r.body}`);
      assert.deepEqual(r.json, [`@/dataSets/${id}`]);
      check(await getDs(id));
    }
  });

  it('PUT replaces name, description and tags; DELETE removes the dataset', async () => {
    const id = await createDs('Put Me');
    const r = await call('PUT', `${CAT}/dataSets/${id}`, { name: 'Put Done', description: 'after', tags: { team: ['web'] } });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, [`@/dataSets/${id}`]);
    const d = await getDs(id);
    assert.equal(d.name, 'Put Done');
    assert.equal(d.description, 'after');
    assert.deepEqual(d.tags, { team: ['web'], 'adobe/pqs/table': ['put_me'] });
    const del = await call('DELETE', `${CAT}/dataSets/${id}`);
    assert.equal(del.status, 200);
    assert.deepEqual(del.json, [`@/dataSets/${id}`]);
    assert.equal((await call('GET', `${CAT}/dataSets/${id}`)).status, 404);
  });

  it('batches: keyed views on /batches/{id} and /batch/{id}, list filters, and the dataset tracks the last batch', async () => {
    const ds = await createDs('Batch Target');
    const other = await createDs('Other Target');
    const b1 = await catalog.createBatch(prodId, { datasetId: ds, source: 'batch', inputFormat: { format: 'csv' }, externalId: 'e1' }, 'tester');
    const b2 = await catalog.createBatch(prodId, { datasetId: ds, source: 'streaming', inputFormat: { format: 'json' } }, 'streaming-ingestion');
    const b3 = await catalog.createBatch(prodId, { datasetId: other, source: 'batch' }, 'tester');
    await catalog.updateBatch(prodId, b1.id, { status: 'success', recordCount: 5, failedRecordCount: 1, errors: [{ code: '101', description: 'bad row', rows: ['2'] }], started: 1, completed: 2, size: 99 });
    for (const path of ['batches', 'batch', 'Batches']) {
      const r = await call('GET', `${CAT}/${path}/${b1.id}`);
      assert.equal(r.status, 200, path);
      assert.deepEqual(Object.keys(r.json), [b1.id]);
      const v = r.json[b1.id];
      assert.equal(v.id, b1.id);
      assert.equal(v.imsOrg, k.local.orgId);
      assert.equal(v.status, 'success');
      assert.equal(v.recordCount, 5);
      assert.equal(v.failedRecordCount, 1);
      assert.deepEqual(v.errors, [{ code: '101', description: 'bad row', rows: ['2'] }]);
      assert.deepEqual(v.relatedObjects, [{ type: 'dataSet', id: ds }]);
      assert.deepEqual(v.inputFormat, { format: 'csv' });
      assert.equal(v.externalId, 'e1');
      assert.equal(v.size, 99);
      assert.deepEqual(v.metrics, { inputRecordCount: 6, outputRecordCount: 5 });
      for (const f of ['created', 'updated', 'started', 'completed']) assert.equal(typeof v[f], 'number', f);
      for (const f of ['createdUser', 'updatedUser', 'version']) assert.equal(typeof v[f], 'string', f);
      assert.deepEqual(v.tags, {});
    }
    const cases: Array<[string, string[]]> = [
      [`dataSet=${ds}`, [b1.id, b2.id]],
      [`dataSet=${other}`, [b3.id]],
      [`dataSet=${ds}&status=success`, [b1.id]],
      [`dataSet=${ds}&status=loading`, [b2.id]],
      [`dataSet=${ds}&limit=1`, [b1.id]],
      [`dataSet=${ds}&start=1`, [b2.id]],
      [`dataSet=${ds}&orderBy=desc:id`, [b2.id, b1.id]],
      [`dataSet=${ds}&createdClient=streaming-ingestion`, [b2.id]],
      [`dataSet=${ds},${other}&status=success,loading`, [b1.id, b2.id, b3.id]],
      [`dataSet=${ds}&dataSet=${other}&status=loading&status=success`, [b1.id, b2.id, b3.id]],
      [`dataSet=${ds}&status=failed`, []],
    ];
    for (const [query, want] of cases) {
      const r = await call('GET', `${CAT}/batches?${query}`);
      assert.equal(r.status, 200, `${query}: ${r.body}`);
      assert.deepEqual(Object.keys(r.json), want, query);
    }
    assert.deepEqual(Object.keys((await call('GET', `${CAT}/batches?dataSet=${ds}&properties=status`)).json[b1.id]), ['status']);
    assert.deepEqual(Object.keys((await call('GET', `${CAT}/batches?dataSet=${ds}&properties=status&properties=id`)).json[b1.id]).sort(), ['id', 'status'], 'repeated properties=');
    let d = await getDs(ds);
    assert.equal(d.lastBatchId, b2.id, 'the newest batch');
    assert.equal(d.lastBatchStatus, 'loading');
    assert.equal(d.lastSuccessfulBatch, b1.id);
    await catalog.updateBatch(prodId, b2.id, { status: 'failed' });
    d = await getDs(ds);
    assert.equal(d.lastBatchStatus, 'failed');
    assert.equal(d.lastFailedBatch, b2.id);
  });

  it('keeps sandboxes apart: a prod dataset is not visible in dev', async () => {
    const id = await createDs('Prod Only');
    const dev = { 'x-sandbox-name': 'dev' };
    assert.equal((await call('GET', `${CAT}/dataSets/${id}`, undefined, dev)).status, 404);
    assert.ok(!(id in (await call('GET', `${CAT}/dataSets?limit=100`, undefined, dev)).json));
    assert.equal((await call('PATCH', `${CAT}/dataSets/${id}`, [{ op: 'replace', path: '/name', value: 'x' }], dev)).status, 404);
    assert.equal((await call('DELETE', `${CAT}/dataSets/${id}`, undefined, dev)).status, 404);
    const devDs = idOf(await call('POST', `${CAT}/dataSets`, { name: 'Prod Only', schemaRef: { id: PLAIN } }, dev));
    assert.deepEqual((await call('GET', `${CAT}/dataSets/${devDs}`, undefined, dev)).json[devDs].tags['adobe/pqs/table'], ['prod_only']);
    assert.equal((await call('GET', `${CAT}/dataSets/${devDs}`)).status, 404);
    const b = await catalog.createBatch(prodId, { datasetId: id, source: 'batch' }, 'tester');
    assert.equal((await call('GET', `${CAT}/batches/${b.id}`, undefined, dev)).status, 404);
    assert.ok(!(b.id in (await call('GET', `${CAT}/batches`, undefined, dev)).json));
    assert.equal(await catalog.getDataset(devId, id), undefined);
  });

  describe('invalid input', () => {
    let ds = '';
    before(async () => {
      ds = await createDs('Invalid Input Target');
    });
    const post = (body: unknown) => () => call('POST', `${CAT}/dataSets`, body);
    const patch = (ops: unknown, id?: string) => () => call('PATCH', `${CAT}/dataSets/${id ?? ds}`, JSON.stringify(ops), { 'content-type': 'application/json-patch+json' });
    const cases: Array<[string, () => Promise<Reply>, number, RegExp]> = [
      ['bad JSON', () => call('POST', `${CAT}/dataSets`, '{"name":', { 'content-type': 'application/json' }), 400, /JSON/],
      ['body is an array', post([{ name: 'x' }]), 400, /JSON object|body must be object/],
      ['missing name', post({ schemaRef: { id: PLAIN } }), 400, /name is required/],
      ['name not a string', post({ name: 5, schemaRef: { id: PLAIN } }), 400, /name is required|body\.name must be string/],
      ['missing schemaRef', post({ name: 'no schema' }), 400, /schemaRef/],
      ['schemaRef without id', post({ name: 'no id', schemaRef: { contentType: CT } }), 400, /schemaRef\.id/],
      ['unknown schema', post({ name: 'unknown', schemaRef: { id: 'https://ns.adobe.com/kith/schemas/nope' } }), 400, /does not exist/],
      ['duplicate name', post({ name: 'invalid input target', schemaRef: { id: PLAIN } }), 409, /already exists/],
      ['profile-enabled without a union schema', post({ name: 'np', schemaRef: { id: PLAIN }, tags: { unifiedProfile: ['enabled:true'] } }), 400, /union/],
      ['tags not string arrays', post({ name: 'bad tags', schemaRef: { id: PLAIN }, tags: { a: [1] } }), 400, /array of strings|body\.tags\.a\[0\] must be string/],
      ['PATCH: profile on a non-union schema', patch([{ op: 'add', path: '/tags/unifiedProfile', value: ['enabled:true'] }]), 400, /union/],
      ['PATCH: bad JSON Patch op', patch([{ op: 'explode', path: '/name' }]), 400, /op/],
      ['PATCH: op without path', patch([{ op: 'add', value: 1 }]), 400, /"op" and "path"|body\[0\] must have required property 'path'/],
      ['PATCH: remove a missing member', patch([{ op: 'remove', path: '/tags/nothing' }]), 400, /./],
      ['PATCH: the system table tag', patch([{ op: 'replace', path: '/tags/adobe~1pqs~1table', value: ['mine'] }]), 400, /managed by the platform/],
      ['PATCH: empty name', patch([{ op: 'replace', path: '/name', value: '' }]), 400, /name/],
      ['PATCH: bad JSON', () => call('PATCH', `${CAT}/dataSets/${ds}`, '[{', { 'content-type': 'application/json-patch+json' }), 400, /JSON/],
      ['PUT: another schemaRef', () => call('PUT', `${CAT}/dataSets/${ds}`, { name: 'x', schemaRef: { id: UNION } }), 400, /cannot be changed/],
      ['unknown dataset (GET)', () => call('GET', `${CAT}/dataSets/ffffffffffffffffffffffff`), 404, /not found/],
      ['unknown dataset (PATCH)', patch([], 'ffffffffffffffffffffffff'), 404, /not found/],
      ['unknown dataset (v2 PATCH)', () => call('PATCH', `${CAT}/v2/dataSets/nope`, []), 404, /not found/],
      ['unknown dataset (PUT)', () => call('PUT', `${CAT}/dataSets/nope`, { name: 'x' }), 404, /not found/],
      ['unknown dataset (DELETE)', () => call('DELETE', `${CAT}/dataSets/nope`), 404, /not found/],
      ['unknown batch (/batches)', () => call('GET', `${CAT}/batches/01ZZZZZZZZZZZZZZZZZZZZZZZZ`), 404, /not found/],
      ['unknown batch (/batch)', () => call('GET', `${CAT}/batch/NOPE`), 404, /not found/],
      ['limit=0', () => call('GET', `${CAT}/dataSets?limit=0`), 400, /limit/],
      ['limit=101', () => call('GET', `${CAT}/dataSets?limit=101`), 400, /limit/],
      ['limit=abc (batches)', () => call('GET', `${CAT}/batches?limit=abc`), 400, /limit/],
      ['start=-1', () => call('GET', `${CAT}/dataSets?start=-1`), 400, /start/],
      ['orderBy garbage', () => call('GET', `${CAT}/dataSets?orderBy=sideways:name`), 400, /orderBy/],
      ['property garbage', () => call('GET', `${CAT}/dataSets?property=name~x`), 400, /property/],
    ];
    for (const [name, request, status, re] of cases)
      it(name, async () => {
        const r = await request();
        assert.equal(r.status, status, r.body);
        assert.equal(r.json?.status, status, `problem body: ${r.body}`);
        assert.equal(typeof r.json?.title, 'string');
        assert.equal(typeof r.json?.type, 'string');
        assert.match(String(r.json?.detail), re);
      });
  });
});
