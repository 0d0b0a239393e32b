import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const LIST = '/data/foundation/kith/not-ingested-to-profile';

describe('Nothing is dropped silently: records not ingested to profile, end to end through /collection', () => {
  let k: TestKith;
  let p: Platform;
  let schema = '';
  let ds = '';
  let inlet = '';
  const post = async (e: Record<string, unknown>) => assert.equal((await p.collect(`/collection/${inlet}`, p.envelope(schema, ds, e))).status, 200);
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    schema = await p.createSchema('Members', FG('profile'), [FG('identitymap'), FG('profile-personal-details')], true);
    ds = await p.createDataset('Members', schema, { profile: true, identity: true });
    inlet = (await p.createInlet('not ingested')).inletId;
  });
  after(() => k.stop());

  it('a record without any (so without a primary) identity is in the lake, counted on its batch with the reason, listed, and in the ingest status', async () => {
    await post({ _id: 'ok-1', identityMap: { Email: [{ id: 'ok@example.com', primary: true }] } });
    await post({ _id: 'no-primary-1', personalEmail: { address: 'no-identity@example.com' } });
    await k.processor.drain();
    await k.processor.flushBatches();

    const list = await p.call('GET', `${LIST}?datasetId=${ds}`);
    assert.equal(list.status, 200, list.body);
    assert.deepEqual(list.json.records.map((r: any) => [r.recordId, r.code, r.record._id]), [['no-primary-1', 'NO_IDENTITY', 'no-primary-1']]);
    const row = list.json.records[0];

    const lake = await k.queryLake(`SELECT count(*)::INT AS n FROM members WHERE _kith_batch_id = '${row.batchId}'`);
    assert.equal(lake[0]!.n, 2, 'both records are in the lake');

    const batch = (await p.call('GET', `/data/foundation/catalog/batches/${row.batchId}`)).json[row.batchId];
    assert.equal(batch.status, 'success');
    assert.equal(batch.failedRecordCount, 0);
    assert.deepEqual(batch.metrics.profileIngestion, {
      recordsIngested: 1,
      recordsNotIngested: 1,
      notIngestedReasons: [{ code: 'NO_IDENTITY', description: row.reason, count: 1 }],
    });

    const one = await p.call('GET', `${LIST}/${row.id}`);
    assert.deepEqual(one.json, row);

    const status = await p.call('GET', '/data/foundation/kith/ingest/status');
    assert.equal(status.status, 200, status.body);
    const mine = status.json.profileIngestion.notIngested.datasets.find((d: any) => d.datasetId === ds);
    assert.deepEqual([mine.sandbox, mine.count, mine.reasons.map((r: any) => `${r.code}:${r.count}`)], ['prod', 1, ['NO_IDENTITY:1']]);
    assert.equal(status.json.profileIngestion.notIngested.recent[0].id, row.id);

    const placed = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=ok@example.com&entityIdNS=Email');
    assert.equal(placed.status, 200, placed.body);
  });

  it('replays a record once its cause is fixed (the namespace now exists): placed in the profile, no longer listed', async () => {
    await post({ _id: 'loyal-1', identityMap: { Loyalty: [{ id: 'L-1', primary: true }] } });
    await k.processor.drain();
    const listed = await p.call('GET', `${LIST}?reason=UNKNOWN_NAMESPACE`);
    assert.deepEqual(listed.json.records.map((r: any) => r.recordId), ['loyal-1']);
    assert.match(listed.json.records[0].reason, /Loyalty:L-1 \(unknown namespace\)/);

    const still = await p.call('POST', `${LIST}/replay`, { reason: 'UNKNOWN_NAMESPACE' });
    assert.deepEqual(still.json, { replayed: 1, ingested: 0, notIngested: 1, skipped: 0 }, 'the cause is not fixed yet');

    assert.equal((await p.call('POST', '/data/core/idnamespace/identities', { name: 'Loyalty', code: 'Loyalty', idType: 'CROSS_DEVICE' })).status, 200);
    const r = await p.call('POST', `${LIST}/replay`, { reason: 'UNKNOWN_NAMESPACE' });
    assert.deepEqual(r.json, { replayed: 1, ingested: 1, notIngested: 0, skipped: 0 });
    const prof = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=L-1&entityIdNS=Loyalty');
    assert.equal(prof.status, 200, prof.body);
    assert.deepEqual((await p.call('GET', `${LIST}?reason=UNKNOWN_NAMESPACE`)).json.records, []);
    const all = await p.call('GET', `${LIST}?reason=UNKNOWN_NAMESPACE&includeReplayed=true`);
    assert.equal(typeof all.json.records[0].replayedAt, 'number');
  });

  it('a batch import is finalised after the profile step saw its records: its metrics count the one it could not place', async () => {
    const c = await p.call('POST', '/data/foundation/import/batches', { datasetId: ds, inputFormat: { format: 'json' } });
    const lines = [{ _id: 'imp-1', identityMap: { Email: [{ id: 'imp@example.com', primary: true }] } }, { _id: 'imp-2', identityMap: { Member: [{ id: 'm-1' }] } }];
    await p.call('PUT', `/data/foundation/import/batches/${c.json.id}/datasets/${ds}/files/rows.json`, Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')), { 'content-type': 'application/octet-stream' });
    assert.equal((await p.call('POST', `/data/foundation/import/batches/${c.json.id}?action=COMPLETE`)).status, 200);
    await k.processor.drain();
    const batch = (await p.call('GET', `/data/foundation/catalog/batches/${c.json.id}`)).json[c.json.id];
    assert.equal(batch.status, 'success');
    assert.equal(batch.recordCount, 2);
    assert.deepEqual(batch.metrics.profileIngestion.recordsNotIngested, 1);
    assert.deepEqual(batch.metrics.profileIngestion.notIngestedReasons.map((r: any) => r.code), ['UNKNOWN_NAMESPACE']);
  });

  it('pages with start and _page.next', async () => {
    await post({ _id: 'page-1' });
    await post({ _id: 'page-2' });
    await k.processor.drain();
    const first = await p.call('GET', `${LIST}?reason=NO_IDENTITY&limit=2`);
    assert.deepEqual(first.json.records.map((r: any) => r.recordId), ['no-primary-1', 'page-1']);
    const second = await p.call('GET', `${LIST}?reason=NO_IDENTITY&limit=2&start=${first.json._page.next}`);
    assert.deepEqual(second.json.records.map((r: any) => r.recordId), ['page-2']);
  });

  it('the routes are documented in /openapi.json', async () => {
    const r = await k.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(r.statusCode, 200);
    const paths = Object.keys(JSON.parse(r.body).paths);
    for (const want of [LIST, `${LIST}/{id}`, `${LIST}/replay`]) assert.ok(paths.includes(want), want);
  });

  describe('invalid input', () => {
    const cases: Array<[string, string, string, unknown, number]> = [
      ['limit 0', 'GET', `${LIST}?limit=0`, undefined, 400],
      ['limit not a number', 'GET', `${LIST}?limit=ten`, undefined, 400],
      ['a start that is not an id', 'GET', `${LIST}?start=abc`, undefined, 400],
      ['a negative since', 'GET', `${LIST}?since=-1`, undefined, 400],
      ['an unknown id', 'GET', `${LIST}/999999`, undefined, 404],
      ['an id that is not a number', 'GET', `${LIST}/abc`, undefined, 404],
      ['replay without a filter', 'POST', `${LIST}/replay`, {}, 400],
      ['replay with an unknown field', 'POST', `${LIST}/replay`, { everything: true }, 400],
      ['replay ids not strings', 'POST', `${LIST}/replay`, { ids: [{}] }, 400],
      ['replay with an empty ids array', 'POST', `${LIST}/replay`, { ids: [] }, 400],
      ['replay with a body that is not an object', 'POST', `${LIST}/replay`, [1], 400],
    ];
    for (const [name, method, url, body, want] of cases)
      it(name, async () => {
        const r = await p.call(method, url, body);
        assert.equal(r.status, want, r.body);
        assert.equal(r.json.status, want);
        assert.equal(typeof r.json.title, 'string');
      });
    it('without the sandbox header: a gateway error', async () => {
      const r = await p.call('GET', LIST, undefined, { 'x-sandbox-name': '' });
      assert.ok(r.status >= 400 && r.status < 500, r.body);
    });
    it('replay of unknown ids skips them', async () => {
      const r = await p.call('POST', `${LIST}/replay`, { ids: ['424242'] });
      assert.deepEqual(r.json, { replayed: 0, ingested: 0, notIngested: 0, skipped: 1 });
    });
  });
});

