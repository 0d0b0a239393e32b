import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { Platform } from '../../test/helpers/platform.js';
import { DATA_LAKE_TARGET_SPEC, FLOW_SPEC_MAPPING, FLOW_SPEC_PLAIN, STREAMING_SPEC } from './flow-service.js';

// The test server wires the real FlowService (src/runtime/api.ts); `k.flow` is that instance.
const FS = '/data/foundation/flowservice';
const SPEC = { id: STREAMING_SPEC, version: '1.0' };
const TARGET_SPEC = { id: DATA_LAKE_TARGET_SPEC, version: '1.0' };

type Call = Awaited<ReturnType<Platform['call']>>;

describe('Flow Service: dataflow lifecycle', () => {
  let k: TestKith;
  let p: Platform;
  let schemaId: string;
  let datasetId: string;
  let devId: string;
  const ids: Record<string, string> = {};
  const dev = { 'x-sandbox-name': 'dev' };

  const created = (r: Call) => {
    assert.equal(r.status, 201, r.body);
    assert.match(r.json.etag, /^"[0-9a-f-]+"$/);
    return r.json.id as string;
  };

  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    schemaId = await p.createSchema('Flow target', 'https://ns.adobe.com/xdm/context/profile', ['https://ns.adobe.com/xdm/context/profile-person-details']);
    datasetId = await p.createDataset('Flow target', schemaId);
    const d = await k.sandboxes.create(k.local.orgId, { name: 'dev', type: 'development' }, 't');
    assert.ok(d.ok);
    devId = d.value.id;

    ids.conn = created(await p.call('POST', `${FS}/connections`, { name: 'Raw in', connectionSpec: SPEC, auth: { specName: 'Streaming Connection', params: { dataType: 'raw', authenticationRequired: true, sourceId: 'shop' } } }));
    ids.xdmConn = created(await p.call('POST', `${FS}/connections`, { name: 'XDM in', connectionSpec: SPEC, auth: { params: { dataType: 'xdm', inletId: 'f'.repeat(64) } } }));
    ids.src = created(await p.call('POST', `${FS}/sourceConnections`, { name: 'src', baseConnectionId: ids.conn, connectionSpec: SPEC }));
    ids.tgt = created(
      await p.call('POST', `${FS}/targetConnections`, {
        name: 'tgt',
        data: { schema: { id: schemaId, version: 'application/vnd.adobe.xed-full+json;version=1.0' } },
        params: { dataSetId: datasetId },
        connectionSpec: TARGET_SPEC,
      }),
    );
    const ms = await p.call('POST', '/data/foundation/mappingSets', {
      version: 0,
      xdmSchema: schemaId,
      xdmVersion: '1.0',
      mappings: [
        { destinationXdmPath: 'person.name.firstName', sourceAttribute: 'first', identity: false, version: 0 },
        { sourceType: 'EXPRESSION', source: 'lower(trim(email))', destination: 'personalEmail.address' },
        { sourceType: 'STATIC', source: 'shop', destination: 'personalEmail.type' },
      ],
    });
    assert.equal(ms.status, 201, ms.body);
    ids.ms = ms.json.id;
    ids.flow = created(
      await p.call('POST', `${FS}/flows`, {
        name: 'Raw flow',
        flowSpec: { id: FLOW_SPEC_MAPPING, version: '1.0' },
        sourceConnectionIds: [ids.src],
        targetConnectionIds: [ids.tgt],
        transformations: [{ name: 'Mapping', params: { mappingId: ids.ms, mappingVersion: 0 } }],
      }),
    );
    ids.plainFlow = created(
      await p.call('POST', `${FS}/flows`, { name: 'Plain flow', flowSpec: { id: FLOW_SPEC_PLAIN, version: '1.0' }, sourceConnectionIds: [ids.src], targetConnectionIds: [ids.tgt] }),
    );
  });
  after(() => k.stop());

  it('GET connection has exactly the §1.2 shape', async () => {
    const r = await p.call('GET', `${FS}/connections/${ids.conn}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.items.length, 1);
    const c = r.json.items[0];
    assert.deepEqual(Object.keys(c).sort(), [
      'auth', 'connectionSpec', 'createdAt', 'createdBy', 'createdClient', 'etag', 'id', 'imsOrgId', 'name', 'sandboxId', 'sandboxName', 'state', 'updatedAt', 'updatedBy', 'updatedClient', 'version',
    ]);
    assert.equal(c.id, ids.conn);
    assert.equal(c.imsOrgId, k.local.orgId);
    assert.equal(c.sandboxName, 'prod');
    assert.equal(typeof c.sandboxId, 'string');
    assert.equal(typeof c.createdAt, 'number');
    assert.equal(typeof c.updatedAt, 'number');
    assert.equal(c.version, c.etag);
    assert.deepEqual(c.connectionSpec, SPEC);
    assert.equal(c.auth.specName, 'Streaming Connection');
    const params = c.auth.params;
    assert.deepEqual(Object.keys(params).sort(), ['authenticationRequired', 'dataType', 'inletId', 'inletUrl', 'name', 'sourceId']);
    assert.match(params.inletId, /^[0-9a-f]{64}$/);
    assert.equal(params.inletUrl, `${k.baseUrl}/collection/${params.inletId}`);
    assert.deepEqual([params.dataType, params.authenticationRequired, params.sourceId, params.name], ['raw', true, 'shop', 'Raw in']);
    ids.inlet = params.inletId;
  });

  it('ignores a client-supplied inletId (inlet ids cannot be claimed)', async () => {
    const c = (await p.call('GET', `${FS}/connections/${ids.xdmConn}`)).json.items[0];
    assert.notEqual(c.auth.params.inletId, 'f'.repeat(64));
    assert.equal(await k.flow.resolveInlet('f'.repeat(64)), undefined);
  });

  it('resolveInlet gives the global index row', async () => {
    const i = await k.flow.resolveInlet(ids.inlet!);
    assert.deepEqual(i, {
      inletId: ids.inlet,
      orgId: k.local.orgId,
      sandboxId: (await p.call('GET', `${FS}/connections/${ids.conn}`)).json.items[0].sandboxId,
      dataType: 'raw',
      authenticationRequired: true,
      sourceId: 'shop',
      connectionId: ids.conn,
      name: 'Raw in',
    });
  });

  it('resolveFlow returns the dataset, schema, entities and a working mapping', async () => {
    const sandboxId = (await k.flow.resolveInlet(ids.inlet!))!.sandboxId;
    const f = await k.flow.resolveFlow(sandboxId, ids.flow!);
    assert.ok(f);
    assert.equal(f.flowId, ids.flow);
    assert.equal(f.datasetId, datasetId);
    assert.equal(f.schemaId, schemaId);
    assert.equal(f.inletId, ids.inlet);
    assert.equal(f.flow.id, ids.flow);
    assert.equal(f.sourceConnection?.id, ids.src);
    assert.equal((f.targetConnection.params as { dataSetId: string }).dataSetId, datasetId);
    assert.equal(f.mapping?.id, ids.ms);
    assert.equal(f.mapping?.version, 0);
    assert.deepEqual(f.map?.({ first: 'Ann', email: ' ANN@X.COM ' }), {
      ok: true,
      value: { person: { name: { firstName: 'Ann' } }, personalEmail: { address: 'ann@x.com', type: 'shop' } },
    });
    const plain = await k.flow.resolveFlow(sandboxId, ids.plainFlow!);
    assert.equal(plain?.map, undefined);
    assert.equal(plain?.mapping, undefined);
    assert.equal(await k.flow.resolveFlow(sandboxId, 'nope'), undefined);
  });

  it('flowsForInlet lists the dataflows fed by an inlet', async () => {
    assert.deepEqual((await k.flow.flowsForInlet(ids.inlet!)).map((f) => f.id).sort(), [ids.flow, ids.plainFlow].sort());
    const xdmInlet = (await p.call('GET', `${FS}/connections/${ids.xdmConn}`)).json.items[0].auth.params.inletId;
    assert.deepEqual(await k.flow.flowsForInlet(xdmInlet), []);
    assert.deepEqual(await k.flow.flowsForInlet('0'.repeat(64)), []);
  });

  const kinds: Array<[string, () => string, (e: any) => void]> = [
    ['connections', () => ids.conn!, (e) => assert.equal(e.state, 'enabled')],
    ['sourceConnections', () => ids.src!, (e) => assert.equal(e.baseConnectionId, ids.conn)],
    ['targetConnections', () => ids.tgt!, (e) => assert.equal(e.params.dataSetId, datasetId)],
    ['flows', () => ids.flow!, (e) => assert.deepEqual(e.transformations, [{ name: 'Mapping', params: { mappingId: ids.ms, mappingVersion: 0 } }])],
  ];
  for (const [kind, id, check] of kinds)
    it(`${kind}: list, get, in the items[] shape`, async () => {
      const list = await p.call('GET', `${FS}/${kind}`);
      assert.equal(list.status, 200);
      assert.ok(list.json.items.some((e: { id: string }) => e.id === id()));
      const one = await p.call('GET', `${FS}/${kind}/${id()}`);
      assert.equal(one.status, 200);
      assert.equal(one.json.items[0].id, id());
      assert.equal(one.json.items[0].imsOrgId, k.local.orgId);
      check(one.json.items[0]);
    });

  it('lists filter by property', async () => {
    const eq = await p.call('GET', `${FS}/connections?property=auth.params.inletId==${ids.inlet}`);
    assert.deepEqual(eq.json.items.map((e: { id: string }) => e.id), [ids.conn]);
    const ne = await p.call('GET', `${FS}/connections?property=name!=Raw%20in`);
    assert.ok(!ne.json.items.some((e: { id: string }) => e.id === ids.conn));
    const both = await p.call('GET', `${FS}/flows?property=name==Plain%20flow&property=state==enabled`);
    assert.deepEqual(both.json.items.map((e: { id: string }) => e.id), [ids.plainFlow]);
    const exists = await p.call('GET', `${FS}/flows?property=transformations`);
    assert.deepEqual(exists.json.items.map((e: { id: string }) => e.id), [ids.flow]);
  });

  it('PATCH updates the inlet index (authenticationRequired) and the etag', async () => {
    const etag = (await p.call('GET', `${FS}/connections/${ids.conn}`)).json.items[0].etag;
    const r = await p.call('PATCH', `${FS}/connections/${ids.conn}`, [{ op: 'replace', path: '/auth/params/authenticationRequired', value: false }], { 'if-match': etag });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.id, ids.conn);
    assert.notEqual(r.json.etag, etag);
    assert.equal((await k.flow.resolveInlet(ids.inlet!))?.authenticationRequired, false);
    const again = await p.call('PATCH', `${FS}/connections/${ids.conn}`, [{ op: 'replace', path: '/name', value: 'x' }], { 'if-match': etag });
    assert.equal(again.status, 412);
    assert.deepEqual(again.json, { errorMessage: `Supplied version=[${etag}] does not match the current version on entity=[${r.json.etag}]` });
  });

  it('PATCH a flow: rename, and the patched flow is revalidated', async () => {
    const etag = (await p.call('GET', `${FS}/flows/${ids.plainFlow}`)).json.items[0].etag;
    const bad = await p.call('PATCH', `${FS}/flows/${ids.plainFlow}`, [{ op: 'replace', path: '/targetConnectionIds', value: ['nope'] }], { 'if-match': etag });
    assert.equal(bad.status, 400);
    assert.match(bad.json.detail, /flows\.targetConnectionIds\[0\]: no target connection 'nope' in this sandbox/);
    const good = await p.call('PATCH', `${FS}/flows/${ids.plainFlow}`, [{ op: 'replace', path: '/name', value: 'Renamed' }], { 'if-match': etag });
    assert.equal(good.status, 200, good.body);
    assert.equal((await p.call('GET', `${FS}/flows/${ids.plainFlow}`)).json.items[0].name, 'Renamed');
  });

  it('concurrent PATCHes with the same etag: exactly one wins', async () => {
    const etag = (await p.call('GET', `${FS}/targetConnections/${ids.tgt}`)).json.items[0].etag;
    const rs = await Promise.all(
      [1, 2, 3, 4].map((n) => p.call('PATCH', `${FS}/targetConnections/${ids.tgt}`, [{ op: 'replace', path: '/description', value: `d${n}` }], { 'if-match': etag })),
    );
    assert.deepEqual(rs.map((r) => r.status).sort(), [200, 412, 412, 412]);
  });

  it('mapping sets: §1.3 response, get, list, both paths', async () => {
    const r = await p.call('POST', '/data/foundation/conversion/mappingSets', { mappings: [{ source: 'a', destination: 'b' }] });
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(Object.keys(r.json).sort(), ['createdBy', 'createdDate', 'id', 'modifiedBy', 'modifiedDate', 'version']);
    assert.match(r.json.id, /^[0-9a-f]{32}$/);
    assert.equal(r.json.version, 0);
    assert.equal(typeof r.json.createdDate, 'number');
    const g = await p.call('GET', `/data/foundation/mappingSets/${ids.ms}`);
    assert.equal(g.status, 200);
    assert.equal(g.json.id, ids.ms);
    assert.equal(g.json.xdmSchema, schemaId);
    assert.equal(g.json.mappings.length, 3);
    const l = await p.call('GET', '/data/foundation/conversion/mappingSets');
    assert.deepEqual(l.json.data.map((m: { id: string }) => m.id).sort(), [ids.ms, r.json.id].sort());
  });

  it('legacy inlets live beside Flow Service inlets', async () => {
    const r = await p.call('POST', '/data/core/edge/inlet', { name: 'Legacy', sourceId: 'web', dataType: 'raw', authenticationRequired: true });
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(Object.keys(r.json).sort(), [
      'authenticationRequired', 'createdAt', 'createdBy', 'dataType', 'description', 'imsOrg', 'inletId', 'inletUrl', 'modifiedAt', 'modifiedBy', 'name', 'sourceId', 'validationRequired',
    ]);
    const i = await k.flow.resolveInlet(r.json.inletId);
    assert.deepEqual([i?.dataType, i?.authenticationRequired, i?.sourceId, i?.connectionId], ['raw', true, 'web', undefined]);
    const list = await p.call('GET', '/data/core/edge/inlet');
    assert.ok(Array.isArray(list.json.data));
    assert.equal((await p.call('GET', `/data/core/edge/inlet/${r.json.inletId}`, undefined, dev)).status, 404);
    assert.equal((await p.call('DELETE', `/data/core/edge/inlet/${r.json.inletId}`, undefined, dev)).status, 404);
    assert.ok(await k.flow.resolveInlet(r.json.inletId));
  });

  it('sandbox isolation: nothing from prod is visible in dev', async () => {
    for (const [kind, id] of kinds) {
      assert.deepEqual((await p.call('GET', `${FS}/${kind}`, undefined, dev)).json.items, []);
      assert.equal((await p.call('GET', `${FS}/${kind}/${id()}`, undefined, dev)).status, 404);
      assert.equal((await p.call('DELETE', `${FS}/${kind}/${id()}`, undefined, dev)).status, 404);
    }
    assert.equal((await p.call('GET', `/data/foundation/mappingSets/${ids.ms}`, undefined, dev)).status, 404);
    assert.deepEqual((await p.call('GET', '/data/foundation/mappingSets', undefined, dev)).json.data, []);
    assert.equal(await k.flow.resolveFlow(devId, ids.flow!), undefined);
    const fromDev = await p.call('POST', `${FS}/sourceConnections`, { name: 's', baseConnectionId: ids.conn, connectionSpec: SPEC }, dev);
    assert.equal(fromDev.status, 400);
    const devConn = await p.call('POST', `${FS}/connections`, { name: 'Dev in', connectionSpec: SPEC }, dev);
    const devInlet = (await p.call('GET', `${FS}/connections/${devConn.json.id}`, undefined, dev)).json.items[0];
    assert.equal(devInlet.sandboxName, 'dev');
    assert.equal((await k.flow.resolveInlet(devInlet.auth.params.inletId))?.sandboxId, devId);
    assert.ok(!(await p.call('GET', `${FS}/connections`)).json.items.some((e: { id: string }) => e.id === devConn.json.id));
  });

  it('source-specific params (write keys) are unique across connections', async () => {
    k.flow.registerSpec('test-spec-write-key', (params) => params);
    const body = { name: 'wk', connectionSpec: { id: 'test-spec-write-key', version: '1.0' }, auth: { params: { writeKey: 'wk-1' } } };
    const a = await p.call('POST', `${FS}/connections`, body);
    assert.equal(a.status, 201, a.body);
    const b = await p.call('POST', `${FS}/connections`, body, dev);
    assert.equal(b.status, 409);
    assert.equal((await k.flow.resolveWriteKey('wk-1'))?.connection.id, a.json.id);
    const etag = a.json.etag;
    const change = await p.call('PATCH', `${FS}/connections/${a.json.id}`, [{ op: 'replace', path: '/auth/params/writeKey', value: 'wk-2' }], { 'if-match': etag });
    assert.equal(change.status, 400);
    assert.equal((await p.call('DELETE', `${FS}/connections/${a.json.id}`)).status, 204);
    assert.equal(await k.flow.resolveWriteKey('wk-1'), undefined);
    assert.equal((await p.call('POST', `${FS}/connections`, body, dev)).status, 201);
  });

  it('other connection specs are stored without an inlet', async () => {
    const r = await p.call('POST', `${FS}/connections`, { name: 'S3', connectionSpec: { id: 'ecadc60c-7455-4d87-84dc-2a0e293d997b', version: '1.0' }, auth: { specName: 'Access Key', params: { s3AccessKey: 'k', s3SecretKey: 's' } } });
    assert.equal(r.status, 201, r.body);
    const c = (await p.call('GET', `${FS}/connections/${r.json.id}`)).json.items[0];
    assert.equal(c.auth.params.inletId, undefined);
    assert.equal(c.auth.params.s3SecretKey, '***');
  });

  it('DELETE: the flow stops resolving, then the inlet', async () => {
    const sandboxId = (await k.flow.resolveInlet(ids.inlet!))!.sandboxId;
    assert.equal((await p.call('DELETE', `${FS}/flows/${ids.flow}`)).status, 204);
    assert.equal(await k.flow.resolveFlow(sandboxId, ids.flow!), undefined);
    assert.equal((await p.call('GET', `${FS}/flows/${ids.flow}`)).status, 404);
    assert.equal((await p.call('DELETE', `${FS}/connections/${ids.conn}`)).status, 204);
    assert.equal(await k.flow.resolveInlet(ids.inlet!), undefined);
    assert.deepEqual(await k.flow.flowsForInlet(ids.inlet!), []);
    assert.equal((await p.call('DELETE', `${FS}/connections/${ids.conn}`)).status, 404);
  });

  describe('invalid input', () => {
    const etagOf = async (kind: string, id: string) => (await p.call('GET', `${FS}/${kind}/${id}`)).json.items[0].etag as string;
    const patch = async (kind: string, id: () => string, ops: unknown) =>
      p.call('PATCH', `${FS}/${kind}/${id()}`, ops as object, { 'if-match': await etagOf(kind, id()) });
    const flowBody = (over: Record<string, unknown>) => ({ name: 'f', flowSpec: { id: FLOW_SPEC_PLAIN }, sourceConnectionIds: [ids.src], targetConnectionIds: [ids.tgt], ...over });
    const cases: Array<[string, () => Promise<Call>, number, RegExp]> = [
      ['connection: unknown spec id type', () => p.call('POST', `${FS}/connections`, { name: 'x', connectionSpec: { id: 5 } }), 400, /connectionSpec\.id/],
      ['connection: body is an array', () => p.call('POST', `${FS}/connections`, []), 400, /JSON object|body must be object/],
      ['connection: blank name', () => p.call('POST', `${FS}/connections`, { name: ' ', connectionSpec: SPEC }), 400, /name is required/],
      ['connection: dataType json', () => p.call('POST', `${FS}/connections`, { name: 'x', connectionSpec: SPEC, auth: { params: { dataType: 'json' } } }), 400, /auth\.params\.dataType must be one of "xdm", "raw", got "json"/],
      ['connection: authenticationRequired "yes"', () => p.call('POST', `${FS}/connections`, { name: 'x', connectionSpec: SPEC, auth: { params: { authenticationRequired: 'yes' } } }), 400, /authenticationRequired must be a boolean|body\.auth\.params\.authenticationRequired must be boolean/],
      ['connection: auth.params not an object', () => p.call('POST', `${FS}/connections`, { name: 'x', connectionSpec: SPEC, auth: { params: 'x' } }), 400, /auth\.params must be an object|body\.auth\.params must be object/],
      ['connection: PATCH without If-Match', () => p.call('PATCH', `${FS}/connections/${ids.xdmConn}`, [{ op: 'replace', path: '/name', value: 'n' }]), 400, /If-Match/],
      ['connection: PATCH to a bad dataType', () => patch('connections', () => ids.xdmConn!, [{ op: 'replace', path: '/auth/params/dataType', value: 'csv' }]), 400, /dataType/],
      ['connection: PATCH the inletId', () => patch('connections', () => ids.xdmConn!, [{ op: 'replace', path: '/auth/params/inletId', value: '0'.repeat(64) }]), 400, /inletId cannot be changed/],
      ['connection: PATCH the spec', () => patch('connections', () => ids.xdmConn!, [{ op: 'replace', path: '/connectionSpec/id', value: 'x' }]), 400, /connectionSpec cannot be changed/],
      ['connection: PATCH removes the name', () => patch('connections', () => ids.xdmConn!, [{ op: 'remove', path: '/name' }]), 400, /name is required/],
      ['connection: PATCH a missing path', () => patch('connections', () => ids.xdmConn!, [{ op: 'remove', path: '/nope/deeper' }]), 400, /./],
      ['connection: PATCH an unknown op', () => patch('connections', () => ids.xdmConn!, [{ op: 'explode', path: '/name' }]), 400, /./],
      ['connection: PATCH body is a number', () => patch('connections', () => ids.xdmConn!, 5), 400, /JSON Patch|body must be array/],
      ['connection: PATCH an unknown id', () => p.call('PATCH', `${FS}/connections/nope`, [], { 'if-match': '"x"' }), 404, /No connections nope/],
      ['source: streaming without baseConnectionId', () => p.call('POST', `${FS}/sourceConnections`, { name: 's', connectionSpec: SPEC }), 400, /baseConnectionId is required/],
      ['source: baseConnectionId not a string', () => p.call('POST', `${FS}/sourceConnections`, { name: 's', baseConnectionId: 7 }), 400, /baseConnectionId must be a string|body\.baseConnectionId must be string/],
      ['source: missing name', () => p.call('POST', `${FS}/sourceConnections`, { baseConnectionId: ids.xdmConn }), 400, /name is required/],
      ['target: dataSetId missing', () => p.call('POST', `${FS}/targetConnections`, { name: 't', connectionSpec: TARGET_SPEC }), 400, /dataSetId is required/],
      ['target: schema id not a string', () => p.call('POST', `${FS}/targetConnections`, { name: 't', connectionSpec: TARGET_SPEC, params: { dataSetId: 'd' }, data: { schema: { id: 1 } } }), 400, /data\.schema\.id/],
      ['flow: lower-case "mapping" transformation', () => p.call('POST', `${FS}/flows`, flowBody({ flowSpec: { id: FLOW_SPEC_MAPPING }, transformations: [{ name: 'mapping', params: { mappingId: ids.ms } }] })), 400, /exactly "Mapping", got "mapping"/],
      ['flow: unknown mapping set', () => p.call('POST', `${FS}/flows`, flowBody({ flowSpec: { id: FLOW_SPEC_MAPPING }, transformations: [{ name: 'Mapping', params: { mappingId: 'nope', mappingVersion: 0 } }] })), 400, /^flows\.transformations\[0\]\.params\.mappingId: no mapping set 'nope' in this sandbox$/],
      ['flow: connections of another sandbox', () => p.call('POST', `${FS}/flows`, flowBody({ flowSpec: { id: FLOW_SPEC_MAPPING }, transformations: [{ name: 'Mapping', params: { mappingId: ids.ms } }] }), dev), 400, /^flows\.sourceConnectionIds\[0\]: no source connection '[0-9a-f-]+' in this sandbox$/],
      ['flow: bad mappingVersion', () => p.call('POST', `${FS}/flows`, flowBody({ flowSpec: { id: FLOW_SPEC_MAPPING }, transformations: [{ name: 'Mapping', params: { mappingId: ids.ms, mappingVersion: 'x' } }] })), 400, /mappingVersion/],
      ['flow: transformations not an array', () => p.call('POST', `${FS}/flows`, flowBody({ transformations: {} })), 400, /transformations must be an array|body\.transformations must be array/],
      ['flow: mapping spec without transformations', () => p.call('POST', `${FS}/flows`, flowBody({ flowSpec: { id: FLOW_SPEC_MAPPING } })), 400, /needs a Mapping transformation/],
      ['flow: plain spec with a Mapping', () => p.call('POST', `${FS}/flows`, flowBody({ transformations: [{ name: 'Mapping', params: { mappingId: ids.ms } }] })), 400, /has no transformations/],
      ['flow: unknown source connection', () => p.call('POST', `${FS}/flows`, flowBody({ sourceConnectionIds: ['nope'] })), 400, /^flows\.sourceConnectionIds\[0\]: no source connection 'nope' in this sandbox$/],
      ['flow: unknown target connection', () => p.call('POST', `${FS}/flows`, flowBody({ targetConnectionIds: ['nope'] })), 400, /^flows\.targetConnectionIds\[0\]: no target connection 'nope' in this sandbox$/],
      ['flow: empty sourceConnectionIds', () => p.call('POST', `${FS}/flows`, flowBody({ sourceConnectionIds: [] })), 400, /non-empty array/],
      ['flow: bad JSON', () => p.call('POST', `${FS}/flows`, '{"name":', { 'content-type': 'application/json' }), 400, /./],
      ['mapping set: no mappings', () => p.call('POST', '/data/foundation/mappingSets', { xdmSchema: 'x' }), 400, /mappings must be a non-empty array/],
      ['mapping set: names the bad mapping', () => p.call('POST', '/data/foundation/mappingSets', { mappings: [{ source: 'a', destination: 'a' }, { sourceType: 'EXPRESSION', source: 'lower(', destination: 'person.x' }] }), 400, /Invalid mapping set: mappings\[1\] \(destination "person\.x"\)/],
      ['mapping set: unknown function', () => p.call('POST', '/data/foundation/mappingSets', { mappings: [{ sourceType: 'EXPRESSION', source: 'sha256(a)', destination: 'x' }] }), 400, /unknown function "sha256" at position 0/],
      ['mapping set: prototype destination', () => p.call('POST', '/data/foundation/mappingSets', { mappings: [{ source: 'a', destination: '__proto__.x' }] }), 400, /invalid destination/],
      ['mapping set: xdmSchema not a string', () => p.call('POST', '/data/foundation/mappingSets', { xdmSchema: 1, mappings: [{ source: 'a', destination: 'b' }] }), 400, /xdmSchema/],
      ['mapping set: unknown id', () => p.call('GET', '/data/foundation/mappingSets/nope'), 404, /not found/],
      ['legacy inlet: bad dataType', () => p.call('POST', '/data/core/edge/inlet', { name: 'x', dataType: 'csv' }), 400, /dataType must be "xdm" or "raw"/],
      ['legacy inlet: authenticationRequired "no"', () => p.call('POST', '/data/core/edge/inlet', { name: 'x', authenticationRequired: 'no' }), 400, /authenticationRequired must be a boolean|body\.authenticationRequired must be boolean/],
      ['legacy inlet: unknown id', () => p.call('GET', `/data/core/edge/inlet/${'0'.repeat(64)}`), 404, /not found/],
      ['legacy inlet: DELETE unknown id', () => p.call('DELETE', `/data/core/edge/inlet/${'0'.repeat(64)}`), 404, /not found/i],
      ['no token', () => p.call('GET', `${FS}/connections`, undefined, { authorization: '' }), 403, /403010|Oauth token is missing/],
      ['no sandbox header', () => p.call('GET', `${FS}/connections`, undefined, { 'x-sandbox-name': '' }), 400, /./],
    ];
    for (const kind of ['connections', 'sourceConnections', 'targetConnections', 'flows']) {
      cases.push([`${kind}: GET unknown id`, () => p.call('GET', `${FS}/${kind}/nope`), 404, new RegExp(`No ${kind} nope`)]);
      cases.push([`${kind}: DELETE unknown id`, () => p.call('DELETE', `${FS}/${kind}/nope`), 404, /Not found/]);
    }
    for (const [name, call, status, re] of cases)
      it(name, async () => {
        const r = await call();
        assert.equal(r.status, status, r.body);
        assert.match(typeof r.json?.detail === 'string' ? r.json.detail : r.body, re);
      });
  });
});
