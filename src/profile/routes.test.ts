import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { registerProfileRoutes } from './routes.js';
import { createProfileContext, type ProfileContext } from './wiring.js';
import { localProfileRemote } from './profile-remote.js';
import { InMemoryIdentityResolver } from './testing/in-memory-resolver.js';
import { ManualClock } from '../shared/clock.js';
import { sqliteProfileStoreAt } from './testing/sqlite-profile-store-at.js';

const CRM = { namespace: 'CRMID', id: 'c-1' };
const ECID = { namespace: 'ECID', id: '8914' };
const EV = '_xdm.context.experienceevent';
const PR = '_xdm.context.profile';

describe('profile routes', () => {
  let k: TestKith;
  let ctx!: ProfileContext;
  const ids = new InMemoryIdentityResolver();
  let sandboxId = '';
  let batchTag = 'batch-1';
  before(async () => {
    k = await startTestKith({}, { skipProfileRoutes: true,
      extraRoutes: (app, kith) => {
        ctx = createProfileContext({ store: sqliteProfileStoreAt(kith.config.dataDir), ownsStore: true, resources: kith.resources, clock: new ManualClock(Date.UTC(1970, 0, 5)), identities: ids });
        registerProfileRoutes(app, { profile: localProfileRemote(ctx) });
      },
    });
    const sb = await k.app.inject({ method: 'GET', url: '/data/core/ups/config/mergePolicies', headers: k.headers() });
    sandboxId = sb.json().children[0].sandbox.sandboxId;
    ids.link(sandboxId, CRM, ECID);
    await ctx.profiles.applyRecord(sandboxId, { datasetId: 'dsCRM', batchId: batchTag, xactionId: 'x-1', primary: CRM, record: { person: { name: { firstName: 'Jane', lastName: 'Doe' } }, identityMap: { CRMID: [{ id: 'c-1' }] } }, eventTime: 1 });
    await ctx.profiles.applyRecord(sandboxId, { datasetId: 'dsWeb', batchId: 'batch-2', primary: ECID, record: { person: { name: { firstName: 'J' } }, workEmail: { address: 'j@x' } }, eventTime: 0 });
    for (let i = 0; i < 5; i++)
      await ctx.profiles.applyEvent(sandboxId, { datasetId: 'dsEv', batchId: 'batch-3', primary: ECID, event: { _id: `e${i}`, timestamp: new Date(1000 * (i + 1)).toISOString(), web: { page: i }, channel: { _type: 'web' } } });
  });
  after(async () => {
    ctx.close();
    await k.stop();
  });
  const get = (url: string) => k.app.inject({ method: 'GET', url, headers: k.headers() });
  const post = (url: string, payload: unknown) => k.app.inject({ method: 'POST', url, headers: k.headers(), payload: payload as object });
  const xid = (r: { namespace: string; id: string }) => InMemoryIdentityResolver.xid(r);

  describe('GET entities (profile)', () => {
    const cases: Array<{ name: string; qs: string; check: (body: Record<string, any>) => void }> = [
      { name: 'by identity and namespace', qs: `entityId=8914&entityIdNS=ECID`, check: (b) => {
        const e = b[xid(CRM)];
        assert.equal(e.entityId, xid(CRM));
        assert.deepEqual(e.entity.person.name, { firstName: 'Jane', lastName: 'Doe' });
        assert.deepEqual(e.sources.sort(), ['dsCRM', 'dsWeb']);
        assert.ok(e.tags.includes('x-1'));
        assert.deepEqual(e.identityGraph.sort(), [xid(CRM), xid(ECID)].sort());
        assert.match(e.lastModifiedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.ok(e.mergePolicy.id);
      } },
      { name: 'by XID', qs: `entityId=${xid(CRM)}`, check: (b) => assert.ok(b[xid(CRM)]) },
      { name: 'fields filter', qs: `entityId=c-1&entityIdNS=CRMID&fields=person.name.firstName,workEmail`, check: (b) => assert.deepEqual(b[xid(CRM)].entity, { person: { name: { firstName: 'Jane' } }, workEmail: { address: 'j@x' } }) },
      { name: 'fields=identities', qs: `entityId=c-1&entityIdNS=CRMID&fields=identities`, check: (b) => {
        const ids2 = b[xid(CRM)].entity.identities;
        assert.equal(ids2.length, 2);
        assert.deepEqual(ids2.find((i: any) => i.primary), { id: 'c-1', namespace: { code: 'CRMID' }, primary: true });
      } },
      { name: 'withCA=true', qs: `entityId=c-1&entityIdNS=CRMID&withCA=true&fields=computedAttributes`, check: (b) => assert.deepEqual(b[xid(CRM)].entity.computedAttributes, {}) },
    ];
    for (const c of cases)
      it(c.name, async () => {
        const r = await get(`/data/core/ups/access/entities?schema.name=${PR}&${c.qs}`);
        assert.equal(r.statusCode, 200, r.body);
        c.check(r.json());
      });
    it('mergePolicyId with identityGraph none', async () => {
      const p = await post('/data/core/ups/config/mergePolicies', { name: 'no stitch', identityGraph: { type: 'none' }, attributeMerge: { type: 'timestampOrdered' }, schema: { name: PR } });
      assert.equal(p.statusCode, 200, p.body);
      const r = await get(`/data/core/ups/access/entities?schema.name=${PR}&entityId=8914&entityIdNS=ECID&mergePolicyId=${p.json().id}`);
      assert.deepEqual(r.json()[xid(ECID)].entity, { person: { name: { firstName: 'J' } }, workEmail: { address: 'j@x' } });
    });
  });

  describe('GET entities (events)', () => {
    it('pages with _page.next and _links.next.href until the last page', async () => {
      const seen: string[] = [];
      let url = `/data/core/ups/access/entities?schema.name=${EV}&relatedSchema.name=${PR}&relatedEntityId=c-1&relatedEntityIdNS=CRMID&limit=2`;
      for (let i = 0; i < 5 && url; i++) {
        const r = await get(url);
        assert.equal(r.statusCode, 200, r.body);
        const b = r.json();
        seen.push(...b.children.map((c: any) => c.entityId));
        assert.equal(b._page.count, b.children.length);
        assert.equal(b.children[0].relatedEntityId, xid(CRM));
        url = b._links.next.href ? `/data/core/ups/access${b._links.next.href}` : '';
        if (!url) assert.equal(b._page.next, '');
      }
      assert.deepEqual(seen, ['e0', 'e1', 'e2', 'e3', 'e4']);
    });
    const cases: Array<[string, string, string[]]> = [
      ['startTime inclusive, endTime exclusive', 'startTime=2000&endTime=4000', ['e1', 'e2']],
      ['orderby=-timestamp', 'orderby=-timestamp&limit=2', ['e4', 'e3']],
      ['older entityId/entityIdNS form', '', ['e0', 'e1', 'e2', 'e3', 'e4']],
    ];
    for (const [name, qs, want] of cases)
      it(name, async () => {
        const idq = name.startsWith('older') ? 'entityId=8914&entityIdNS=ECID' : 'relatedEntityId=8914&relatedEntityIdNS=ECID';
        const r = await get(`/data/core/ups/access/entities?schema.name=${EV}&relatedSchema.name=${PR}&${idq}&${qs}`);
        assert.equal(r.statusCode, 200, r.body);
        assert.deepEqual(r.json().children.map((c: any) => c.entityId), want);
      });
    const props: Array<[string, string, string[]]> = [
      ['property: number >=', 'property=web.page>=3', ['e3', 'e4']],
      ['property: path below the root', 'property=page<2', ['e0', 'e1']],
      ['property: repeated, all must hold', 'property=web.page>0&property=web.page!=2', ['e1', 'e3', 'e4']],
      ['property: string =', 'property=channel._type=web', ['e0', 'e1', 'e2', 'e3', 'e4']],
      ['property: no match', 'property=channel._type=email', []],
    ];
    for (const [name, qs, want] of props)
      it(name, async () => {
        const r = await get(`/data/core/ups/access/entities?schema.name=${EV}&relatedSchema.name=${PR}&relatedEntityId=8914&relatedEntityIdNS=ECID&${qs.replace(/>/g, '%3E').replace(/</g, '%3C')}`);
        assert.equal(r.statusCode, 200, r.body);
        assert.deepEqual(r.json().children.map((c: any) => c.entityId), want);
      });
    it('property filters are kept in _links.next.href', async () => {
      const seen: string[] = [];
      let url = `/data/core/ups/access/entities?schema.name=${EV}&relatedSchema.name=${PR}&relatedEntityId=c-1&relatedEntityIdNS=CRMID&limit=1&property=web.page%3E%3D2`;
      for (let i = 0; i < 5 && url; i++) {
        const b = (await get(url)).json();
        seen.push(...b.children.map((c: any) => c.entityId));
        url = b._links.next.href ? `/data/core/ups/access${b._links.next.href}` : '';
      }
      assert.deepEqual(seen, ['e2', 'e3', 'e4']);
    });
    it('fields on events', async () => {
      const r = await get(`/data/core/ups/access/entities?schema.name=${EV}&relatedSchema.name=${PR}&relatedEntityId=${xid(ECID)}&fields=web&limit=1`);
      assert.deepEqual(r.json().children[0].entity, { web: { page: 0 } });
      assert.equal(r.json().children[0].timestamp, 1000);
    });
  });

  describe('POST entities', () => {
    it('profiles: keyed by entity id, unknown identity gets the empty shape', async () => {
      const r = await post('/data/core/ups/access/entities', { schema: { name: PR }, fields: ['person.name'], identities: [{ entityId: '8914', entityIdNS: { code: 'ECID' } }, { entityId: 'ghost', entityIdNS: { code: 'Email' } }] });
      assert.equal(r.statusCode, 200, r.body);
      const b = r.json();
      assert.deepEqual(b[xid(CRM)].entity, { person: { name: { firstName: 'Jane', lastName: 'Doe' } } });
      assert.deepEqual(b.ghost, { entityId: 'ghost', sources: [''], entity: {}, lastModifiedAt: '1970-01-01T00:00:00Z' });
    });
    it('events: keyed by relatedEntityId, next page by POSTing _links.next.payload', async () => {
      const body = { schema: { name: EV }, relatedSchema: { name: PR }, identities: [{ relatedEntityId: 'c-1', relatedEntityIdNS: { code: 'CRMID' } }], limit: 3, timeFilter: { startTime: 0, endTime: 10_000 } };
      const r1 = (await post('/data/core/ups/access/entities', body)).json()['c-1'];
      assert.deepEqual(r1.children.map((c: any) => c.entityId), ['e0', 'e1', 'e2']);
      assert.equal(r1._links.next.href, '/entities');
      const r2 = (await post('/data/core/ups/access/entities', r1._links.next.payload)).json()['c-1'];
      assert.deepEqual(r2.children.map((c: any) => c.entityId), ['e3', 'e4']);
      assert.equal(r2._links.next.href, '');
    });
  });

  describe('merge policies', () => {
    it('CRUD, bulk-get, one default per class', async () => {
      const list0 = (await get('/data/core/ups/config/mergePolicies')).json();
      const oldDefault = list0.children.find((p: any) => p.default);
      assert.equal(oldDefault.identityGraph.type, 'pdg');
      for (const ds of ['dsWeb', 'dsCRM']) await k.resources.put('dataset', sandboxId, ds, { id: ds }); // stand-ins for the catalog's datasets
      const c = await post('/data/core/ups/config/mergePolicies', { name: 'crm first', identityGraph: { type: 'pdg' }, attributeMerge: { type: 'dataSetPrecedence', order: ['dsWeb', 'dsCRM'] }, schema: { name: PR }, default: true });
      const id = c.json().id;
      assert.equal((await get(`/data/core/ups/config/mergePolicies/${oldDefault.id}`)).json().default, false);
      const prof = (await get(`/data/core/ups/access/entities?schema.name=${PR}&entityId=c-1&entityIdNS=CRMID`)).json()[xid(CRM)];
      assert.equal(prof.mergePolicy.id, id);
      assert.equal(prof.entity.person.name.firstName, 'J');
      const patch = await k.app.inject({ method: 'PATCH', url: `/data/core/ups/config/mergePolicies/${oldDefault.id}`, headers: k.headers(), payload: { op: 'add', path: '/default', value: 'true' } });
      assert.equal(patch.json().default, true);
      assert.equal((await get(`/data/core/ups/config/mergePolicies?default=true`)).json()._page.totalCount, 1);
      const put = await k.app.inject({ method: 'PUT', url: `/data/core/ups/config/mergePolicies/${id}`, headers: k.headers(), payload: { name: 'renamed', identityGraph: { type: 'none' }, attributeMerge: { type: 'timestampOrdered' }, schema: { name: PR } } });
      assert.equal(put.json().version, 2);
      const bulk = await post('/data/core/ups/config/mergePolicies/bulk-get', { ids: [{ id }, { id: 'missing' }] });
      assert.equal(bulk.statusCode, 207);
      assert.equal(bulk.json().results[id].name, 'renamed');
      assert.equal(bulk.json().results.missing.status, 404);
      const del = await k.app.inject({ method: 'DELETE', url: `/data/core/ups/config/mergePolicies/${id}`, headers: k.headers() });
      assert.equal(del.statusCode, 200);
      assert.equal((await get(`/data/core/ups/config/mergePolicies/${id}`)).statusCode, 404);
    });
  });

  describe('computed attributes and jobs', () => {
    it('creates a CA, backfills it, returns it with withCA; deletes profile data by batch and dataset', async () => {
      const ca = await post('/data/core/ca/attributes', { name: 'pageCount', displayName: 'Pages', expression: { function: 'COUNT', lookbackDays: 393 } });
      assert.equal(ca.statusCode, 200, ca.body);
      assert.equal((await get('/data/core/ca/attributes')).json().computedAttributes.length, 1);
      const p = (await get(`/data/core/ups/access/entities?schema.name=${PR}&entityId=c-1&entityIdNS=CRMID&withCA=true`)).json()[xid(CRM)];
      assert.equal(p.entity.computedAttributes.pageCount, 5);
      const job = await post('/data/core/ups/system/jobs', { batchId: 'batch-3' });
      assert.equal(job.statusCode, 200, job.body);
      assert.equal(job.json().status, 'SUCCEEDED');
      assert.equal((await get(`/data/core/ups/system/jobs/${job.json().id}`)).json().batchId, 'batch-3');
      const p2 = (await get(`/data/core/ups/access/entities?schema.name=${PR}&entityId=c-1&entityIdNS=CRMID&withCA=true`)).json()[xid(CRM)];
      assert.equal(p2.entity.computedAttributes.pageCount, 0);
      await post('/data/core/ups/system/jobs', { dataSetId: 'dsWeb' });
      const p3 = (await get(`/data/core/ups/access/entities?schema.name=${PR}&entityId=c-1&entityIdNS=CRMID`)).json()[xid(CRM)];
      assert.deepEqual(p3.sources, ['dsCRM']);
    });
  });

  describe('invalid input', () => {
    const cases: Array<[string, () => Promise<{ statusCode: number; json(): any }>, number, string?]> = [
      ['missing schema.name', () => get('/data/core/ups/access/entities?entityId=c-1&entityIdNS=CRMID'), 400],
      ['missing entityId', () => get(`/data/core/ups/access/entities?schema.name=${PR}`), 400],
      ['unknown identity', () => get(`/data/core/ups/access/entities?schema.name=${PR}&entityId=nobody&entityIdNS=Email`), 404, 'XDM objects not found'],
      ['unknown XID', () => get(`/data/core/ups/access/entities?schema.name=${PR}&entityId=NOPE`), 404],
      ['events without relatedSchema', () => get(`/data/core/ups/access/entities?schema.name=${EV}&relatedEntityId=c-1&relatedEntityIdNS=CRMID`), 400],
      ['events with a non-numeric startTime', () => get(`/data/core/ups/access/entities?schema.name=${EV}&relatedSchema.name=${PR}&relatedEntityId=c-1&relatedEntityIdNS=CRMID&startTime=yesterday`), 400],
      ['events with a bad orderby', () => get(`/data/core/ups/access/entities?schema.name=${EV}&relatedSchema.name=${PR}&relatedEntityId=c-1&relatedEntityIdNS=CRMID&orderby=name`), 400],
      ['events with a property filter without operator', () => get(`/data/core/ups/access/entities?schema.name=${EV}&relatedSchema.name=${PR}&relatedEntityId=c-1&relatedEntityIdNS=CRMID&property=web.page`), 400],
      ['events with four property filters', () => get(`/data/core/ups/access/entities?schema.name=${EV}&relatedSchema.name=${PR}&relatedEntityId=c-1&relatedEntityIdNS=CRMID&property=a=1&property=b=1&property=c=1&property=d=1`), 400],
      ['unknown merge policy', () => get(`/data/core/ups/access/entities?schema.name=${PR}&entityId=c-1&entityIdNS=CRMID&mergePolicyId=zzz`), 404],
      ['POST without identities', () => post('/data/core/ups/access/entities', { schema: { name: PR } }), 400],
      ['bad merge policy', () => post('/data/core/ups/config/mergePolicies', { name: 'x', attributeMerge: { type: 'dataSetPrecedence' } }), 400],
      ['job with neither dataset nor batch', () => post('/data/core/ups/system/jobs', {}), 400],
      ['bad computed attribute', () => post('/data/core/ca/attributes', { name: 'x', expression: { function: 'AVG', lookbackDays: 3 } }), 400],
      ['DELETE entity of an unknown identity', () => k.app.inject({ method: 'DELETE', url: `/data/core/ups/access/entities?schema.name=${PR}&entityId=nobody&entityIdNS=Email`, headers: k.headers() }), 404],
    ];
    for (const [name, call, status, title] of cases)
      it(`${name} -> ${status}`, async () => {
        const r = await call();
        assert.equal(r.statusCode, status);
        if (title) assert.equal(r.json().title, title);
        assert.equal(r.json().status, status);
      });
    it('graph over the size limit -> 422 Too many related identities', async () => {
      const big = { namespace: 'Email', id: 'shared@x' };
      await ctx.profiles.applyRecord(sandboxId, { datasetId: 'dsCRM', batchId: 'b', primary: big, record: { a: 1 } });
      ids.grow(sandboxId, big, 51);
      const r = await get(`/data/core/ups/access/entities?schema.name=${PR}&entityId=shared@x&entityIdNS=Email`);
      assert.equal(r.statusCode, 422);
      assert.equal(r.json().title, 'Too many related identities');
    });
    it('DELETE a profile -> 202, then 404', async () => {
      const d = await k.app.inject({ method: 'DELETE', url: `/data/core/ups/access/entities?schema.name=${PR}&entityId=c-1&entityIdNS=CRMID`, headers: k.headers() });
      assert.equal(d.statusCode, 202);
      assert.equal((await get(`/data/core/ups/access/entities?schema.name=${PR}&entityId=c-1&entityIdNS=CRMID`)).statusCode, 404);
    });
  });
});
