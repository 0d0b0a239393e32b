import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { Platform } from '../../test/helpers/platform.js';
import { DATA_LAKE_TARGET_SPEC, FLOW_SPEC_PLAIN, STREAMING_SPEC } from './flow-service.js';

const FS = '/data/foundation/flowservice';
const SPEC = { id: STREAMING_SPEC, version: '1.0' };
const TARGET_SPEC = { id: DATA_LAKE_TARGET_SPEC, version: '1.0' };
const PROFILE = 'https://ns.adobe.com/xdm/context/profile';
const EVENT = 'https://ns.adobe.com/xdm/context/experienceevent';
type Call = Awaited<ReturnType<Platform['call']>>;

/** Every id a Flow Service entity or mapping set names must exist in the caller's sandbox. */
describe('Flow Service references', () => {
  let k: TestKith;
  let p: Platform;
  const dev = { 'x-sandbox-name': 'dev' };
  const ids: Record<string, string> = {};
  const target = (over: Record<string, unknown> = {}, params: Record<string, unknown> = { dataSetId: ids.ds }) => ({ name: 't', connectionSpec: TARGET_SPEC, params, data: { schema: { id: ids.schema } }, ...over });

  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    ids.schema = await p.createSchema('Ref profile', PROFILE, []);
    ids.ds = await p.createDataset('Ref profile', ids.schema);
    ids.eventSchema = await p.createSchema('Ref events', EVENT, []);
    ids.eventDs = await p.createDataset('Ref events', ids.eventSchema);
    assert.ok((await k.sandboxes.create(k.local.orgId, { name: 'dev', type: 'development' }, 't')).ok);
    const devSchema = await p.call('POST', '/data/foundation/schemaregistry/tenant/schemas', { title: 'Dev profile', allOf: [{ $ref: PROFILE }] }, dev);
    assert.equal(devSchema.status, 201, devSchema.body);
    ids.devSchema = devSchema.json.$id;
    const devDs = await p.call('POST', '/data/foundation/catalog/dataSets', { name: 'Dev profile', schemaRef: { id: ids.devSchema, contentType: 'application/vnd.adobe.xed-full+json;version=1' } }, dev);
    assert.equal(devDs.status, 201, devDs.body);
    ids.devDs = String(devDs.json[0]).replace(/^@\/dataSets\//, '');
    ids.base = (await p.call('POST', `${FS}/connections`, { name: 'in', connectionSpec: SPEC, auth: { params: { dataType: 'xdm' } } })).json.id;
    ids.src = (await p.call('POST', `${FS}/sourceConnections`, { name: 's', baseConnectionId: ids.base, connectionSpec: SPEC })).json.id;
  });
  after(() => k.stop());

  it('accepts ids of the same sandbox: target by $id or altId, mapping set schema, PATCH to another dataset', async () => {
    const t = await p.call('POST', `${FS}/targetConnections`, target());
    assert.equal(t.status, 201, t.body);
    ids.tgt = t.json.id;
    const altId = (await p.call('GET', `/data/foundation/schemaregistry/tenant/schemas/${encodeURIComponent(ids.schema!)}`)).json['meta:altId'];
    assert.equal((await p.call('POST', `${FS}/targetConnections`, target({ data: { schema: { id: altId } } }))).status, 201);
    assert.equal((await p.call('POST', `${FS}/targetConnections`, target({ data: undefined }, { dataSetId: ids.eventDs }))).status, 201, 'no schema named: any dataset');
    const ms = await p.call('POST', '/data/foundation/mappingSets', { xdmSchema: ids.schema, outputSchema: { schemaRef: { id: ids.schema } }, mappings: [{ source: 'a', destination: 'person.name.firstName' }] });
    assert.equal(ms.status, 201, ms.body);
    const etag = (await p.call('GET', `${FS}/targetConnections/${ids.tgt}`)).json.items[0].etag;
    const moved = await p.call('PATCH', `${FS}/targetConnections/${ids.tgt}`, [{ op: 'remove', path: '/data' }, { op: 'replace', path: '/params/dataSetId', value: ids.eventDs }], { 'if-match': etag });
    assert.equal(moved.status, 200, moved.body);
    const f = await p.call('POST', `${FS}/flows`, { name: 'f', flowSpec: { id: FLOW_SPEC_PLAIN }, sourceConnectionIds: [ids.src], targetConnectionIds: [ids.tgt] });
    assert.equal(f.status, 201, f.body);
  });

  describe('invalid input', () => {
    const flow = (over: Record<string, unknown>) => ({ name: 'f', flowSpec: { id: FLOW_SPEC_PLAIN }, sourceConnectionIds: [ids.src], targetConnectionIds: [ids.tgt], ...over });
    const patchTarget = async (ops: unknown[]) => {
      const etag = (await p.call('GET', `${FS}/targetConnections/${ids.tgt}`)).json.items[0].etag;
      return p.call('PATCH', `${FS}/targetConnections/${ids.tgt}`, ops, { 'if-match': etag });
    };
    const cases: Array<[string, () => Promise<Call>, RegExp]> = [
      ['target: dataset that exists nowhere', () => p.call('POST', `${FS}/targetConnections`, target({}, { dataSetId: 'nope' })), /^targetConnections\.params\.dataSetId: no dataset 'nope' in this sandbox$/],
      ['target: dataset of another sandbox', () => p.call('POST', `${FS}/targetConnections`, target({ data: undefined }, { dataSetId: ids.devDs })), /^targetConnections\.params\.dataSetId: no dataset '[0-9a-f]+' in this sandbox$/],
      ['target: this sandbox\'s dataset from dev', () => p.call('POST', `${FS}/targetConnections`, target({ data: undefined }), dev), /^targetConnections\.params\.dataSetId: no dataset '[0-9a-f]+' in this sandbox$/],
      ['target: schema that exists nowhere', () => p.call('POST', `${FS}/targetConnections`, target({ data: { schema: { id: 'https://ns.adobe.com/x/schemas/nope' } } })), /^targetConnections\.data\.schema\.id: no schema 'https:\/\/ns\.adobe\.com\/x\/schemas\/nope' in this sandbox$/],
      ['target: schema of another sandbox', () => p.call('POST', `${FS}/targetConnections`, target({ data: { schema: { id: ids.devSchema } } })), /^targetConnections\.data\.schema\.id: no schema '.+' in this sandbox$/],
      ['target: dataset of another schema', () => p.call('POST', `${FS}/targetConnections`, target({}, { dataSetId: ids.eventDs })), /^targetConnections\.params\.dataSetId: dataset '[0-9a-f]+' is of schema '.+', not '.+'$/],
      ['target: PATCH to an unknown dataset', () => patchTarget([{ op: 'replace', path: '/params/dataSetId', value: 'gone' }]), /^targetConnections\.params\.dataSetId: no dataset 'gone' in this sandbox$/],
      ['source: base connection of another sandbox', () => p.call('POST', `${FS}/sourceConnections`, { name: 's', baseConnectionId: ids.base, connectionSpec: SPEC }, dev), /^sourceConnections\.baseConnectionId: no base connection '[0-9a-f-]+' in this sandbox$/],
      ['flow: a source connection id that is not a string', () => p.call('POST', `${FS}/flows`, flow({ sourceConnectionIds: [7] })), /^flows\.sourceConnectionIds\[0\]: must be a source connection id|^body\.sourceConnectionIds\[0\] must be string$/],
      ['flow: the second target connection is unknown', () => p.call('POST', `${FS}/flows`, flow({ targetConnectionIds: [ids.tgt, 'nope'] })), /^flows\.targetConnectionIds\[1\]: no target connection 'nope' in this sandbox$/],
      ['flow: a source connection named as a target', () => p.call('POST', `${FS}/flows`, flow({ targetConnectionIds: [ids.src] })), /^flows\.targetConnectionIds\[0\]: no target connection/],
      ['flow: Mapping without a mappingId', () => p.call('POST', `${FS}/flows`, flow({ flowSpec: { id: 'c1a19761-d2c7-4702-b9fa-fe91f0613e81' }, transformations: [{ name: 'Mapping', params: {} }] })), /^flows\.transformations\[0\]\.params\.mappingId: must be a mapping set id/],
      ['mapping set: schema that exists nowhere', () => p.call('POST', '/data/foundation/mappingSets', { xdmSchema: 'https://ns.adobe.com/x/schemas/nope', mappings: [{ source: 'a', destination: 'b' }] }), /^mappingSets\.xdmSchema: no schema 'https:\/\/ns\.adobe\.com\/x\/schemas\/nope' in this sandbox$/],
      ['mapping set: outputSchema that exists nowhere', () => p.call('POST', '/data/foundation/mappingSets', { outputSchema: { schemaRef: { id: 'https://ns.adobe.com/x/schemas/gone' } }, mappings: [{ source: 'a', destination: 'b' }] }), /^mappingSets\.outputSchema\.schemaRef\.id: no schema 'https:\/\/ns\.adobe\.com\/x\/schemas\/gone' in this sandbox$/],
      ['mapping set: schema of another sandbox', () => p.call('POST', '/data/foundation/mappingSets', { xdmSchema: ids.schema, mappings: [{ source: 'a', destination: 'b' }] }, dev), /^mappingSets\.xdmSchema: no schema '.+' in this sandbox$/],
    ];
    for (const [name, call, re] of cases)
      it(name, async () => {
        const r = await call();
        assert.equal(r.status, 400, r.body);
        assert.match(r.json.detail, re);
      });
  });
});