describe('an import batch is finalised only after the downstream steps saw its records (its profile metrics are complete)', () => {
  it('while the profile step holds the chunk with the batch rows and its end, the batch stays open, though the lake has the rows', async () => {
    const gates = new Map<string, { entered: () => void; release: Promise<void> }>();
    const gate = (id: string) => {
      let entered!: () => void;
      let release!: () => void;
      const e = new Promise<void>((r) => (entered = r));
      const g = { entered, release: new Promise<void>((r) => (release = r)) };
      gates.set(id, g);
      return { entered: e, release };
    };
    const hold = gate('hold-1');
    const rows = gate('imp-a');
    const k = await startTestKith({}, { processor: { inline: true }, downstream: { accept: async (recs) => { for (const r of recs) { const g = gates.get(String(r.entity._id)); if (g) { g.entered(); await g.release; } } } } });
    try {
      const p = new Platform(k);
      const schema = await p.createSchema('Ordered', FG('profile'), [FG('identitymap')], true);
      const ds = await p.createDataset('Ordered', schema, { profile: true, identity: true });
      const inlet = (await p.createInlet('ordered')).inletId;
      // the processor is held on a streaming record, so the batch rows and its end are read in one chunk
      await p.collect(`/collection/${inlet}`, p.envelope(schema, ds, { _id: 'hold-1', identityMap: { Email: [{ id: 'h@example.com', primary: true }] } }));
      await hold.entered;
      const c = await p.call('POST', '/data/foundation/import/batches', { datasetId: ds, inputFormat: { format: 'json' } });
      const lines = [{ _id: 'imp-a', identityMap: { Email: [{ id: 'a@example.com', primary: true }] } }, { _id: 'imp-b' }];
      await p.call('PUT', `/data/foundation/import/batches/${c.json.id}/datasets/${ds}/files/rows.json`, Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')), { 'content-type': 'application/octet-stream' });
      assert.equal((await p.call('POST', `/data/foundation/import/batches/${c.json.id}?action=COMPLETE`)).status, 200);
      hold.release();
      await rows.entered;
      // the lane writes the rows, then waits (inside its write, before its markers) for the downstream steps
      await eventually(async () => {
        const r = await k.queryLake(`SELECT count(*)::INT AS n FROM ordered WHERE _kith_batch_id = '${c.json.id}'`).catch(() => []);
        return r[0]?.n === 2;
      }, 'the lake has the batch rows');
      const open = (await p.call('GET', `/data/foundation/catalog/batches/${c.json.id}`)).json[c.json.id];
      assert.notEqual(open.status, 'success', 'not finalised while the profile step has not seen its rows');
      rows.release();
      await k.processor.drain();
      const done = (await p.call('GET', `/data/foundation/catalog/batches/${c.json.id}`)).json[c.json.id];
      assert.equal(done.status, 'success');
      assert.deepEqual([done.metrics.profileIngestion.recordsIngested, done.metrics.profileIngestion.recordsNotIngested], [1, 1]);
    } finally {
      await k.stop();
    }
  });
});
