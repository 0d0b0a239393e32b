import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { Platform } from '../../test/helpers/platform.js';
import { tableNameFor } from './catalog-types.js';

const CAT = '/data/foundation/catalog';
const PROFILE = 'https://ns.adobe.com/xdm/context/profile';

describe('Catalog API', () => {
  let k: TestKith;
  let p: Platform;
  let unionSchema = '';
  let plainSchema = '';
  let ds = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    unionSchema = await p.createSchema('U', PROFILE, [], true);
    plainSchema = await p.createSchema('Plain', PROFILE, []);
  });
  after(() => k.stop());

  it('creates a dataset and answers ["@/dataSets/<id>"]', async () => {
    const r = await p.call('POST', `${CAT}/dataSets`, { name: 'Web Events 2026', schemaRef: { id: plainSchema, contentType: 'application/vnd.adobe.xed+json;version=1' } });
    assert.equal(r.status, 201);
    assert.match(r.json[0], /^@\/dataSets\/[0-9a-f]{24}$/);
    ds = r.json[0].slice('@/dataSets/'.length);
  });

  it('reads it back keyed by id, with the table tag', async () => {
    const r = await p.call('GET', `${CAT}/dataSets/${ds}`);
    const d = r.json[ds];
    assert.equal(d.name, 'Web Events 2026');
    assert.equal(d.imsOrg, k.local.orgId);
    assert.deepEqual(d.tags['adobe/pqs/table'], ['web_events_2026']);
    assert.equal(d.files, `@/dataSetFiles?dataSetId=${ds}`);
    for (const f of ['version', 'created', 'updated', 'createdUser', 'updatedUser', 'viewId', 'schemaRef']) assert.ok(f in d, f);
  });

  it('accepts the lowercase /datasets path and properties= filters', async () => {
    const r = await p.call('GET', `${CAT}/datasets?properties=name,tags`);
    assert.deepEqual(Object.keys(r.json[ds]).sort(), ['name', 'tags']);
  });

  it('makes table names unique per sandbox', async () => {
    const r = await p.call('POST', `${CAT}/dataSets`, { name: 'web events 2026!', schemaRef: { id: plainSchema } });
    const id = r.json[0].slice('@/dataSets/'.length);
    assert.deepEqual((await p.getDataset(id)).tags['adobe/pqs/table'], ['web_events_2026_1']);
  });

  it('table names are derived from dataset names', () => {
    const cases: Array<[string, string]> = [
      ['Journey Step Events', 'journey_step_events'],
      ['Sample Dataset', 'sample_dataset'],
      ['2026 Orders', 't_2026_orders'],
      ['***', 'dataset'],
    ];
    for (const [n, t] of cases) assert.equal(tableNameFor(n), t);
  });

  it('enables Profile and Identity with JSON Patch (v1 and v2 paths)', async () => {
    const u = await p.call('POST', `${CAT}/dataSets`, { name: 'Profiles', schemaRef: { id: unionSchema } });
    const id = u.json[0].slice('@/dataSets/'.length);
    const r = await p.call(
      'PATCH',
      `${CAT}/dataSets/${id}`,
      JSON.stringify([
        { op: 'add', path: '/tags/unifiedProfile', value: ['enabled:true'] },
        { op: 'add', path: '/tags/unifiedIdentity', value: ['enabled:true'] },
      ]),
      { 'content-type': 'application/json-patch+json' },
    );
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, [`@/dataSets/${id}`]);
    const d = await p.getDataset(id);
    assert.deepEqual(d.tags.unifiedProfile, ['enabled:true']);
    const v2 = await p.call('PATCH', `${CAT}/v2/dataSets/${id}`, [{ op: 'replace', path: '/description', value: 'd' }]);
    assert.equal(v2.status, 200, v2.body);
  });

  it('PUT replaces name and tags', async () => {
    const r = await p.call('PUT', `${CAT}/dataSets/${ds}`, { name: 'Renamed', tags: { team: ['web'] } });
    assert.equal(r.status, 200, r.body);
    const d = await p.getDataset(ds);
    assert.equal(d.name, 'Renamed');
    assert.deepEqual(d.tags.team, ['web']);
    assert.deepEqual(d.tags['adobe/pqs/table'], ['web_events_2026'], 'table name is kept');
  });

  it('batches: list by dataset, get by /batches and /batch', async () => {
    const b = await k.catalog.createBatch((await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id, { datasetId: ds, source: 'batch' }, 'me');
    const list = await p.call('GET', `${CAT}/batches?dataSet=${ds}`);
    assert.ok(list.json[b.id]);
    assert.equal(list.json[b.id].status, 'loading');
    assert.deepEqual(list.json[b.id].relatedObjects, [{ type: 'dataSet', id: ds }]);
    for (const path of ['batches', 'batch']) assert.equal((await p.call('GET', `${CAT}/${path}/${b.id}`)).json[b.id].id, b.id);
    const d = await p.getDataset(ds);
    assert.equal(d.lastBatchId, b.id);
  });

  it('deletes a dataset', async () => {
    const r = await p.call('POST', `${CAT}/dataSets`, { name: 'Temp', schemaRef: { id: plainSchema } });
    const id = r.json[0].slice('@/dataSets/'.length);
    assert.deepEqual((await p.call('DELETE', `${CAT}/dataSets/${id}`)).json, [`@/dataSets/${id}`]);
    assert.equal((await p.call('GET', `${CAT}/dataSets/${id}`)).status, 404);
  });

  describe('invalid input', () => {
    const cases: Array<[string, () => Promise<{ status: number; json: any; body: string }>, number, RegExp]> = [
      ['bad JSON', () => p.call('POST', `${CAT}/dataSets`, '{x', { 'content-type': 'application/json' }), 400, /Malformed JSON/],
      ['missing name', () => p.call('POST', `${CAT}/dataSets`, { schemaRef: { id: plainSchema } }), 400, /name is required/],
      ['missing schemaRef', () => p.call('POST', `${CAT}/dataSets`, { name: 'x' }), 400, /schemaRef/],
      ['unknown schema', () => p.call('POST', `${CAT}/dataSets`, { name: 'x', schemaRef: { id: 'https://ns.adobe.com/kith/schemas/nope' } }), 400, /does not exist/],
      ['duplicate name', () => p.call('POST', `${CAT}/dataSets`, { name: 'renamed', schemaRef: { id: plainSchema } }), 409, /already exists/],
      [
        'profile-enabled without a union schema',
        () => p.call('POST', `${CAT}/dataSets`, { name: 'np', schemaRef: { id: plainSchema }, tags: { unifiedProfile: ['enabled:true'] } }),
        400,
        /union/,
      ],
      ['enabling profile later on a non-union schema', () => p.call('PATCH', `${CAT}/dataSets/${ds}`, [{ op: 'add', path: '/tags/unifiedProfile', value: ['enabled:true'] }]), 400, /union/],
      ['changing the table tag', () => p.call('PATCH', `${CAT}/dataSets/${ds}`, [{ op: 'replace', path: '/tags/adobe~1pqs~1table', value: ['x'] }]), 400, /managed by the platform/],
      ['bad patch op', () => p.call('PATCH', `${CAT}/dataSets/${ds}`, [{ op: 'explode', path: '/name' }]), 400, /unknown op/],
      ['tags that are not string arrays', () => p.call('PATCH', `${CAT}/dataSets/${ds}`, [{ op: 'add', path: '/tags/x', value: 5 }]), 400, /array of strings/],
      ['unknown dataset', () => p.call('GET', `${CAT}/dataSets/ffffffffffffffffffffffff`), 404, /not found/],
      ['unknown batch', () => p.call('GET', `${CAT}/batches/NOPE`), 404, /not found/],
      ['patch unknown dataset', () => p.call('PATCH', `${CAT}/dataSets/nope`, []), 404, /not found/],
      ['delete unknown dataset', () => p.call('DELETE', `${CAT}/dataSets/nope`), 404, /not found/],
    ];
    for (const [name, call, status, re] of cases)
      it(name, async () => {
        const r = await call();
        assert.equal(r.status, status, r.body);
        assert.match(typeof r.json?.detail === 'string' ? r.json.detail : r.body, re);
      });
  });
});
