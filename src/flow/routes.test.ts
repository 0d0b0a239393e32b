import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { Platform } from '../../test/helpers/platform.js';

const FS = '/data/foundation/flowservice';
const SPEC = { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' };

describe('Flow Service API', () => {
  let k: TestKith;
  let p: Platform;
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
  });
  after(() => k.stop());

  it('creates a streaming connection and shows its inlet in the items[] shape', async () => {
    const c = await p.call('POST', `${FS}/connections`, {
      name: 'Web',
      providerId: '521eee4d-8cbe-4906-bb48-fb6bd4450033',
      connectionSpec: SPEC,
      auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } },
    });
    assert.equal(c.status, 201);
    assert.match(c.json.etag, /^".*"$/);
    const g = await p.call('GET', `${FS}/connections/${c.json.id}`);
    const it0 = g.json.items[0];
    assert.equal(it0.state, 'enabled');
    assert.equal(it0.sandboxName, 'prod');
    assert.equal(typeof it0.createdAt, 'number');
    assert.equal(it0.auth.params.sourceId, 'Web');
    assert.equal(it0.auth.params.authenticationRequired, false);
    assert.equal(it0.auth.params.inletUrl, `${k.baseUrl}/collection/${it0.auth.params.inletId}`);
    assert.ok((await k.flow.resolveInlet(it0.auth.params.inletId))?.orgId === k.local.orgId);
    const list = await p.call('GET', `${FS}/connections`);
    assert.ok(list.json.items.some((x: { id: string }) => x.id === c.json.id));
  });

  it('PATCH needs the current etag (If-Match), DELETE stops the inlet', async () => {
    const c = await p.call('POST', `${FS}/connections`, { name: 'Patchable', connectionSpec: SPEC, auth: { params: {} } });
    const stale = await p.call('PATCH', `${FS}/connections/${c.json.id}`, [{ op: 'replace', path: '/name', value: 'N' }], { 'if-match': '"stale"' });
    assert.equal(stale.status, 412);
    assert.match(stale.json.errorMessage, /^Supplied version=\["stale"\] does not match the current version on entity=/);
    const good = await p.call('PATCH', `${FS}/connections/${c.json.id}`, [{ op: 'replace', path: '/name', value: 'N' }], { 'if-match': c.json.etag });
    assert.equal(good.status, 200, good.body);
    assert.notEqual(good.json.etag, c.json.etag);
    const inlet = (await p.call('GET', `${FS}/connections/${c.json.id}`)).json.items[0].auth.params.inletId;
    assert.equal((await p.call('DELETE', `${FS}/connections/${c.json.id}`)).status, 204);
    assert.equal(await k.flow.resolveInlet(inlet), undefined);
    assert.equal((await p.call('GET', `${FS}/connections/${c.json.id}`)).status, 404);
  });

  it('legacy inlets: create, list, get, delete', async () => {
    const r = await p.call('POST', '/data/core/edge/inlet', { name: 'My Data Inlet', description: 'd', sourceId: 'website', dataType: 'xdm', authenticationRequired: false });
    assert.equal(r.status, 201);
    assert.match(r.json.inletId, /^[0-9a-f]{64}$/);
    assert.equal(r.json.inletUrl, `${k.baseUrl}/collection/${r.json.inletId}`);
    assert.equal(r.json.validationRequired, true);
    assert.match(r.json.createdAt, /^\d{4}-\d\d-\d\dT/);
    assert.ok((await p.call('GET', '/data/core/edge/inlet')).json.data.some((x: { inletId: string }) => x.inletId === r.json.inletId));
    assert.equal((await p.call('GET', `/data/core/edge/inlet/${r.json.inletId}`)).json.sourceId, 'website');
    assert.ok(await k.flow.resolveInlet(r.json.inletId));
    assert.equal((await p.call('DELETE', `/data/core/edge/inlet/${r.json.inletId}`)).status, 204);
    assert.equal(await k.flow.resolveInlet(r.json.inletId), undefined);
  });

  it('connections are per sandbox', async () => {
    await k.sandboxes.create(k.local.orgId, { name: 'dev', type: 'development' }, 't');
    const l = await p.call('GET', `${FS}/connections`, undefined, { 'x-sandbox-name': 'dev' });
    assert.deepEqual(l.json.items, []);
  });

  describe('invalid input', () => {
    const cases: Array<[string, () => Promise<{ status: number; json: any; body: string }>, number, RegExp]> = [
      ['missing name', () => p.call('POST', `${FS}/connections`, { connectionSpec: SPEC }), 400, /name is required/],
      ['missing connectionSpec', () => p.call('POST', `${FS}/connections`, { name: 'x' }), 400, /connectionSpec/],
      ['bad dataType', () => p.call('POST', `${FS}/connections`, { name: 'x', connectionSpec: SPEC, auth: { params: { dataType: 'csv' } } }), 400, /dataType/],
      ['bad JSON', () => p.call('POST', `${FS}/connections`, '{', { 'content-type': 'application/json' }), 400, /Malformed/],
      ['unknown connection', () => p.call('GET', `${FS}/connections/nope`), 404, /No connections/],
      ['PATCH without If-Match', () => p.call('PATCH', `${FS}/connections/nope`, []), 404, /No connections/],
      ['source connection of a missing base', () => p.call('POST', `${FS}/sourceConnections`, { name: 's', baseConnectionId: 'nope' }), 400, /sourceConnections\.baseConnectionId: no base connection 'nope' in this sandbox/],
      ['target connection without dataSetId', () => p.call('POST', `${FS}/targetConnections`, { name: 't', connectionSpec: { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c' }, params: {} }), 400, /dataSetId/],
      ['flow without flowSpec', () => p.call('POST', `${FS}/flows`, { name: 'f' }), 400, /flowSpec/],
      ['flow with missing connections', () => p.call('POST', `${FS}/flows`, { name: 'f', flowSpec: { id: 'x' }, sourceConnectionIds: ['a'], targetConnectionIds: ['b'] }), 400, /flows\.sourceConnectionIds\[0\]: no source connection 'a' in this sandbox/],
      ['mapping set that does not compile', () => p.call('POST', '/data/foundation/mappingSets', { mappings: [{ sourceType: 'EXPRESSION', source: 'boom(', destination: 'x' }] }), 400, /Invalid mapping set/],
      ['legacy inlet without name', () => p.call('POST', '/data/core/edge/inlet', { dataType: 'xdm' }), 400, /name is required/],
    ];
    for (const [name, call, status, re] of cases)
      it(name, async () => {
        const r = await call();
        assert.equal(r.status, status, r.body);
        assert.match(typeof r.json?.detail === 'string' ? r.json.detail : r.body, re);
      });

    it('a flow whose transformation is not named Mapping', async () => {
      const base = await p.call('POST', `${FS}/connections`, { name: 'raw', connectionSpec: SPEC, auth: { params: { dataType: 'raw' } } });
      const src = await p.call('POST', `${FS}/sourceConnections`, { name: 's', baseConnectionId: base.json.id, connectionSpec: SPEC });
      const schema = await p.createSchema('Raw target', 'https://ns.adobe.com/xdm/context/profile', []);
      const ds = await p.createDataset('Raw target', schema);
      const tgt = await p.call('POST', `${FS}/targetConnections`, { name: 't', params: { dataSetId: ds }, connectionSpec: { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c' } });
      const ms = await p.call('POST', '/data/foundation/mappingSets', { mappings: [{ source: 'a', destination: 'personID' }] });
      const bad = await p.call('POST', `${FS}/flows`, {
        name: 'f',
        flowSpec: { id: 'c1a19761-d2c7-4702-b9fa-fe91f0613e81' },
        sourceConnectionIds: [src.json.id],
        targetConnectionIds: [tgt.json.id],
        transformations: [{ name: 'mapping', params: { mappingId: ms.json.id } }],
      });
      assert.equal(bad.status, 400);
      assert.match(bad.json.detail, /exactly "Mapping"/);
      const unknownMs = await p.call('POST', `${FS}/flows`, {
        name: 'f',
        flowSpec: { id: 'c1a19761-d2c7-4702-b9fa-fe91f0613e81' },
        sourceConnectionIds: [src.json.id],
        targetConnectionIds: [tgt.json.id],
        transformations: [{ name: 'Mapping', params: { mappingId: 'nope' } }],
      });
      assert.match(unknownMs.json.detail, /flows\.transformations\[0\]\.params\.mappingId: no mapping set 'nope' in this sandbox/);
    });
  });
});
