import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { registerIdentityRoutes } from './routes.js';
import { openIdentity, localRemote, item, type OpenedIdentity } from './testing.js';
import { xidOf } from './xid.js';

/** The identity routes, mounted under /t on a real server (the server's own reach the processor by RPC). */
const NS = '/t/data/core/idnamespace/identities';
const ID = '/t/data/core/identity';
const E1 = '30000000000000000000000000000000000001';

describe('Identity Service API', () => {
  let k: TestKith;
  let o: OpenedIdentity;
  let sb = '';
  const call = async (method: string, url: string, payload?: unknown) => {
    const r = await k.app.inject({ method: method as 'GET', url, headers: k.headers(), payload: payload as object });
    return { status: r.statusCode, json: r.body ? JSON.parse(r.body) : undefined };
  };

  before(async () => {
    k = await startTestKith(
      {},
      {
        extraRoutes: (app, kith) => {
          o = openIdentity(undefined, kith.resources);
          void app.register(async (sub) => registerIdentityRoutes(sub, localRemote(o.svc)), { prefix: '/t' });
        },
      },
    );
    sb = (await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id;
  });
  after(async () => {
    await k.stop();
    await o.dispose();
  });

  describe('namespaces', () => {
    it('lists the standard namespaces with their AEP ids and types, as a JSON array', async () => {
      const r = await call('GET', NS);
      assert.equal(r.status, 200);
      assert.ok(Array.isArray(r.json));
      const byCode = new Map(r.json.map((n: { code: string }) => [n.code, n]));
      for (const [code, id, idType] of [['Email', 6, 'EMAIL'], ['Phone', 7, 'PHONE'], ['ECID', 4, 'COOKIE'], ['CORE', 0, 'COOKIE'], ['TNTID', 9, 'COOKIE'], ['WAID', 8, 'DEVICE'], ['AdCloud', 411, 'COOKIE'], ['GAID', 20914, 'DEVICE'], ['IDFA', 20915, 'DEVICE']] as const) {
        const n = byCode.get(code) as Record<string, unknown>;
        assert.equal(n.id, id, code);
        assert.equal(n.idType, idType, code);
      }
      assert.deepEqual(Object.keys(byCode.get('ECID') as object).sort(), ['code', 'createTime', 'custom', 'description', 'id', 'idType', 'name', 'status', 'updateTime']);
    });

    it('creates a custom namespace (200), readable by id, and refuses its code again in any case (409)', async () => {
      const r = await call('POST', NS, { name: 'CRM ID', code: 'CRMID', idType: 'Cross_device', description: 'back office' });
      assert.equal(r.status, 200);
      assert.equal(r.json.custom, true);
      assert.equal(r.json.status, 'ACTIVE');
      assert.equal(r.json.idType, 'CROSS_DEVICE');
      assert.equal(typeof r.json.id, 'number');
      assert.deepEqual((await call('GET', `${NS}/${r.json.id}`)).json, r.json);
      const dup = await call('POST', NS, { name: 'again', code: 'crmid', idType: 'Email' });
      assert.equal(dup.status, 409);
      assert.equal(dup.json.title, 'NAMESPACE_CODE_CONFLICT');
      assert.equal(dup.json.report.code, 'INTEGRATION_CODE_EXISTS');
      assert.equal(dup.json.type, 'http://ns.adobe.com/adobecloud/problem/namespacevalidation');
      const std = await call('POST', NS, { name: 'mine', code: 'email', idType: 'Email' });
      assert.equal(std.status, 409);
    });

    it('updates name and description; code and idType are not editable', async () => {
      const c = (await call('POST', NS, { name: 'Loyalty', code: 'Loyalty', idType: 'Email' })).json;
      const u = await call('PUT', `${NS}/${c.id}`, { name: 'Loyalty Member', description: 'members', code: 'Loyalty', idType: 'EMAIL' });
      assert.equal(u.status, 200);
      assert.equal(u.json.name, 'Loyalty Member');
      assert.equal(u.json.description, 'members');
      for (const bad of [{ code: 'Other' }, { idType: 'Phone' }]) {
        const r = await call('PUT', `${NS}/${c.id}`, { name: 'x', ...bad });
        assert.equal(r.status, 400);
        assert.equal(r.json.title, 'INVALID_REQUEST_PARAMS');
      }
    });

    describe('invalid input', () => {
      const cases: Array<[string, string, string, unknown, number, string]> = [
        ['missing idType', 'POST', NS, { name: 'x', code: 'X1' }, 400, 'INVALID_REQUEST_PARAMS'],
        ['unknown idType', 'POST', NS, { name: 'x', code: 'X2', idType: 'Shoe' }, 400, 'INVALID_REQUEST_PARAMS'],
        ['bad code', 'POST', NS, { name: 'x', code: 'has space', idType: 'Email' }, 400, 'INVALID_REQUEST_PARAMS'],
        ['unknown id', 'GET', `${NS}/999999`, undefined, 404, 'NAMESPACE_NOT_FOUND'],
        ['non-numeric id', 'GET', `${NS}/abc`, undefined, 404, 'NAMESPACE_NOT_FOUND'],
        ['update unknown id', 'PUT', `${NS}/999999`, { name: 'x' }, 404, 'NAMESPACE_NOT_FOUND'],
        ['update a standard namespace', 'PUT', `${NS}/6`, { name: 'x' }, 400, 'INVALID_REQUEST_PARAMS'],
      ];
      for (const [name, method, url, body, status, title] of cases)
        it(name, async () => {
          const r = await call(method, url, body);
          assert.equal(r.status, status);
          assert.equal(r.json.title, title);
        });
    });
  });

  describe('graphs', () => {
    before(async () => {
      await o.svc.namespaces.create(sb, { name: 'CRMID', code: 'CRMID', idType: 'CROSS_DEVICE' });
      await o.svc.ingest(sb, [item(1_700_000_000_000, ['Email:Jane@X.com', `ECID:${E1}`], 'batch-web', 'web'), item(1_700_000_001_000, [`ECID:${E1}`, 'CRMID:jane'], 'batch-crm', 'crm')]);
      await o.svc.ingest('another-sandbox', [item(1, ['Email:other@x.com', `ECID:${E1}`])]);
    });

    it('GET identity gives the XID by namespace code (any case) or numeric id, value normalised', async () => {
      const want = { xid: xidOf('Email', 'jane@x.com') };
      assert.deepEqual((await call('GET', `${ID}/identity?namespace=email&id=JANE@x.com`)).json, want);
      assert.deepEqual((await call('GET', `${ID}/identity?nsid=6&id=jane@x.com`)).json, want);
    });

    it('v2/graph set projection: members by composite id or XID; unknown ones unprocessed', async () => {
      const r = await call('POST', `${ID}/v2/graph`, { composite_xids: [{ ns: 'Email', id: 'jane@x.com' }, { nsid: 6, id: 'nobody@x.com' }], xids: [xidOf('CRMID', 'jane')], projection_type: 'set' });
      assert.equal(r.status, 200);
      assert.equal(r.json.version, '2.0');
      assert.equal(r.json.algo_type, 'STITCH_ALL');
      assert.equal(r.json.graphs.length, 2);
      assert.deepEqual(r.json.graphs[0].composite_xid, { ns: 'Email', id: 'jane@x.com' });
      assert.deepEqual(r.json.graphs[0].members.map((m: { ns: string; id: string }) => `${m.ns}:${m.id}`).sort(), ['CRMID:jane', `ECID:${E1}`, 'Email:jane@x.com']);
      assert.equal(r.json.graphs[1].xid, xidOf('CRMID', 'jane'));
      assert.deepEqual(r.json.unprocessed_composite_xids, [{ nsid: 6, id: 'nobody@x.com' }]);
    });

    it('v2/graph graph projection: vertices and edges with first/last established times, datasets and batches', async () => {
      const r = await call('POST', `${ID}/v2/graph`, { composite_xids: [{ nsid: 6, id: 'jane@x.com' }], projection_type: 'graph', require_edge_meta_data: true });
      const g = r.json.graphs[0];
      assert.equal(g.vertices.length, 3);
      assert.ok(g.vertices.every((v: { composite_xid: { nsid: number }; last_updated_ts: number }) => typeof v.composite_xid.nsid === 'number' && v.last_updated_ts > 0));
      const web = g.edges.find((e: { dataset_ids: string[] }) => e.dataset_ids[0] === 'web');
      assert.deepEqual(web, { composite_xid_pair: web.composite_xid_pair, first_established_ts: 1_700_000_000_000, last_established_ts: 1_700_000_000_000, dataset_ids: ['web'], batch_ids: ['batch-web'] });
      assert.deepEqual(web.composite_xid_pair.map((c: { id: string }) => c.id).sort(), [E1, 'jane@x.com']);
    });

    it('legacy cluster members: GET by xid or by namespace and id, POST for many', async () => {
      const byXid = await call('GET', `${ID}/cluster/members?xid=${xidOf('CRMID', 'jane')}`);
      assert.equal(byXid.json.version, '1.1.0');
      assert.equal(byXid.json.clusters[0].xid, xidOf('CRMID', 'jane'));
      assert.equal(byXid.json.clusters[0].members.length, 3);
      const byId = await call('GET', `${ID}/cluster/members?namespace=Email&id=jane@x.com`);
      assert.deepEqual(byId.json.clusters[0].compositeXid, { nsid: 6, id: 'jane@x.com' });
      const many = await call('POST', `${ID}/clusters/members`, { compositeXids: [{ nsid: 4, id: E1 }], compositeXidsWithNamespace: [{ namespace: 'email', id: 'none@x.com' }] });
      assert.equal(many.json.clusters.length, 1);
      assert.deepEqual(many.json.unprocessedRecords, [{ namespace: 'email', id: 'none@x.com' }]);
    });

    it('sandboxes are partitions: the other sandbox\'s link is not visible', async () => {
      const r = await call('POST', `${ID}/v2/graph`, { composite_xids: [{ ns: 'Email', id: 'other@x.com' }] });
      assert.deepEqual(r.json.graphs, []);
    });

    it('explain answers with the chain of links and their sources', async () => {
      const r = await call('GET', `${ID}/explain?a.ns=email&a.id=Jane@X.com&b.ns=CRMID&b.id=jane`);
      assert.equal(r.status, 200);
      assert.equal(r.json.sameGraph, true);
      assert.deepEqual(r.json.path.map((p: { from: { namespace: string }; to: { namespace: string }; datasets: string[]; batches: string[] }) => [p.from.namespace, p.to.namespace, p.datasets[0], p.batches[0]]), [['Email', 'ECID', 'web', 'batch-web'], ['ECID', 'CRMID', 'crm', 'batch-crm']]);
    });

    it('settings: read, change (graphs recomputed), simulate, history, unlink by batch', async () => {
      const s = await call('GET', `${ID}/settings`);
      assert.equal(s.json.graphSizeLimit, 50);
      const put = await call('PUT', `${ID}/settings`, { uniqueNamespaces: ['CRMID'], graphSizeLimit: 20 });
      assert.equal(put.status, 200);
      assert.deepEqual(put.json.uniqueNamespaces, ['CRMID']);
      assert.equal((await call('GET', `${ID}/settings`)).json.graphSizeLimit, 20);

      const sim = await call('POST', `${ID}/simulate`, { links: [{ identities: [{ namespace: 'CRMID', id: 'a' }, { namespace: 'ECID', id: E1 }] }, { identities: [{ namespace: 'CRMID', id: 'b' }, { namespace: 'ECID', id: E1 }] }] });
      assert.equal(sim.status, 200);
      assert.deepEqual(sim.json.graphs.map((g: Array<{ id: string }>) => g.map((m) => m.id).sort()).sort(), [[E1, 'b'], ['a']]);

      await o.svc.ingest(sb, [item(1_700_000_002_000, [`ECID:${E1}`, 'CRMID:john'], 'batch-john', 'crm')]);
      const h = await call('GET', `${ID}/history?namespace=CRMID&id=jane`);
      assert.equal(h.json.xid, xidOf('CRMID', 'jane'));
      assert.ok(h.json.history.some((x: { op: string; rule: string }) => x.op === 'cut' && x.rule === 'uniqueNamespace:crmid'));
      assert.equal((await call('GET', `${ID}/explain?a.ns=Email&a.id=jane@x.com&b.ns=CRMID&b.id=jane`)).json.sameGraph, false);

      const u = await call('POST', `${ID}/unlink`, { batchId: 'batch-john' });
      assert.equal(u.status, 200);
      assert.equal(u.json.removedObservations, 1);
      assert.equal((await call('GET', `${ID}/explain?a.ns=Email&a.id=jane@x.com&b.ns=CRMID&b.id=jane`)).json.sameGraph, true);

      const one = await call('POST', `${ID}/unlink`, { a: { namespace: 'ECID', id: E1 }, b: { namespace: 'CRMID', id: 'jane' } });
      assert.deepEqual(one.json, { removedObservations: 0, removedLinks: 1 });
    });

    describe('invalid input', () => {
      const problem = (detail: string) => ({ status: 400, json: { title: 'InvalidInput', status: 400, detail } });
      const cases: Array<[string, string, string, unknown, { status: number; json: unknown }]> = [
        ['identity without namespace', 'GET', `${ID}/identity?id=x`, undefined, problem('Missing required query parameter - namespace')],
        ['identity without id', 'GET', `${ID}/identity?namespace=Email`, undefined, problem('Missing required query parameter - id')],
        ['identity in an unknown namespace', 'GET', `${ID}/identity?namespace=Nope&id=x`, undefined, problem('Unknown namespace Nope')],
        ['graph with a bad projection', 'POST', `${ID}/v2/graph`, { xids: ['x'], projection_type: 'tree' }, { status: 400, json: { reason: 'INVALID_PROJECTION', message: 'Graph Request Invalid - projection types available are [graph|set].' } }],
        ['graph without ids', 'POST', `${ID}/v2/graph`, {}, problem('Give composite_xids or xids')],
        ['graph with too many ids', 'POST', `${ID}/v2/graph`, { xids: Array.from({ length: 1001 }, (_, i) => `x${i}`) }, problem('At most 1000 identities per call')],
        ['cluster without xid', 'GET', `${ID}/cluster/members`, undefined, problem('Missing required query parameter - xid, or namespace/nsid and id')],
        ['clusters without ids', 'POST', `${ID}/clusters/members`, {}, problem('Give xids, compositeXids or compositeXidsWithNamespace')],
        ['settings out of range', 'PUT', `${ID}/settings`, { graphSizeLimit: 1 }, problem('graphSizeLimit must be an integer from 2 to 1000')],
        ['simulate without links', 'POST', `${ID}/simulate`, {}, problem('links must be an array of { identities: [{namespace, id}], timestamp? }')],
        ['explain without b', 'GET', `${ID}/explain?a.ns=Email&a.id=x`, undefined, problem('a.ns, a.id, b.ns and b.id are required')],
        ['unlink without a target', 'POST', `${ID}/unlink`, {}, problem('give a link (a and b), a batchId or a datasetId')],
        ['unlink a link that does not exist', 'POST', `${ID}/unlink`, { a: { namespace: 'Email', id: 'x@y.z' }, b: { namespace: 'CRMID', id: 'q' } }, problem('no such link')],
        ['history without id', 'GET', `${ID}/history?namespace=Email`, undefined, problem('namespace and id are required')],
      ];
      for (const [name, method, url, body, want] of cases)
        it(name, async () => {
          assert.deepEqual(await call(method, url, body), want);
        });
    });
  });
});
