import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { ManualClock } from '../../src/shared/clock.js';
import { Platform, eventually } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const DAY = 86_400_000;
const PROFILE = (email: string) => `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(email)}&entityIdNS=Email`;

describe('Segmentation, end to end through /collection (streaming qualification and window expiry)', () => {
  let k: TestKith;
  let p: Platform;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  let evSchema = '', evDs = '', profSchema = '', profDs = '', inlet = '';
  const post = async (schema: string, ds: string, e: Record<string, unknown>) => {
    const r = await p.collect(`/collection/${inlet}`, p.envelope(schema, ds, e));
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  const settle = async () => {
    await k.processor.drain();
    await k.processor.remote.segments.drain();
  };
  const membership = async (email: string, segmentId: string) => {
    const r = await p.call('GET', PROFILE(email));
    if (r.status !== 200) return undefined;
    const prof = Object.values(r.json)[0] as any;
    return prof.entity.segmentMembership?.ups?.[segmentId] as { status: string; lastQualificationTime: string; version: number } | undefined;
  };

  before(async () => {
    k = await startTestKith({}, { clock });
    p = new Platform(k);
    profSchema = await p.createSchema('Customers', 'https://ns.adobe.com/xdm/context/profile', [FG('identitymap'), FG('profile-person-details'), FG('profile-personal-details')], true);
    await p.addIdentityDescriptor(profSchema, '/personalEmail/address', 'Email', true);
    evSchema = await p.createSchema('Orders', 'https://ns.adobe.com/xdm/context/experienceevent', [FG('identitymap'), FG('experienceevent-commerce')], true);
    profDs = await p.createDataset('Customers', profSchema, { profile: true, identity: true });
    evDs = await p.createDataset('Orders', evSchema, { profile: true, identity: true });
    inlet = (await p.createInlet('segmentation e2e')).inletId;
  });
  after(() => k.stop());

  it('qualifies "purchased 3+ times in 30 days" on the third purchase, then exits when the window slides past', async () => {
    const def = await p.call('POST', '/data/core/ups/segment/definitions', {
      name: 'Frequent buyers',
      description: 'purchased 3+ times in 30 days',
      schema: { name: '_xdm.context.profile' },
      expression: { type: 'PQL', format: 'pql/text', value: 'xEvent[eventType = "commerce.purchases" and timestamp occurs <= 30 days before now].count() >= 3' },
    });
    assert.equal(def.status, 200, def.body);
    const segId = def.json.id as string;
    assert.equal(def.json.evaluationInfo.continuous.enabled, true, 'a counted window is streaming-eligible in Kith');
    assert.equal(def.json.profileInstanceId, 'ups');
    assert.equal(def.json.schema.name, '_xdm.context.profile');

    await post(profSchema, profDs, { personalEmail: { address: 'jane@example.com' }, person: { name: { firstName: 'Jane' } } });
    const now = clock.now();
    for (let i = 0; i < 2; i++)
      await post(evSchema, evDs, {
        _id: `o-${i}`, timestamp: new Date(now - (10 - i) * DAY).toISOString(), eventType: 'commerce.purchases',
        identityMap: { Email: [{ id: 'jane@example.com', primary: true }] }, commerce: { order: { priceTotal: 20 }, purchases: { value: 1 } },
      });
    await settle();
    assert.equal(await membership('jane@example.com', segId), undefined, 'two purchases do not qualify');

    await post(evSchema, evDs, {
      _id: 'o-2', timestamp: new Date(now - 1 * DAY).toISOString(), eventType: 'commerce.purchases',
      identityMap: { Email: [{ id: 'jane@example.com', primary: true }] }, commerce: { order: { priceTotal: 20 }, purchases: { value: 1 } },
    });
    const realized = await eventually(async () => {
      await settle();
      const m = await membership('jane@example.com', segId);
      return m?.status === 'realized' ? m : undefined;
    }, 'realized membership');
    assert.equal(realized.lastQualificationTime, new Date(now).toISOString());
    assert.equal(realized.version, 1);

    const aud = await p.call('GET', `/data/core/ups/audiences/${segId}`);
    assert.equal(aud.status, 200, aud.body);
    assert.equal(aud.json.metrics.data.totalProfiles, 1);

    // 21 days on, the oldest purchase (10 days before "now") leaves the 30-day window: two left, the member exits
    clock.advance(21 * DAY);
    const exited = await eventually(async () => {
      await k.processor.remote.segments.tick();
      const m = await membership('jane@example.com', segId);
      return m?.status === 'exited' ? m : undefined;
    }, 'exited membership after the window slid');
    assert.equal(exited.lastQualificationTime, new Date(clock.now()).toISOString());

    // every transition is an audience-membership event in the system dataset, countable with SQL
    await k.processor.remote.segments.tick();
    const datasets = await p.call('GET', '/data/foundation/catalog/dataSets?limit=100');
    const eventsDs = Object.values(datasets.json as Record<string, any>).find((d) => d.name === 'Audience Membership Events');
    assert.ok(eventsDs, 'the system dataset exists');
    const table = eventsDs.tags['adobe/pqs/table'][0];
    const rows = await k.queryLake(`SELECT record->>'$._kith.audienceMembership.status' AS status FROM ${table} WHERE record->>'$._kith.audienceMembership.segmentId' = '${segId}' ORDER BY "timestamp"`);
    assert.deepEqual(rows.map((r) => r.status), ['realized', 'exited']);
  });

  it('a schedule (/config/schedules) runs a batch job at its cron time; AEP shapes, 204s and problem bodies', async () => {
    const def = await p.call('POST', '/data/core/ups/segment/definitions', {
      name: 'Named Jane (batch)',
      schema: { name: '_xdm.context.profile' },
      expression: { type: 'PQL', format: 'pql/text', value: 'person.name.firstName = "Jane"' },
      evaluationInfo: { batch: { enabled: true }, continuous: { enabled: false } },
    });
    assert.equal(def.status, 200, def.body);
    const at = new Date(clock.now() + DAY);
    const cron = `0 ${at.getUTCMinutes()} ${at.getUTCHours()} * * ?`; // this time tomorrow
    const created = await p.call('POST', '/data/core/ups/config/schedules', { name: 'Nightly', type: 'batch_segmentation', properties: { segments: ['*'] }, schedule: cron, state: 'active' });
    assert.equal(created.status, 200, created.body);
    const s = created.json;
    assert.deepEqual(Object.keys(s).sort(), ['createEpoch', 'id', 'imsOrgId', 'name', 'properties', 'sandbox', 'schedule', 'state', 'type', 'updateEpoch']);
    assert.equal(s.sandbox.sandboxName, 'prod');
    assert.deepEqual(s.properties, { segments: ['*'] });
    assert.equal((await p.call('GET', `/data/core/ups/config/schedules/${s.id}`)).json.schedule, cron);
    const list = await p.call('GET', '/data/core/ups/config/schedules?limit=10');
    assert.equal(list.json._page.totalCount, 1);
    assert.equal(list.json.children[0].id, s.id);

    const jobs = async () => ((await p.call('GET', '/data/core/ups/segment/jobs?limit=100')).json.children as any[]).filter((j) => j.source === 'scheduler');
    await k.processor.remote.segments.tick();
    assert.equal((await jobs()).length, 0, 'not before its time');
    clock.advance(DAY + 1000);
    await k.processor.remote.segments.tick();
    const job = await eventually(async () => {
      const [j] = await jobs();
      return j?.status === 'SUCCEEDED' ? j : undefined;
    }, 'the scheduled job ran');
    assert.equal(job.properties.scheduleId, s.id);
    assert.ok(job.segments.some((x: any) => x.segmentId === def.json.id));
    assert.equal((await membership('jane@example.com', def.json.id))?.status, 'realized');

    const patched = await p.call('PATCH', `/data/core/ups/config/schedules/${s.id}`, [{ op: 'add', path: '/state', value: 'inactive' }], { 'content-type': 'application/json-patch+json' });
    assert.equal(patched.status, 204, patched.body);
    assert.equal((await p.call('GET', `/data/core/ups/config/schedules/${s.id}`)).json.state, 'inactive');
    const bad = await p.call('POST', '/data/core/ups/config/schedules', { name: 'Hourly', type: 'batch_segmentation', properties: { segments: ['*'] }, schedule: '0 0 * * * ?' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.detail, /at most once a day/);
    assert.equal((await p.call('DELETE', `/data/core/ups/config/schedules/${s.id}`)).status, 204);
    const gone = await p.call('GET', `/data/core/ups/config/schedules/${s.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.status, 404);
  });
});
