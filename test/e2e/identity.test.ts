import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

const PROFILE = 'https://ns.adobe.com/xdm/context/profile';
const E1 = '12345678901234567890123456789012345678';
const E2 = '22345678901234567890123456789012345678';

describe('Identity Service, end to end', () => {
  let k: TestKith;
  let p: Platform;
  let schema = '';
  let ds = '';
  let inlet = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const crm = await p.call('POST', '/data/core/idnamespace/identities', { name: 'CRM ID', code: 'CRMID', idType: 'CROSS_DEVICE', description: 'CRM' });
    assert.equal(crm.status, 200, crm.body);
    schema = await p.createSchema('Identity people', PROFILE, ['https://ns.adobe.com/xdm/context/identitymap', 'https://ns.adobe.com/xdm/context/profile-personal-details']);
    await p.addIdentityDescriptor(schema, '/personalEmail/address', 'Email', false);
    ds = await p.createDataset('Identity people', schema, { identity: true });
    inlet = (await p.createInlet('identity')).inletId;
  });
  after(() => k.stop());

  const send = async (entity: Record<string, unknown>) => {
    const r = await p.collect(`/collection/${inlet}`, p.envelope(schema, ds, entity));
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  const members = async (ns: string, id: string) => {
    const r = await p.call('POST', '/data/core/identity/v2/graph', { composite_xids: [{ ns, id }], projection_type: 'set' });
    assert.equal(r.status, 200, r.body);
    return (r.json.graphs[0]?.members ?? []).map((m: { ns: string; id: string }) => `${m.ns}:${m.id}`).sort();
  };

  it('namespaces: standard list with ids, create, get, update, conflicts', async () => {
    const list = await p.call('GET', '/data/core/idnamespace/identities');
    const email = list.json.find((n: { code: string }) => n.code === 'Email');
    assert.deepEqual([email.id, email.idType, email.custom], [6, 'EMAIL', false]);
    assert.equal(list.json.find((n: { code: string }) => n.code === 'ECID').id, 4);
    const crm = list.json.find((n: { code: string }) => n.code === 'CRMID');
    assert.equal(crm.custom, true);
    assert.equal((await p.call('GET', `/data/core/idnamespace/identities/${crm.id}`)).json.code, 'CRMID');
    const upd = await p.call('PUT', `/data/core/idnamespace/identities/${crm.id}`, { name: 'CRM identifier', code: 'CRMID', idType: 'CROSS_DEVICE' });
    assert.equal(upd.json.name, 'CRM identifier');
    const cases: Array<[string, () => Promise<{ status: number; json: any }>, number, string]> = [
      ['duplicate code (case-insensitive)', () => p.call('POST', '/data/core/idnamespace/identities', { name: 'x', code: 'crmid', idType: 'Cookie' }), 409, 'NAMESPACE_CODE_CONFLICT'],
      ['bad idType', () => p.call('POST', '/data/core/idnamespace/identities', { name: 'x', code: 'X1', idType: 'Banana' }), 400, 'INVALID_REQUEST_PARAMS'],
      ['code is immutable', () => p.call('PUT', `/data/core/idnamespace/identities/${crm.id}`, { code: 'OTHER' }), 400, 'INVALID_REQUEST_PARAMS'],
      ['unknown id', () => p.call('GET', '/data/core/idnamespace/identities/999999'), 404, 'NAMESPACE_NOT_FOUND'],
    ];
    for (const [name, call, status, title] of cases) {
      const r = await call();
      assert.equal(r.status, status, name);
      assert.equal(r.json.title, title, name);
    }
  });

  it('links identities from identityMap and descriptors, normalising email case', async () => {
    await send({ personalEmail: { address: 'Jane@X.com' }, identityMap: { ECID: [{ id: E1 }] } });
    await send({ identityMap: { Email: [{ id: ' jane@x.com ' }], CRMID: [{ id: 'jane-1' }] } });
    await k.processor.drain();
    assert.deepEqual(await members('Email', 'JANE@x.com'), ['CRMID:jane-1', 'ECID:' + E1, 'Email:jane@x.com']);
    const xid = await p.call('GET', '/data/core/identity/identity?namespace=email&id=jane@x.com');
    assert.match(xid.json.xid, /^[\w-]{30}$/);
    const byNsid = await p.call('GET', '/data/core/identity/identity?nsid=6&id=Jane@X.com');
    assert.equal(byNsid.json.xid, xid.json.xid);
    const legacy = await p.call('GET', `/data/core/identity/cluster/members?xid=${xid.json.xid}`);
    assert.equal(legacy.json.clusters[0].members.length, 3);
    const post = await p.call('POST', '/data/core/identity/clusters/members', { compositeXidsWithNamespace: [{ namespace: 'CRMID', id: 'jane-1' }] });
    assert.equal(post.json.clusters[0].members.length, 3);
  });

  it('graph projection has vertices and edges with datasets and batches', async () => {
    const r = await p.call('POST', '/data/core/identity/v2/graph', { composite_xids: [{ nsid: 6, id: 'jane@x.com' }], projection_type: 'graph' });
    const g = r.json.graphs[0];
    assert.equal(g.vertices.length, 3);
    assert.ok(g.edges.every((e: { dataset_ids: string[] }) => e.dataset_ids.includes(ds)));
  });

  it('explains why two identities are one person', async () => {
    const r = await p.call('GET', `/data/core/identity/explain?a.ns=ECID&a.id=${E1}&b.ns=CRMID&b.id=jane-1`);
    assert.equal(r.json.sameGraph, true);
    assert.deepEqual(r.json.path.map((x: { from: { namespace: string }; to: { namespace: string } }) => `${x.from.namespace}>${x.to.namespace}`), ['ECID>Email', 'Email>CRMID']);
    assert.ok(r.json.path[0].lastRecord);
  });

  it('linking rules via the settings API: a shared device follows the last login', async () => {
    const s = await p.call('PUT', '/data/core/identity/settings', { uniqueNamespaces: ['CRMID'] });
    assert.equal(s.status, 200, s.body);
    await send({ identityMap: { CRMID: [{ id: 'john-1' }], ECID: [{ id: E1 }] }, extSourceSystemAudit: { lastUpdatedDate: '2030-01-01T00:00:00Z' } });
    await k.processor.drain();
    assert.deepEqual(await members('CRMID', 'john-1'), ['CRMID:john-1', 'ECID:' + E1]);
    assert.deepEqual(await members('CRMID', 'jane-1'), ['CRMID:jane-1', 'Email:jane@x.com']);
    const h = await p.call('GET', `/data/core/identity/history?namespace=ECID&id=${E1}`);
    assert.ok(h.json.history.some((x: { op: string; rule?: string }) => x.op === 'cut' && x.rule === 'uniqueNamespace:crmid'));
  });

  it('simulates links against settings without touching the graph', async () => {
    const r = await p.call('POST', '/data/core/identity/simulate', {
      rules: { uniqueNamespaces: ['CRMID'] },
      links: [
        { identities: [{ namespace: 'CRMID', id: 'a' }, { namespace: 'ECID', id: E2 }], timestamp: 1 },
        { identities: [{ namespace: 'CRMID', id: 'b' }, { namespace: 'ECID', id: E2 }], timestamp: 2 },
      ],
    });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.graphs.length, 2);
    assert.equal((await p.call('GET', `/data/core/identity/identity?namespace=CRMID&id=a`)).status, 200);
    assert.deepEqual(await members('CRMID', 'a'), [], 'nothing was stored');
  });

  it('unlink by batch restores the graphs that existed without that batch', async () => {
    await p.call('PUT', '/data/core/identity/settings', { uniqueNamespaces: [] });
    const before = await members('CRMID', 'jane-1');
    const c = await p.call('POST', '/data/foundation/import/batches', { datasetId: ds });
    const lines = [JSON.stringify({ identityMap: { CRMID: [{ id: 'jane-1' }], Phone: [{ id: '+1 (415) 555-0100' }] } }), JSON.stringify({ identityMap: { Phone: [{ id: '+14155550100' }], CRMID: [{ id: 'zed-9' }] } })];
    await p.call('PUT', `/data/foundation/import/batches/${c.json.id}/datasets/${ds}/files/links.json`, Buffer.from(lines.join('\n')), { 'content-type': 'application/octet-stream' });
    await p.call('POST', `/data/foundation/import/batches/${c.json.id}?action=COMPLETE`);
    await k.processor.drain();
    const merged = await members('CRMID', 'jane-1');
    assert.ok(merged.includes('CRMID:zed-9') && merged.includes('Phone:+14155550100'), merged.join());
    const u = await p.call('POST', '/data/core/identity/unlink', { batchId: c.json.id });
    assert.equal(u.status, 200, u.body);
    assert.equal(u.json.removedObservations, 2);
    assert.deepEqual(await members('CRMID', 'jane-1'), before);
  });

  it('a link removed by hand stays removed', async () => {
    const r = await p.call('POST', '/data/core/identity/unlink', { a: { namespace: 'Email', id: 'jane@x.com' }, b: { namespace: 'CRMID', id: 'jane-1' } });
    assert.equal(r.status, 200, r.body);
    await send({ identityMap: { Email: [{ id: 'jane@x.com' }], CRMID: [{ id: 'jane-1' }] } });
    await k.processor.drain();
    assert.ok(!(await members('CRMID', 'jane-1')).includes('Email:jane@x.com'));
  });

  describe('invalid input', () => {
    const cases: Array<[string, () => Promise<{ status: number; json: any }>, number]> = [
      ['xid without namespace', () => p.call('GET', '/data/core/identity/identity?id=x'), 400],
      ['xid without id', () => p.call('GET', '/data/core/identity/identity?namespace=Email'), 400],
      ['xid with unknown namespace', () => p.call('GET', '/data/core/identity/identity?namespace=Nope&id=x'), 400],
      ['graph with a bad projection', () => p.call('POST', '/data/core/identity/v2/graph', { xids: ['x'], projection_type: 'tree' }), 400],
      ['graph without ids', () => p.call('POST', '/data/core/identity/v2/graph', {}), 400],
      ['settings with a bad size limit', () => p.call('PUT', '/data/core/identity/settings', { graphSizeLimit: 1 }), 400],
      ['simulate without links', () => p.call('POST', '/data/core/identity/simulate', {}), 400],
      ['unlink without a target', () => p.call('POST', '/data/core/identity/unlink', {}), 400],
      ['explain without identities', () => p.call('GET', '/data/core/identity/explain'), 400],
    ];
    for (const [name, call, status] of cases) it(name, async () => assert.equal((await call()).status, status));
    it('unknown identities are reported as unprocessed', async () => {
      const r = await p.call('POST', '/data/core/identity/v2/graph', { composite_xids: [{ ns: 'Email', id: 'nobody@x.com' }] });
      assert.deepEqual(r.json.graphs, []);
      assert.equal(r.json.unprocessed_composite_xids.length, 1);
    });
    it('blocked values are never linked', async () => {
      await send({ identityMap: { CRMID: [{ id: 'solo-1' }], Email: [{ id: 'Unknown' }] } });
      await k.processor.drain();
      assert.deepEqual(await members('CRMID', 'solo-1'), ['CRMID:solo-1']);
    });
  });
});
