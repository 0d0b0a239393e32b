import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';
import { WorkerProcessor } from '../../src/ingest/processor/worker-processor.js';
import { openStorageOrThrow, storageConfigOf } from '../../src/runtime/storage.js';
import { SEGMENT_SOURCE_SPEC } from '../../src/sources/http/segment-routes.js';

const FS = '/data/foundation/flowservice';
const METRICS = '/data/infrastructure/observability/insights/metrics';
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const STREAMING = { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' };
const DAY = 86_400_000;

/** A streaming dataflow: source connection on the inlet's base connection, target connection on the dataset. */
async function dataflow(p: Platform, name: string, connectionId: string, schema: string, ds: string): Promise<string> {
  const sc = await p.call('POST', `${FS}/sourceConnections`, { name: `${name} source`, baseConnectionId: connectionId, connectionSpec: STREAMING });
  assert.equal(sc.status, 201, sc.body);
  const tc = await p.call('POST', `${FS}/targetConnections`, {
    name: `${name} target`,
    data: { schema: { id: schema, version: 'application/vnd.adobe.xed-full+json;version=1.0' } },
    params: { dataSetId: ds },
    connectionSpec: { id: 'c604ff05-7f1a-43c0-8e18-33bf874cb11c', version: '1.0' },
  });
  assert.equal(tc.status, 201, tc.body);
  const f = await p.call('POST', `${FS}/flows`, { name, flowSpec: { id: 'd8a6f005-7eaf-4153-983e-e8574508b877', version: '1.0' }, sourceConnectionIds: [sc.json.id], targetConnectionIds: [tc.json.id] });
  assert.equal(f.status, 201, f.body);
  return f.json.id as string;
}

describe('Dataflow runs: records streamed through a dataflow are counted per run window (received, lake, profile, failed)', () => {
  let k: TestKith;
  let p: Platform;
  let schema = '';
  let ds = '';
  let other = '';
  let flowId = '';
  let flow2 = '';
  let runId = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    schema = await p.createSchema('Members', FG('profile'), [FG('identitymap'), FG('profile-personal-details')], true);
    ds = await p.createDataset('Members', schema, { profile: true, identity: true });
    other = await p.createDataset('Members copy', schema, { profile: true, identity: true });
    const a = await p.createInlet('members stream');
    const b = await p.createInlet('second stream');
    flowId = await dataflow(p, 'Members flow', a.connectionId, schema, ds);
    flow2 = await dataflow(p, 'Second flow', b.connectionId, schema, other);
    const post = async (inlet: string, dataset: string, e: Record<string, unknown>) => assert.equal((await p.collect(`/collection/${inlet}`, p.envelope(schema, dataset, e))).status, 200);
    // four records on the first dataflow: two placed in the profile, one without identity (not ingested to
    // profile), one the processor rejects (a field the schema does not have)
    await post(a.inletId, ds, { _id: 'r1', identityMap: { Email: [{ id: 'ann@example.com', primary: true }] } });
    await post(a.inletId, ds, { _id: 'r2', identityMap: { Email: [{ id: 'bob@example.com', primary: true }] } });
    await post(a.inletId, ds, { _id: 'r3', personalEmail: { address: 'nobody@example.com' } });
    await post(a.inletId, ds, { _id: 'r4', identityMap: { Email: [{ id: 'cy@example.com', primary: true }] }, notInTheSchema: 1 });
    await post(b.inletId, other, { _id: 's1', identityMap: { Email: [{ id: 'dee@example.com', primary: true }] } });
    await k.processor.drain();
  });
  after(() => k.stop());

  it('GET /runs?property=flowId== lists the dataflow\'s run with its record, profile and status summaries', async () => {
    const r = await p.call('GET', `${FS}/runs?property=flowId==${flowId}`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.items.length, 1);
    const run = r.json.items[0];
    runId = run.id;
    assert.equal(run.flowId, flowId);
    assert.deepEqual(run.dataSetIds, [ds]);
    const s = run.metrics.recordSummary;
    assert.deepEqual([s.inputRecordCount, s.outputRecordCount, s.failedRecordCount, s.skippedRecordCount], [4, 3, 1, 0]);
    assert.deepEqual(s.profileRecordSummary, { inputRecordCount: 3, ingestedRecordCount: 2, notIngestedRecordCount: 1 });
    assert.deepEqual(s.targetSummaries.map((t: any) => [t.entityType, t.entityId, t.recordSummary.outputRecordCount]), [['dataset', ds, 3]]);
    assert.deepEqual(run.metrics.statusSummary.errors.map((e: any) => [e.code, e.recordCount]), [['SCHEMA_VALIDATION', 1]]);
    assert.ok(['inProgress', 'partialSuccess'].includes(run.metrics.statusSummary.status));
    assert.ok(run.metrics.sizeSummary.inputBytes > 0);
    assert.ok(run.metrics.durationSummary.completedAtUTC >= run.metrics.durationSummary.startedAtUTC);
    assert.deepEqual(run.activities.map((a: any) => [a.name, a.recordSummary.outputRecordCount, a.recordSummary.failedRecordCount]), [['Data Lake Ingestion', 3, 1], ['Profile Ingestion', 2, 1]]);
    assert.equal(run.runWindow.end - run.runWindow.start, 3_600_000, 'hourly windows by default');
  });

  it('GET /runs/{id} answers the same run; the failed and not-ingested records are where the run says', async () => {
    const r = await p.call('GET', `${FS}/runs/${runId}`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.items[0].metrics.recordSummary.inputRecordCount, 4);
    const failed = await p.call('GET', `/data/foundation/kith/failed-records?datasetId=${ds}`);
    assert.equal(failed.status, 200, failed.body);
    const ni = await p.call('GET', `/data/foundation/kith/not-ingested-to-profile?datasetId=${ds}`);
    assert.deepEqual(ni.json.records.map((x: any) => x.recordId), ['r3']);
  });

  it('filters, orders, counts and pages like the other Flow Service lists', async () => {
    const all = await p.call('GET', `${FS}/runs`);
    assert.deepEqual(all.json.items.map((x: any) => x.flowId).sort(), [flowId, flow2].sort());
    assert.deepEqual((await p.call('GET', `${FS}/runs?count=true`)).json, { count: 2 });
    assert.deepEqual((await p.call('GET', `${FS}/runs?property=dataSetId==${other}`)).json.items.map((x: any) => x.flowId), [flow2]);
    assert.deepEqual((await p.call('GET', `${FS}/runs?property=flowId!=${flowId}`)).json.items.map((x: any) => x.flowId), [flow2]);
    assert.equal((await p.call('GET', `${FS}/runs?property=createdAt>=0&property=flowId==${flowId}`)).json.items.length, 1);
    assert.equal((await p.call('GET', `${FS}/runs?property=createdAt<0`)).json.items.length, 0);
    const first = await p.call('GET', `${FS}/runs?limit=1&orderby=createdAt`);
    assert.equal(first.json.items.length, 1);
    const next = first.json._links.next.href as string;
    assert.match(next, /^\/data\/foundation\/flowservice\/runs\?.*continuationToken=/);
    const second = await p.call('GET', next);
    assert.equal(second.json.items.length, 1);
    assert.equal(second.json._links, undefined, 'the last page has no next link');
    assert.deepEqual([first.json.items[0].id, second.json.items[0].id].sort(), all.json.items.map((x: any) => x.id).sort());
  });

  it('per-dataset ingestion metrics (Observability Insights): one series per dataset, or summed', async () => {
    const now = Date.now();
    const body = (name: string, groupBy: boolean) => ({
      start: new Date(now - 2 * DAY).toISOString(),
      end: new Date(now + 2 * DAY).toISOString(),
      granularity: 'day',
      metrics: [{ name, filters: [{ name: 'dataSetId', value: `${ds}|${other}`, groupBy }], aggregator: 'sum' }],
    });
    const total = (dps: Record<string, number>) => Object.values(dps).reduce((a, b) => a + b, 0);
    const cases: Array<[string, boolean, Record<string, number>]> = [
      ['timeseries.ingestion.dataset.recordsuccess.count', true, { [ds]: 3, [other]: 1 }],
      ['timeseries.ingestion.dataset.recordreceived.count', true, { [ds]: 4, [other]: 1 }],
      ['timeseries.ingestion.dataset.recordfailed.count', true, { [ds]: 1, [other]: 0 }],
      ['timeseries.profile.dataset.recordsuccess.count', true, { [ds]: 2, [other]: 1 }],
      ['timeseries.profile.dataset.recordnotingested.count', true, { [ds]: 1, [other]: 0 }],
      ['timeseries.ingestion.dataset.recordsuccess.count', false, { '': 4 }],
    ];
    for (const [name, groupBy, want] of cases) {
      const r = await p.call('POST', METRICS, body(name, groupBy));
      assert.equal(r.status, 200, r.body);
      const m = r.json.metricResponses[0];
      assert.equal(m.metric, name);
      assert.equal(m.granularity, 'DAY');
      const got = Object.fromEntries(m.datapoints.map((d: any) => [d.groupBy.dataSetId ?? '', total(d.dps)]));
      assert.deepEqual(got, want, name);
      assert.equal(Object.keys(m.datapoints[0].dps).length, 5, 'one point per day of the range, zeros included');
    }
  });

  describe('invalid input: a 4xx in the AEP error shape, never a 500', () => {
    const cases: Array<[string, string, string, unknown, number, RegExp]> = [
      ['a property that is not a filter', 'GET', `${FS}/runs?property=nonsense`, undefined, 400, /not a filter/],
      ['an unknown property', 'GET', `${FS}/runs?property=state==x`, undefined, 400, /cannot filter runs/],
      ['a comparison on an id', 'GET', `${FS}/runs?property=flowId>x`, undefined, 400, /takes == or !=/],
      ['a time that is not one', 'GET', `${FS}/runs?property=createdAt>=yesterday`, undefined, 400, /epoch milliseconds or an ISO 8601/],
      ['an unknown orderby', 'GET', `${FS}/runs?orderby=name`, undefined, 400, /orderby/],
      ['a forged continuation token', 'GET', `${FS}/runs?continuationToken=abc`, undefined, 400, /continuationToken/],
      ['limit 0', 'GET', `${FS}/runs?limit=0`, undefined, 400, /limit/],
      ['limit over 100', 'GET', `${FS}/runs?limit=101`, undefined, 400, /limit/],
      ['an unknown run', 'GET', `${FS}/runs/00000000-0000-5000-a000-000000000000`, undefined, 404, /No run/],
      ['metrics: no body', 'POST', METRICS, {}, 400, /start|metrics/],
      ['metrics: a start that is not a time', 'POST', METRICS, { start: 'x', end: '2026-01-02T00:00:00Z', metrics: [{ name: 'timeseries.ingestion.dataset.size' }] }, 400, /start must be an ISO 8601/],
      ['metrics: end before start', 'POST', METRICS, { start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z', metrics: [{ name: 'timeseries.ingestion.dataset.size' }] }, 400, /end must be after start/],
      ['metrics: an unknown metric', 'POST', METRICS, { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', metrics: [{ name: 'timeseries.nope' }] }, 400, /name/],
      ['metrics: a granularity it has not', 'POST', METRICS, { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', granularity: 'second', metrics: [{ name: 'timeseries.ingestion.dataset.size' }] }, 400, /granularity/],
      ['metrics: too many buckets', 'POST', METRICS, { start: '2000-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', granularity: 'hour', metrics: [{ name: 'timeseries.ingestion.dataset.size' }] }, 400, /more than/],
      ['metrics: a filter on something else', 'POST', METRICS, { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', metrics: [{ name: 'timeseries.ingestion.dataset.size', filters: [{ name: 'flowId', value: 'x' }] }] }, 400, /only dataSetId/],
      ['metrics: an empty dataset list', 'POST', METRICS, { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', metrics: [{ name: 'timeseries.ingestion.dataset.size', filters: [{ name: 'dataSetId', value: '|' }] }] }, 400, /names no dataset/],
      ['metrics: another aggregator', 'POST', METRICS, { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', metrics: [{ name: 'timeseries.ingestion.dataset.size', aggregator: 'max' }] }, 400, /only sum/],
      ['metrics: an unknown key', 'POST', METRICS, { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', metrics: [{ name: 'timeseries.ingestion.dataset.size' }], extra: 1 }, 400, /extra|additional/],
    ];
    for (const [what, method, url, body, status, detail] of cases)
      it(what, async () => {
        const r = await p.call(method, url, body);
        assert.equal(r.status, status, r.body);
        assert.match(JSON.stringify(r.json), detail);
      });
  });

  it('the counters survive a restart', async () => {
    const dir = k.dataDir;
    await k.stop({ keepData: true });
    k = await startTestKith({ dataDir: dir });
    p = new Platform(k);
    const r = await p.call('GET', `${FS}/runs/${runId}`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.items[0].metrics.recordSummary.inputRecordCount, 4);
  });
});

describe('Run counts are exact across a processor crash and a replay of the whole log (a stream without a dataflow: a connection run)', () => {
  let k: TestKith;
  let p: Platform;
  let schema = '';
  let ds = '';
  let inlet = { connectionId: '', inletId: '' };
  let sent = 0;
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    schema = await p.createSchema('Crash events', FG('experienceevent'), [FG('identitymap')], true);
    ds = await p.createDataset('Crash events', schema, { profile: true, identity: true });
    inlet = await p.createInlet('crash');
  });
  after(() => k.stop());

  const post = async (n: number) => {
    const messages = Array.from({ length: n }, (_, i) =>
      p.envelope(schema, ds, { _id: `c-${sent + i}`, timestamp: '2026-01-01T00:00:00Z', eventType: 'crash.test', identityMap: { Email: [{ id: `c${(sent + i) % 5}@crash.example`, primary: true }] } }),
    );
    const r = await p.collect(`/collection/batch/${inlet.inletId}`, { messages });
    assert.equal(r.status, 207, JSON.stringify(r.json));
    sent += n;
  };
  const counts = async () => {
    const r = await p.call('GET', `${FS}/runs?property=connectionId==${inlet.connectionId}`);
    assert.equal(r.status, 200, r.body);
    const sum = (f: (x: any) => number) => r.json.items.reduce((a: number, x: any) => a + f(x), 0);
    assert.ok(r.json.items.every((x: any) => x.flowId === undefined && x.connectionId === inlet.connectionId), 'runs of the connection, no dataflow');
    return {
      received: sum((x) => x.metrics.recordSummary.inputRecordCount),
      ingested: sum((x) => x.metrics.recordSummary.outputRecordCount),
      profile: sum((x) => x.metrics.recordSummary.profileRecordSummary.ingestedRecordCount),
    };
  };

  it('a crashed processor worker replays from its markers; every record is counted once', async () => {
    const wp = k.processor as WorkerProcessor;
    assert.ok(wp instanceof WorkerProcessor);
    for (let i = 0; i < 4; i++) await post(50);
    wp.injectFault();
    await eventually(async () => !wp.running(), 'the worker to exit');
    await post(50);
    await wp.settled();
    await post(50);
    await k.processor.drain();
    assert.deepEqual(await counts(), { received: sent, ingested: sent, profile: sent });
  });

  it("with the log's markers lost (every entry read and sent downstream again), the counts do not move", async () => {
    const dir = k.dataDir;
    const before = await counts();
    await k.stop({ keepData: true });
    const storage = await openStorageOrThrow(storageConfigOf({ ...k.config, dataDir: dir }), 'cli', { extra: ['ingestLog'] });
    await storage.stores.ingestLog!.commit('downstream', 0);
    await storage.stores.ingestLog!.commit('lake', 0);
    await storage.close();
    k = await startTestKith({ dataDir: dir });
    p = new Platform(k);
    await k.processor.drain();
    assert.deepEqual(await counts(), before);
  });
});

describe('A source without a dataflow (Segment): its runs are the connection\'s, failures included', () => {
  let k: TestKith;
  let p: Platform;
  let connectionId = '';
  let auth = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const c = await p.call('POST', `${FS}/connections`, { name: 'site', connectionSpec: { id: SEGMENT_SOURCE_SPEC, version: '1.0' }, auth: { params: {} } });
    assert.equal(c.status, 201, c.body);
    connectionId = c.json.id;
    const writeKey = (await p.call('GET', `${FS}/connections/${connectionId}`)).json.items[0].auth.params.writeKey;
    auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  });
  after(() => k.stop());

  it('counts what the source sent, per dataset of the source, with the failed ones by code', async () => {
    const post = async (path: string, body: unknown) => {
      const r = await k.app.inject({ method: 'POST', url: `/v1/${path}`, headers: { 'content-type': 'application/json', authorization: auth }, payload: JSON.stringify(body) });
      assert.equal(r.statusCode, 200, r.body);
    };
    await post('track', { userId: 'u1', event: 'Signed Up', messageId: 'm1' });
    await post('track', { userId: 'u1', event: 'Ordered', messageId: 'm2' });
    await post('track', { userId: 'u1', event: 7, messageId: 'm3' }); // ill-typed: acknowledged, then a failed record
    await k.processor.drain();
    const r = await p.call('GET', `${FS}/runs?property=connectionId==${connectionId}`);
    assert.equal(r.status, 200, r.body);
    assert.ok(r.json.items.length >= 1);
    const sum = (f: (x: any) => number) => r.json.items.reduce((a: number, x: any) => a + f(x), 0);
    assert.ok(r.json.items.every((x: any) => x.flowId === undefined && x.connectionId === connectionId));
    const received = sum((x) => x.metrics.recordSummary.inputRecordCount);
    const ingested = sum((x) => x.metrics.recordSummary.outputRecordCount);
    const failed = sum((x) => x.metrics.recordSummary.failedRecordCount);
    assert.equal(failed, 1);
    assert.ok(ingested >= 2, `ingested ${ingested}`);
    assert.equal(received, ingested + failed);
    assert.equal(r.json.items.flatMap((x: any) => x.metrics.statusSummary.errors).length, 1);
  });
});
