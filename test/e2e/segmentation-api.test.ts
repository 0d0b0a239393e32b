import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const BASE = '/data/core/ups';
const def = (name: string, value: string, extra: Record<string, unknown> = {}) => ({
  name, schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value }, ...extra,
});

describe('Segmentation API (definitions, jobs, preview/estimate, audiences, export)', () => {
  let k: TestKith;
  let p: Platform;
  let goldId = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const schema = await p.createSchema('Members', 'https://ns.adobe.com/xdm/context/profile', [FG('identitymap'), FG('profile-person-details'), FG('profile-personal-details'), FG('profile-loyalty-details')], true);
    await p.addIdentityDescriptor(schema, '/personalEmail/address', 'Email', true);
    const ds = await p.createDataset('Members', schema, { profile: true, identity: true });
    const inlet = (await p.createInlet('segmentation api')).inletId;
    const people: Array<[string, string]> = [['ann@x.com', 'gold'], ['bob@x.com', 'silver'], ['cat@x.com', 'gold']];
    for (const [email, tier] of people) {
      const r = await p.collect(`/collection/${inlet}`, p.envelope(schema, ds, { personalEmail: { address: email }, loyalty: { tier }, person: { name: { firstName: email.slice(0, 3) } } }));
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    await k.processor.drain();
  });
  after(() => k.stop());

  it('creates, lists, gets, patches and deletes definitions with AEP shapes', async () => {
    const c = await p.call('POST', `${BASE}/segment/definitions`, def('Gold members', 'loyalty.tier = "gold"', { description: 'tier gold' }));
    assert.equal(c.status, 200, c.body);
    goldId = c.json.id;
    for (const f of ['id', 'imsOrgId', 'sandbox', 'creationTime', 'updateEpoch', 'updateTime', 'dataGovernancePolicy', 'ttlInDays', 'evaluationInfo'])
      assert.ok(f in c.json, `response has ${f}`);
    assert.equal(c.json.sandbox.sandboxName, 'prod');
    assert.deepEqual(c.json.evaluationInfo.batch, { enabled: true });
    assert.equal(c.json.evaluationInfo.continuous.enabled, true);
    const list = await p.call('GET', `${BASE}/segment/definitions?limit=10`);
    assert.equal(list.status, 200);
    assert.equal(list.json.page.totalCount, 1);
    assert.equal(list.json.segments[0].id, goldId);
    const got = await p.call('GET', `${BASE}/segment/definitions/${goldId}`);
    assert.equal(got.json.name, 'Gold members');
    const bulk = await p.call('POST', `${BASE}/segment/definitions/bulk-get`, { ids: [{ id: goldId }, { id: 'nope' }] });
    assert.equal(bulk.status, 207);
    assert.equal(bulk.json.results[goldId].id, goldId);
    assert.equal(bulk.json.results.nope.status, 404);
    const tmp = await p.call('POST', `${BASE}/segment/definitions`, def('Temp', 'person.name.firstName.startsWith("a")'));
    const patched = await p.call('PATCH', `${BASE}/segment/definitions/${tmp.json.id}`, { ...def('Temp', 'person.name.firstName.startsWith("b")') });
    assert.equal(patched.status, 200, patched.body);
    assert.equal(patched.json.version, 2);
    assert.equal((await p.call('DELETE', `${BASE}/segment/definitions/${tmp.json.id}`)).status, 200);
    assert.equal((await p.call('GET', `${BASE}/segment/definitions/${tmp.json.id}`)).status, 404);
  });

  it('streams memberships to existing profiles and reports audience sizes', async () => {
    const aud = await eventually(async () => {
      const r = await p.call('GET', `${BASE}/audiences/${goldId}`);
      return r.json?.metrics?.data?.totalProfiles === 2 ? r : undefined;
    }, 'gold audience of 2');
    assert.equal(aud.json.name, 'Gold members');
    const all = await p.call('GET', `${BASE}/audiences`);
    assert.equal(all.status, 200);
    assert.ok(all.json.children.some((a: { id: string }) => a.id === goldId));
    const ann = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=ann@x.com&entityIdNS=Email');
    const entity = (Object.values(ann.json)[0] as any).entity;
    assert.equal(entity.segmentMembership.ups[goldId].status, 'realized');
  });

  it('runs segment jobs with metrics and marks continuing members existing', async () => {
    const j = await p.call('POST', `${BASE}/segment/jobs`, [{ segmentId: goldId }]);
    assert.equal(j.status, 200, j.body);
    assert.equal(j.json.segments[0].segmentId, goldId);
    const done = await eventually(async () => {
      const r = await p.call('GET', `${BASE}/segment/jobs/${j.json.id}`);
      return r.json.status === 'SUCCEEDED' || r.json.status === 'FAILED' ? r : undefined;
    }, 'job done');
    assert.equal(done.json.status, 'SUCCEEDED', done.body);
    assert.equal(done.json.metrics.totalProfiles, 3);
    assert.equal(done.json.metrics.segmentedProfileCounter[goldId], 2);
    assert.equal(done.json.metrics.segmentedProfileByStatusCounter[goldId].existing, 2);
    const list = await p.call('GET', `${BASE}/segment/jobs?status=SUCCEEDED`);
    assert.ok(list.json.children.some((x: { id: string }) => x.id === j.json.id));
  });

  it('previews and estimates an expression', async () => {
    const c = await p.call('POST', `${BASE}/preview`, { predicateExpression: 'loyalty.tier = "silver"', predicateType: 'pql/text', predicateModel: '_xdm.context.profile', graphType: 'pdg' });
    assert.equal(c.status, 200, c.body);
    const id = c.json.previewId;
    const pv = await p.call('GET', `${BASE}/preview/${id}`);
    assert.equal(pv.status, 200);
    assert.equal(pv.json.results.length, 1);
    const est = await p.call('GET', `${BASE}/estimate/${id}`);
    assert.equal(est.json.estimatedSize, 1);
    assert.equal(est.json.state, 'RESULT_READY');
  });

  it('exports members as JSON lines', async () => {
    const e = await p.call('POST', `${BASE}/export/jobs`, { fields: 'personalEmail,loyalty', filter: { segments: [{ segmentId: goldId, segmentNs: 'ups' }] } });
    assert.equal(e.status, 200, e.body);
    assert.equal(e.json.status, 'SUCCEEDED');
    assert.equal(e.json.metrics.totalExportedProfileCounter, 2);
    // a download link, never the server's file path (in the job, its GET and the list)
    assert.equal(e.json._links.download.href, `${BASE}/export/jobs/${e.json.id}/download`);
    for (const r of [e, await p.call('GET', `${BASE}/export/jobs/${e.json.id}`), await p.call('GET', `${BASE}/export/jobs`)]) {
      assert.equal(r.body.includes(k.dataDir), false, r.body);
      assert.equal(r.body.includes('"file"'), false, r.body);
    }
    const dl = await p.call('GET', e.json._links.download.href);
    assert.equal(dl.status, 200);
    const lines = dl.body.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.personalEmail.address).sort(), ['ann@x.com', 'cat@x.com']);
    assert.ok(lines.every((l) => l.loyalty.tier === 'gold' && l.person === undefined));
  });

  it('exports members to a dataset as a new batch in the lake', async () => {
    const schema = await p.createSchema('Gold export', 'https://ns.adobe.com/xdm/context/profile', [FG('identitymap'), FG('profile-personal-details'), FG('profile-loyalty-details')]);
    const ds = await p.createDataset('Gold export', schema);
    const e = await p.call('POST', `${BASE}/export/jobs`, { fields: 'personalEmail,loyalty', filter: { segments: [{ segmentId: goldId }] }, destination: { datasetId: ds } });
    assert.equal(e.status, 200, e.body);
    assert.equal(e.json.status, 'SUCCEEDED');
    assert.equal(e.json.destination.datasetId, ds);
    const table = (await p.getDataset(ds)).tags['adobe/pqs/table'][0];
    const rows = await k.queryLake(`SELECT record->>'$.personalEmail.address' AS email, _kith_batch_id AS batch FROM ${table} ORDER BY 1`);
    assert.deepEqual(rows.map((r) => r.email), ['ann@x.com', 'cat@x.com']);
    assert.ok(rows.every((r) => r.batch === e.json.destination.batchId));
    const bad = await p.call('POST', `${BASE}/export/jobs`, { filter: { segments: [{ segmentId: goldId }] }, destination: { datasetId: 'nope' } });
    assert.equal(bad.status, 400);
  });

  it('converts expressions (/segment/conversion, AEP\'s example) and creates definitions from pql/json', async () => {
    const conv = await p.call('POST', `${BASE}/segment/conversion`, { name: 'People who ordered in the last 30 days', profileInstanceId: 'ups', description: 'Last 30 days', expression: { type: 'PQL', format: 'pql/text', value: 'workAddress.country = "US"' }, schema: { name: '_xdm.context.profile' }, payloadSchema: 'string' });
    assert.equal(conv.status, 200, conv.body);
    assert.deepEqual(Object.keys(conv.json).sort(), ['description', 'expression', 'imsOrgId', 'sandbox']);
    assert.equal(conv.json.sandbox.sandboxName, 'prod');
    assert.equal(conv.json.expression.format, 'pql/json');
    assert.equal(conv.json.expression.value, '{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"fieldLookup","fieldName":"country","object":{"nodeType":"fieldLookup","fieldName":"workAddress","object":{"nodeType":"parameterReference","position":1}}},{"nodeType":"literal","literalType":"String","value":"US"}]}');
    const back = await p.call('POST', `${BASE}/segment/conversion`, { expression: conv.json.expression });
    assert.equal(back.json.expression.value, 'workAddress.country = "US"');

    const gold = await p.call('POST', `${BASE}/segment/conversion`, { expression: { type: 'PQL', format: 'pql/text', value: 'loyalty.tier = "gold"' } });
    const created = await p.call('POST', `${BASE}/segment/definitions`, { name: 'Gold (from pql/json)', schema: { name: '_xdm.context.profile' }, expression: gold.json.expression });
    assert.equal(created.status, 200, created.body);
    assert.deepEqual(created.json.expression, { type: 'PQL', format: 'pql/text', value: 'loyalty.tier = "gold"' }, 'kept as its PQL text');
    const members = await eventually(async () => {
      await k.processor.remote.segments.drain();
      const a = await p.call('GET', `${BASE}/audiences/${created.json.id}`);
      return a.json.metrics?.data?.totalProfiles === 2 ? a : undefined;
    }, 'the two gold members qualify');
    assert.equal(members.status, 200);
    assert.equal((await p.call('DELETE', `${BASE}/segment/definitions/${created.json.id}`)).status, 200);

    const bad = await p.call('POST', `${BASE}/segment/conversion`, { expression: { type: 'PQL', format: 'pql/json', value: '{"nodeType":"fnApply","fnName":"=","params":[{"nodeType":"nope"}]}' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 'PQL-JSON');
    assert.match(bad.json.detail, /Invalid pql\/json/);
    const noJson = await p.call('POST', `${BASE}/segment/conversion`, { expression: { type: 'PQL', format: 'pql/text', value: 'xEvent[eventType = "a"].count() > 2' } });
    assert.equal(noJson.status, 400);
    assert.equal(noJson.json.code, 'PQL-JSON-UNSUPPORTED');
    const badDef = await p.call('POST', `${BASE}/segment/definitions`, { name: 'Broken json', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/json', value: '{' } });
    assert.equal(badDef.status, 400);
    assert.match(badDef.json.detail, /not JSON/);
  });

  it('audiences API: creates Kith and external audiences, lists, patches (JSON Patch), replaces, bulk-gets and deletes them', async () => {
    const own = await p.call('POST', `${BASE}/audiences`, { name: 'Gold audience', profileInstanceId: 'ups', description: 'tier gold', type: 'SegmentDefinition', expression: { type: 'PQL', format: 'pql/text', value: 'loyalty.tier = "gold"' }, schema: { name: '_xdm.context.profile' }, labels: ['core/C1'], ttlInDays: 60 });
    assert.equal(own.status, 200, own.body);
    assert.equal(own.json.type, 'SegmentDefinition');
    assert.equal(own.json.audienceId, own.json.id);
    const ext = await p.call('POST', `${BASE}/audiences`, { audienceId: 'test-external-audience-id', name: 'externalAudience', namespace: 'aam', description: 'Last 30 days', type: 'ExternalSegment', originName: 'CUSTOM_UPLOAD', lifecycleState: 'published', datasetId: '6254cf3c97f8e31b639fb14d', labels: ['core/C1'], linkedAudienceRef: { flowId: '4685ea90-d2b6-11ec-9d64-0242ac120002' } });
    assert.equal(ext.status, 200, ext.body);
    assert.equal(ext.json.audienceId, 'test-external-audience-id');

    const sized = await eventually(async () => {
      await k.processor.remote.segments.drain();
      const a = await p.call('GET', `${BASE}/audiences/${own.json.id}`);
      return a.json.metrics?.data?.totalProfiles === 2 ? a : undefined;
    }, 'the Kith audience has its two members');
    assert.deepEqual(sized.json.labels, ['core/C1']);
    const list = await p.call('GET', `${BASE}/audiences?property=type==ExternalSegment`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.children.map((a: any) => a.id), [ext.json.id]);
    const patched = await p.call('PATCH', `${BASE}/audiences/${own.json.id}`, [{ op: 'add', path: '/expression', value: { type: 'PQL', format: 'pql/text', value: 'loyalty.tier = "silver"' } }], { 'content-type': 'application/json-patch+json' });
    assert.equal(patched.status, 200, patched.body);
    assert.equal(patched.json.expression.value, 'loyalty.tier = "silver"');
    const put = await p.call('PUT', `${BASE}/audiences/${ext.json.id}`, { audienceId: 'test-external-audience-id', name: 'New external audience', namespace: 'aam', description: 'Last 30 days', type: 'ExternalSegment', lifecycleState: 'published', datasetId: '6254cf3c97f8e31b639fb14d', labels: ['core/C1'] });
    assert.equal(put.status, 200, put.body);
    assert.equal(put.json.name, 'New external audience');
    const bulk = await p.call('POST', `${BASE}/audiences/bulk-get`, { ids: [{ id: own.json.id }, { id: ext.json.id }, { id: 'nope' }] });
    assert.equal(bulk.status, 207);
    assert.equal(bulk.json.results[ext.json.id].name, 'New external audience');
    assert.equal(bulk.json.results.nope.status, 404);
    const dup = await p.call('POST', `${BASE}/audiences`, { audienceId: 'test-external-audience-id', name: 'dup', namespace: 'aam', type: 'ExternalSegment' });
    assert.equal(dup.status, 409);
    assert.match(dup.json.detail, /already exists/);
    const badType = await p.call('POST', `${BASE}/audiences`, { name: 'x', type: 'Magic' });
    assert.equal(badType.status, 400);
    for (const id of [own.json.id, ext.json.id]) {
      assert.equal((await p.call('DELETE', `${BASE}/audiences/${id}`)).status, 204);
      assert.equal((await p.call('GET', `${BASE}/audiences/${id}`)).status, 404);
    }
  });

  it('segment search: namespaces with counts, entities matching s=, taxonomy; errors as problems', async () => {
    const ext = await p.call('POST', `${BASE}/audiences`, { audienceId: 'aam-heavy', name: 'AAM - Heavy equipment', description: 'AAM - Acme Equipment', namespace: 'AAMSegments', type: 'ExternalSegment' });
    assert.equal(ext.status, 200, ext.body);
    const h = { 'x-ups-search-version': '1.0' };
    const ns = await p.call('GET', `${BASE}/search/namespaces?schema.name=_xdm.context.segmentdefinition`, undefined, h);
    assert.equal(ns.status, 200, ns.body);
    assert.deepEqual(ns.json.namespaces.find((n: any) => n.namespace === 'AAMSegments'), { namespace: 'AAMSegments', displayName: 'AAMSegments', count: 1 });
    assert.ok(ns.json.namespaces.find((n: any) => n.namespace === 'AEPSegments').count >= 1, 'Kith\'s own audiences');
    assert.deepEqual(ns.json.status, { message: 'Success' });
    const found = await p.call('GET', `${BASE}/search/entities?schema.name=_xdm.context.segmentdefinition&namespace=AAMSegments&s=${encodeURIComponent('segmentName:heavy AND acme')}`, undefined, h);
    assert.equal(found.status, 200, found.body);
    assert.deepEqual(found.json.entities, [{ id: ext.json.id, base64EncodedSourceId: Buffer.from('aam-heavy').toString('base64'), sourceId: 'aam-heavy', isFolder: false, parentFolderId: 'root', name: 'AAM - Heavy equipment', description: 'AAM - Acme Equipment' }]);
    assert.deepEqual(found.json.page, { totalCount: 1, totalPages: 1, pageOffset: 0, pageSize: 1 });
    const none = await p.call('GET', `${BASE}/search/entities?schema.name=_xdm.context.segmentdefinition&namespace=AAMSegments&s=porsche`, undefined, h);
    assert.equal(none.json.page.totalCount, 0);
    const tax = await p.call('GET', `${BASE}/search/taxonomy?schema.name=_xdm.context.segmentdefinition&namespace=AAMSegments&entityId=${ext.json.id}`, undefined, h);
    assert.equal(tax.status, 200, tax.body);
    assert.deepEqual(tax.json.taxonomy.map((t: any) => t.name), ['AAMSegments', 'AAM - Heavy equipment']);
    const badSchema = await p.call('GET', `${BASE}/search/namespaces?schema.name=_xdm.context.profile`, undefined, h);
    assert.equal(badSchema.status, 400);
    assert.match(badSchema.json.detail, /_xdm.context.segmentdefinition/);
    const badS = await p.call('GET', `${BASE}/search/entities?schema.name=_xdm.context.segmentdefinition&namespace=AAMSegments&s=${encodeURIComponent('blue~1')}`, undefined, h);
    assert.equal(badS.status, 400);
    assert.match(badS.json.detail, /not supported/);
    assert.equal((await p.call('GET', `${BASE}/search/taxonomy?schema.name=_xdm.context.segmentdefinition&namespace=AAMSegments&entityId=nope`, undefined, h)).status, 404);
    assert.equal((await p.call('DELETE', `${BASE}/audiences/${ext.json.id}`)).status, 204);
  });

  it('a definition may name a merge policy of its own sandbox', async () => {
    const mp = await p.call('POST', `${BASE}/config/mergePolicies`, { name: 'seg-mp', schema: { name: '_xdm.context.profile' }, identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' } });
    assert.equal(mp.status, 200, mp.body);
    const d = await p.call('POST', `${BASE}/segment/definitions`, def('with policy', 'loyalty.tier = "gold"', { mergePolicyId: mp.json.id }));
    assert.equal(d.status, 200, d.body);
    assert.equal(d.json.mergePolicyId, mp.json.id);
    assert.equal((await p.call('DELETE', `${BASE}/segment/definitions/${d.json.id}`)).status, 200);
  });

  describe('invalid input', () => {
    const cases: Array<[string, string, string, unknown, number]> = [
      ['PQL syntax error', 'POST', '/segment/definitions', def('bad', 'loyalty.tier = '), 400],
      ['unsupported PQL', 'POST', '/segment/definitions', def('bad2', 'forall x from xEvent where x.a = 1'), 400],
      ['missing schema', 'POST', '/segment/definitions', { name: 'x', expression: { type: 'PQL', format: 'pql/text', value: 'a = 1' } }, 400],
      ['unknown definition', 'GET', '/segment/definitions/0000', undefined, 404],
      ['job without segments', 'POST', '/segment/jobs', [], 400],
      ['job for unknown segment', 'POST', '/segment/jobs', [{ segmentId: 'nope' }], 400],
      ['unknown job', 'GET', '/segment/jobs/nope', undefined, 404],
      ['preview without expression', 'POST', '/preview', { predicateType: 'pql/text' }, 400],
      ['unknown preview', 'GET', '/preview/nope', undefined, 404],
      ['unknown estimate', 'GET', '/estimate/nope', undefined, 404],
      ['export without segments', 'POST', '/export/jobs', { filter: {} }, 400],
      ['bad paging', 'GET', '/segment/definitions?limit=abc', undefined, 400],
      ['a merge policy that exists nowhere', 'POST', '/segment/definitions', def('mp', 'loyalty.tier = "gold"', { mergePolicyId: 'no-such-policy' }), 400],
      ['a merge policy id of the wrong type', 'POST', '/segment/definitions', def('mp2', 'loyalty.tier = "gold"', { mergePolicyId: 42 }), 400],
    ];
    for (const [what, method, path, body, status] of cases)
      it(what, async () => {
        const r = await p.call(method, `${BASE}${path}`, body);
        assert.equal(r.status, status, r.body);
        assert.doesNotMatch(r.body, /\n\s+at |node_modules/, 'no stack trace');
      });
    it('a PQL error names the construct and its position', async () => {
      const r = await p.call('POST', `${BASE}/segment/definitions`, def('bad3', 'forall x from xEvent where x.a = 1'));
      assert.equal(r.json.construct, 'forall');
      assert.equal(r.json.line, 1);
      assert.equal(r.json.column, 1);
    });
  });
});
