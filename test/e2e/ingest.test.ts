import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

const PROFILE = 'https://ns.adobe.com/xdm/context/profile';
const EVENT = 'https://ns.adobe.com/xdm/context/experienceevent';
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const ecid = (n: number) => String(n).padStart(38, '1');

describe('streaming and batch ingestion, end to end', () => {
  let k: TestKith;
  let p: Platform;
  let profileSchema: string;
  let eventSchema: string;
  let profileDs: string;
  let eventDs: string;
  let inlet: { inletId: string; inletUrl: string };
  const path = () => `/collection/${inlet.inletId}`;

  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    profileSchema = await p.createSchema('E2E Profiles', PROFILE, [FG('identitymap'), FG('profile-person-details'), FG('profile-personal-details')], true);
    await p.addIdentityDescriptor(profileSchema, '/personalEmail/address', 'Email', true);
    eventSchema = await p.createSchema('E2E Events', EVENT, [FG('identitymap'), FG('experienceevent-commerce')], true);
    profileDs = await p.createDataset('E2E Profiles', profileSchema, { profile: true, identity: true });
    eventDs = await p.createDataset('E2E Events', eventSchema, { profile: true, identity: true });
    inlet = await p.createInlet('e2e inlet');
  });
  after(async () => {
    await k.stop();
  });

  const purchase = (id: string, mail: string, total = 10) => ({
    _id: id,
    timestamp: '2026-01-02T03:04:05Z',
    eventType: 'commerce.purchases',
    identityMap: { Email: [{ id: mail, primary: true }] },
    commerce: { order: { priceTotal: total, currencyCode: 'USD' }, purchases: { value: 1 } },
  });
  const person = (mail: string, first: string) => ({ personalEmail: { address: mail }, person: { name: { firstName: first } } });

  it('inletUrl points at this server', () => {
    assert.equal(inlet.inletUrl, `${k.baseUrl}/collection/${inlet.inletId}`);
    assert.match(inlet.inletId, /^[0-9a-f]{64}$/);
  });

  it('accepts one message with the exact response shape', async () => {
    const r = await p.collect(path(), p.envelope(profileSchema, profileDs, person('ann@example.com', 'Ann')));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.inletId, inlet.inletId);
    assert.match(r.json.xactionId, /^\d+:\d+:\d+$/);
    assert.equal(typeof r.json.receivedTimeMs, 'number');
    assert.deepEqual(r.json.syncValidation, { skipped: true });
  });

  it('syncValidation=true passes a valid message and reports violations in everit shape', async () => {
    const good = await p.collect(`${path()}?syncValidation=true`, p.envelope(profileSchema, profileDs, person('bob@example.com', 'Bob')));
    assert.equal(good.status, 200);
    assert.deepEqual(good.json.syncValidation, { status: 'pass' });
    const legacy = await p.collect(`${path()}?synchronousValidation=true`, p.envelope(profileSchema, profileDs, person('bo2@example.com', 'Bo')));
    assert.deepEqual(legacy.json.synchronousValidation, { status: 'pass' });
    const bad = await p.collect(`${path()}?syncValidation=true`, p.envelope(profileSchema, profileDs, { ...person('c@example.com', 'C'), workEmailz: { a: 1 }, person: { name: { firstName: 5 } } }));
    assert.equal(bad.status, 400);
    assert.equal(bad.json.title, 'Invalid XDM Message Format');
    const v = bad.json.report.cause._streamingValidation[0];
    assert.ok(v.causingExceptions.length >= 1 && v.causingExceptions.length <= 5);
    for (const c of v.causingExceptions) for (const key of ['schemaLocation', 'pointerToViolation', 'keyword', 'message']) assert.ok(key in c, key);
  });

  it('batch endpoint answers 207 with one status per message, in order', async () => {
    const r = await p.collect(`/collection/batch/${inlet.inletId}`, {
      messages: [
        p.envelope(eventSchema, eventDs, purchase('b-1', 'ann@example.com')),
        p.envelope(eventSchema, eventDs, purchase('b-2', 'ann@example.com'), 'WRONG@AdobeOrg'),
        p.envelope(eventSchema, 'ffffffffffffffffffffffff', purchase('b-3', 'ann@example.com')),
        p.envelope(profileSchema, eventDs, purchase('b-4', 'ann@example.com')),
        { header: {} },
      ],
    });
    assert.equal(r.status, 207);
    assert.equal(r.json.responses.length, 5);
    assert.match(r.json.responses[0].xactionId, new RegExp(`^${r.json.batchId}:0$`));
    assert.equal(r.json.responses[1].statusCode, 400);
    assert.match(r.json.responses[1].message, /absent or wrong ims org/);
    assert.match(r.json.responses[1].message, /^inletId: \[/);
    assert.match(r.json.responses[2].message, /does not exist/);
    assert.match(r.json.responses[3].message, /unknown xdm format/);
    assert.equal(r.json.responses[4].statusCode, 400);
  });

  describe('invalid input', () => {
    it('413 over the body limit', async () => {
      const big = 'x'.repeat(1_100_000);
      const r = await p.collect(path(), p.envelope(profileSchema, profileDs, { ...person('d@example.com', big) }));
      assert.equal(r.status, 413);
    });
    it('rejects an ExperienceEvent over 10 KB', async () => {
      const e = purchase('big-1', 'e@example.com');
      (e as Record<string, unknown>).commerce = { order: { priceTotal: 1, purchaseID: 'x'.repeat(11_000) } };
      const r = await p.collect(path(), p.envelope(eventSchema, eventDs, e));
      assert.equal(r.status, 413);
      assert.match(r.json.report.message, /exceeds the maximum ExperienceEvent size/);
    });
    it('unknown inlet is 404', async () => {
      const r = await p.collect(`/collection/${'0'.repeat(64)}`, p.envelope(profileSchema, profileDs, person('f@example.com', 'F')));
      assert.equal(r.status, 404);
    });
    it('bad JSON is 400', async () => {
      const r = await p.collect(path(), '{nope');
      assert.equal(r.status, 400);
    });
    it('missing content type is 400', async () => {
      const r = await k.app.inject({ method: 'POST', url: path(), payload: 'x' });
      assert.equal(r.statusCode, 400);
    });
    it('batch body without messages is 400', async () => {
      const r = await p.collect(`/collection/batch/${inlet.inletId}`, { foo: 1 });
      assert.equal(r.status, 400);
    });
  });

  it('lands valid records in the lake, keeps invalid ones in failed records, and stores a duplicate _id once', async () => {
    const ev = purchase('dup-1', 'dup@example.com', 42);
    for (let i = 0; i < 2; i++) assert.equal((await p.collect(path(), p.envelope(eventSchema, eventDs, ev))).status, 200);
    const invalid = await p.collect(path(), p.envelope(eventSchema, eventDs, { _id: 'bad-1', timestamp: 'not a date', eventType: 'x' }));
    assert.equal(invalid.status, 200, 'async validation: accepted first');
    const badEcid = await p.collect(path(), p.envelope(eventSchema, eventDs, { ...purchase('bad-2', 'x@example.com'), identityMap: { ECID: [{ id: '123' }] } }));
    assert.equal(badEcid.status, 200);
    await k.processor.drain();
    const table = (await p.getDataset(eventDs)).tags['adobe/pqs/table'][0];
    const rows = await k.queryLake(`SELECT _id FROM ${table} WHERE _id = 'dup-1'`);
    assert.equal(rows.length, 1);
    const f = await p.call('GET', `/data/foundation/kith/failed-records?datasetId=${eventDs}`);
    assert.equal(f.status, 200);
    const codes = f.json.records.map((r: { code: string; payload: { e?: { _id?: string } } }) => [r.payload?.e?._id, r.code]).sort();
    assert.deepEqual(codes, [
      ['bad-1', 'SCHEMA_VALIDATION'],
      ['bad-2', 'UPLIB-101003-400'],
    ]);
  });

  it('closes streaming batches with record and failed counts', async () => {
    await k.processor.drain();
    await k.processor.flushBatches();
    const r = await p.call('GET', `/data/foundation/catalog/batches?dataSet=${eventDs}`);
    assert.equal(r.status, 200);
    const batches = Object.values(r.json) as Array<{ status: string; recordCount: number; failedRecordCount: number }>;
    assert.ok(batches.some((b) => b.status === 'success' && b.recordCount >= 2 && b.failedRecordCount === 2), JSON.stringify(batches));
  });

  it('uploads a 10k-record JSON-lines batch file and reports its status', async () => {
    const c = await p.call('POST', '/data/foundation/import/batches', { datasetId: eventDs, inputFormat: { format: 'json' } });
    assert.equal(c.status, 201, c.body);
    const batchId = c.json.id;
    const lines = [];
    for (let i = 0; i < 10_000; i++) lines.push(JSON.stringify(purchase(`file-${i}`, `u${i % 500}@example.com`, i)));
    lines.push('{broken');
    const put = await p.call('PUT', `/data/foundation/import/batches/${batchId}/datasets/${eventDs}/files/events.json`, Buffer.from(lines.join('\n')), { 'content-type': 'application/octet-stream' });
    assert.equal(put.status, 200, put.body);
    const done = await p.call('POST', `/data/foundation/import/batches/${batchId}?action=COMPLETE`);
    assert.equal(done.status, 200, done.body);
    await k.processor.drain();
    const b = await eventually(async () => {
      const r = await p.call('GET', `/data/foundation/catalog/batches/${batchId}`);
      const x = r.json[batchId];
      return x.status === 'success' ? x : undefined;
    }, 'batch success');
    assert.equal(b.recordCount, 10_000);
    assert.equal(b.failedRecordCount, 1);
    const preview = await p.call('GET', `/data/foundation/import/batches/${batchId}/datasets/${eventDs}/preview?limit=3`);
    assert.equal(preview.status, 200);
    assert.deepEqual(preview.json.data.map((r: { _id: string }) => r._id), ['file-0', 'file-1', 'file-2']);
    const alias = await p.call('GET', `/data/foundation/catalog/batch/${batchId}`);
    assert.equal(alias.status, 200);
    const diag = await p.call('GET', `/data/foundation/export/batches/${batchId}/failed`);
    assert.equal(diag.json.data[0].length, 1);
    const dl = await p.call('GET', `/data/foundation/export/batches/${batchId}/failed?path=failed_records.json`);
    assert.match(dl.body, /malformed JSON/);
  });

  it('replays failed records after a schema fix', async () => {
    // a record with a field the schema lacks fails; after adding a field group that has it, replay lands it
    const rec = { _id: 'replay-1', timestamp: '2026-01-03T00:00:00Z', eventType: 'web.webpagedetails.pageViews', web: { webPageDetails: { name: 'home' } } };
    assert.equal((await p.collect(path(), p.envelope(eventSchema, eventDs, rec))).status, 200);
    await k.processor.drain();
    const before = await p.call('GET', `/data/foundation/kith/failed-records?datasetId=${eventDs}`);
    const failed = before.json.records.find((r: { payload: { e?: { _id?: string } } }) => r.payload?.e?._id === 'replay-1');
    assert.ok(failed, 'replay-1 failed first');
    const patch = await p.call(
      'PATCH',
      `/data/foundation/schemaregistry/tenant/schemas/${encodeURIComponent(eventSchema)}`,
      [
        { op: 'add', path: '/meta:extends/-', value: FG('experienceevent-web') },
        { op: 'add', path: '/allOf/-', value: { $ref: FG('experienceevent-web') } },
      ],
    );
    assert.equal(patch.status, 200, patch.body);
    const r = await p.call('POST', '/data/foundation/kith/failed-records/replay', { ids: [failed.id] });
    assert.equal(r.status, 200);
    assert.equal(r.json.replayed, 1);
    await k.processor.drain();
    const table = (await p.getDataset(eventDs)).tags['adobe/pqs/table'][0];
    assert.equal((await k.queryLake(`SELECT _id FROM ${table} WHERE _id = 'replay-1'`)).length, 1);
  });

  it('maps raw JSON through a Data Prep flow (x-adobe-flow-id)', async () => {
    const raw = await p.createInlet('raw inlet', { dataType: 'raw' });
    const ms = await p.call('POST', '/data/foundation/mappingSets', {
      version: 0,
      xdmSchema: profileSchema,
      xdmVersion: '1.0',
      mappings: [
        { sourceType: 'ATTRIBUTE', source: 'email', destination: 'personalEmail.address' },
        { sourceType: 'EXPRESSION', source: 'lower(trim(first))', destination: 'person.name.firstName' },
      ],
    });
    assert.equal(ms.status, 201, ms.body);
    const src = await p.call('POST', '/data/foundation/flowservice/sourceConnections', { name: 'raw src', baseConnectionId: raw.connectionId, connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' } });
    const tgt = await p.call('POST', '/data/foundation/flowservice/targetConnections', {
      name: 'raw tgt',
      data: { schema: { id: profileSchema, version: 'application/vnd.adobe.xed-full+json;version=1.0' } },
      params: { dataSetId: profileDs },
      connectionSpec: { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c', version: '1.0' },
    });
    const flow = await p.call('POST', '/data/foundation/flowservice/flows', {
      name: 'raw flow',
      flowSpec: { id: 'c1a19761-d2c7-4702-b9fa-fe91f0613e81', version: '1.0' },
      sourceConnectionIds: [src.json.id],
      targetConnectionIds: [tgt.json.id],
      transformations: [{ name: 'Mapping', params: { mappingId: ms.json.id, mappingVersion: 0 } }],
    });
    assert.equal(flow.status, 201, flow.body);
    const r = await p.collect(`/collection/${raw.inletId}`, { email: 'raw@example.com', first: '  RAW ' }, { 'x-adobe-flow-id': flow.json.id });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await k.processor.drain();
    const table = (await p.getDataset(profileDs)).tags['adobe/pqs/table'][0];
    const rows = await k.queryLake(`SELECT json_extract_string(record, '$.person.name.firstName') AS f FROM ${table} WHERE json_extract_string(record, '$.personalEmail.address') = 'raw@example.com'`);
    assert.deepEqual(rows.map((x) => x.f), ['raw']);
  });

  it('authenticated inlets require a valid bearer token', async () => {
    const a = await p.createInlet('auth inlet', { authenticationRequired: true });
    const env = p.envelope(profileSchema, profileDs, person('auth@example.com', 'A'));
    assert.equal((await p.collect(`/collection/${a.inletId}`, env)).status, 401);
    assert.equal((await p.collect(`/collection/${a.inletId}`, env, { authorization: 'Bearer nope' })).status, 403);
    assert.equal((await p.collect(`/collection/${a.inletId}`, env, { authorization: `Bearer ${k.local.accessToken}` })).status, 200);
  });
});
