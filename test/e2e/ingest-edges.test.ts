import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const PROFILE = 'https://ns.adobe.com/xdm/context/profile';

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [join(ROOT, 'bin/kith.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) => resolve({ code, out }));
  });
}

describe('ingestion edges', () => {
  const stops: TestKith[] = [];
  after(async () => {
    for (const k of stops) await k.stop();
  });

  it('kith ingest sends a CSV file through the batch API and prints status and first failures', async () => {
    const k = await startTestKith();
    stops.push(k);
    const p = new Platform(k);
    const schema = await p.createSchema('CLI people', PROFILE, ['https://ns.adobe.com/xdm/context/profile-person-details', 'https://ns.adobe.com/xdm/context/profile-personal-details']);
    const ds = await p.createDataset('CLI people', schema);
    const file = join(k.dataDir, 'people.csv');
    writeFileSync(file, 'personalEmail.address,person.name.firstName,person.birthDate\na@example.com,Ann,1990-01-02\nb@example.com,Bob,not-a-date\n');
    const r = await run(['ingest', file, '--dataset', ds, '--data-dir', k.dataDir]);
    assert.match(r.out, /upload \[#+\] 100%/);
    assert.match(r.out, /batch \w+: success, 1 records, 1 failed/);
    assert.match(r.out, /first failures:\n {2}- 1 schema violation\(s\): #\/person\/birthDate/);
    assert.equal(r.code, 0);
  });

  it('batch import: ABORT, and errors for wrong states and inputs', async () => {
    const k = await startTestKith();
    stops.push(k);
    const p = new Platform(k);
    const schema = await p.createSchema('Abort people', PROFILE, []);
    const ds = await p.createDataset('Abort people', schema);
    const c = await p.call('POST', '/data/foundation/import/batches', { datasetId: ds, inputFormat: { format: 'json' } });
    assert.equal(c.status, 201);
    assert.equal(c.json.status, 'loading');
    assert.deepEqual(c.json.relatedObjects, [{ type: 'dataSet', id: ds }]);
    const id = c.json.id;
    assert.equal((await p.call('POST', `/data/foundation/import/batches/${id}?action=ABORT`)).status, 200);
    const b = await p.call('GET', `/data/foundation/catalog/batches/${id}`);
    assert.equal(b.json[id].status, 'aborted');
    const cases: Array<[string, () => Promise<{ status: number }>, number]> = [
      ['upload to an aborted batch', () => p.call('PUT', `/data/foundation/import/batches/${id}/datasets/${ds}/files/a.json`, Buffer.from('{}'), { 'content-type': 'application/octet-stream' }), 409],
      ['complete an aborted batch', () => p.call('POST', `/data/foundation/import/batches/${id}?action=COMPLETE`), 409],
      ['unknown action', () => p.call('POST', `/data/foundation/import/batches/${id}?action=EXPLODE`), 400],
      ['unknown batch', () => p.call('POST', '/data/foundation/import/batches/NOPE?action=COMPLETE'), 404],
      ['missing datasetId', () => p.call('POST', '/data/foundation/import/batches', { inputFormat: { format: 'json' } }), 400],
      ['unknown format', () => p.call('POST', '/data/foundation/import/batches', { datasetId: ds, inputFormat: { format: 'xml' } }), 400],
      ['unknown dataset', () => p.call('POST', '/data/foundation/import/batches', { datasetId: 'nope' }), 400],
    ];
    const open = (await p.call('POST', '/data/foundation/import/batches', { datasetId: ds })).json.id;
    for (const name of ['a%00.json', '%0A', 'a%1F.csv'])
      cases.push([`control character in a file name (${name})`, () => p.call('PUT', `/data/foundation/import/batches/${open}/datasets/${ds}/files/${name}`, Buffer.from('{}'), { 'content-type': 'application/octet-stream' }), 400]);
    for (const [name, call, status] of cases) assert.equal((await call()).status, status, name);
    const c2 = await p.call('POST', '/data/foundation/import/batches', { datasetId: ds });
    const wrongDs = await p.call('PUT', `/data/foundation/import/batches/${c2.json.id}/datasets/other/files/a.json`, Buffer.from('{}'), { 'content-type': 'application/octet-stream' });
    assert.equal(wrongDs.status, 400);
    const badRange = await p.call('PATCH', `/data/foundation/import/batches/${c2.json.id}/datasets/${ds}/files/a.json`, Buffer.from('{}'), { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-1' });
    assert.equal(badRange.status, 404, 'not initialized');
  });

  it('kith ingest explains its usage', async () => {
    const r = await run(['ingest']);
    assert.equal(r.code, 2);
    assert.match(r.out, /usage: kith ingest <file> --dataset/);
  });

  it('answers 429 with Retry-After when the processor is too far behind (back-pressure)', async () => {
    const k = await startTestKith({}, { processor: { disabled: true }, backPressure: { maxBacklog: 5, maxQueued: 1000 } });
    stops.push(k);
    const p = new Platform(k);
    const schema = await p.createSchema('BP', PROFILE, ['https://ns.adobe.com/xdm/context/profile-person-details']);
    const ds = await p.createDataset('BP', schema);
    const inlet = await p.createInlet('bp');
    const statuses: number[] = [];
    let retryAfter: unknown;
    for (let i = 0; i < 12; i++) {
      const r = await p.collect(`/collection/${inlet.inletId}`, p.envelope(schema, ds, { person: { name: { firstName: `n${i}` } } }));
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers['retry-after'];
    }
    assert.ok(statuses.slice(0, 6).every((s) => s === 200), statuses.join(','));
    assert.equal(statuses.at(-1), 429);
    assert.equal(retryAfter, '1');
    const st = await p.call('GET', '/data/foundation/kith/ingest/status');
    assert.equal(st.json.saturated, true);
    assert.ok(st.json.backlog >= 6);
  });

  it('hands records of profile- and identity-enabled datasets downstream in acceptance order', async () => {
    const seen: string[] = [];
    const k = await startTestKith({}, { processor: { inline: true }, downstream: { accept: async (recs) => void seen.push(...recs.map((r) => `${r.dataset.name}:${String(r.entity._id)}`)) } });
    stops.push(k);
    const p = new Platform(k);
    const ev = await p.createSchema('Down events', 'https://ns.adobe.com/xdm/context/experienceevent', ['https://ns.adobe.com/xdm/context/identitymap'], true);
    const enabled = await p.createDataset('Enabled', ev, { profile: true });
    const plain = await p.createDataset('Plain', ev);
    const inlet = await p.createInlet('down');
    for (let i = 0; i < 6; i++) {
      const ds = i % 2 === 0 ? enabled : plain;
      await p.collect(`/collection/${inlet.inletId}`, p.envelope(ev, ds, { _id: `e${i}`, timestamp: '2026-01-01T00:00:00Z' }));
    }
    await k.processor.drain();
    await eventually(async () => seen.length === 3, 'downstream');
    assert.deepEqual(seen, ['Enabled:e0', 'Enabled:e2', 'Enabled:e4']);
  });

  it('stores the downstream and lake markers once the log is drained (under load they are stored every 250 ms)', async () => {
    const k = await startTestKith({}, { processor: { inline: false } });
    stops.push(k);
    const p = new Platform(k);
    const ev = await p.createSchema('Marker events', 'https://ns.adobe.com/xdm/context/experienceevent', ['https://ns.adobe.com/xdm/context/identitymap'], true);
    const ds = await p.createDataset('Marker', ev, { profile: true });
    const inlet = await p.createInlet('marker');
    for (let i = 0; i < 20; i++) await p.collect(`/collection/${inlet.inletId}`, p.envelope(ev, ds, { _id: `m${i}`, timestamp: '2026-01-01T00:00:00Z', identityMap: { Email: [{ id: `m${i}@x.com`, primary: true }] } }));
    // nobody drains: the idle processor stores both markers by itself
    await eventually(async () => {
      const st = (await p.call('GET', '/data/foundation/kith/ingest/status')).json;
      return st.downstreamOffset === st.logHead && st.lakeOffset === st.logHead && st.logHead >= 20;
    }, 'markers at the log head');
  });

  it('retention deletes consumed log entries, keeps the data in the lake and profile, and offsets go on after a restart', async () => {
    const k = await startTestKith({ ingestLogRetentionMinutes: 0 }, { processor: { inline: false }, retentionMinAgeMs: 0 });
    const p = new Platform(k);
    const ev = await p.createSchema('Retained events', 'https://ns.adobe.com/xdm/context/experienceevent', ['https://ns.adobe.com/xdm/context/identitymap'], true);
    const ds = await p.createDataset('Retained', ev, { profile: true });
    const inlet = await p.createInlet('retained');
    for (let i = 0; i < 10; i++) await p.collect(`/collection/${inlet.inletId}`, p.envelope(ev, ds, { _id: `r${i}`, timestamp: '2026-01-01T00:00:00Z', identityMap: { Email: [{ id: 'keep@x.com', primary: true }] } }));
    await eventually(async () => {
      const st = (await p.call('GET', '/data/foundation/kith/ingest/status')).json;
      return st.downstreamOffset === st.logHead && st.lakeOffset === st.logHead;
    }, 'consumed');
    const before = (await p.call('GET', '/data/foundation/kith/ingest/status')).json;
    assert.equal(before.retention.retentionMinutes, 0);
    const run = await k.retention.run();
    assert.ok(run.deleted >= 10, `deleted ${run.deleted}`);
    const st = (await p.call('GET', '/data/foundation/kith/ingest/status')).json;
    assert.equal(st.retention.entries, 0);
    assert.equal(st.retention.oldestOffset, st.logHead + 1);
    // the data itself is not in the log: the lake and the profile still have every event
    const table = (await p.getDataset(ds)).tags['adobe/pqs/table'][0];
    assert.equal((await k.queryLake(`SELECT count(*)::INTEGER AS n FROM ${table}`))[0]!.n, 10);
    const evs = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=keep@x.com&relatedEntityIdNS=Email');
    assert.equal(evs.json.children.length, 10);
    const head = st.logHead as number;
    await k.stop({ keepData: true });
    const k2 = await startTestKith({ dataDir: k.dataDir, ingestLogRetentionMinutes: 0 }, { processor: { inline: false }, retentionMinAgeMs: 0 });
    stops.push(k2);
    const p2 = new Platform(k2);
    assert.equal((await p2.collect(`/collection/${inlet.inletId}`, p2.envelope(ev, ds, { _id: 'r10', timestamp: '2026-01-01T00:00:00Z', identityMap: { Email: [{ id: 'keep@x.com', primary: true }] } }))).status, 200);
    await eventually(async () => {
      const s2 = (await p2.call('GET', '/data/foundation/kith/ingest/status')).json;
      return s2.logHead === head + 1 && s2.lakeOffset === head + 1 && s2.downstreamOffset === head + 1;
    }, 'a new entry gets the next offset and is consumed after the restart');
    assert.equal((await k2.queryLake(`SELECT count(*)::INTEGER AS n FROM ${table}`))[0]!.n, 11);
  });
});
