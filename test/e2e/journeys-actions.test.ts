import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { mailHeader, startTestSmtp } from '../../src/testing/smtp-test-server.js';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';
import { journeysOf, publishJourney, startReceiver } from '../helpers/journeys.js';

/**
 * What journeys do to people, end to end through the public APIs: update-profile actions (the merged profile and
 * the "Journey Profile Updates" table), email through a real SMTP server (consent honoured), an identity merge of two
 * people mid-journey through the real identity graph, and step events among a person's events once the user enables
 * Profile on the step profile-event dataset.
 */
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const SE = '_experience.journeyOrchestration.stepEvents';
const LONG = 86_400;

const startSmtp = startTestSmtp;
const header = mailHeader;

describe('journeys: actions and identities end to end', () => {
  let k: TestKith;
  let p: Platform;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let profSchema: string;
  let profDs: string;
  let evSchema: string;
  let evDs: string;
  let inlet: string;

  before(async () => {
    smtp = await startSmtp();
    hook = await startReceiver();
    k = await startTestKith({ smtpUrl: smtp.url });
    p = new Platform(k);
    profSchema = await p.createSchema('Members', FG('profile'), [FG('identitymap'), FG('profile-person-details'), FG('profile-personal-details'), FG('profile-consents'), FG('profile-loyalty-details')], true);
    await p.addIdentityDescriptor(profSchema, '/personalEmail/address', 'Email', true);
    profDs = await p.createDataset('Members', profSchema, { profile: true, identity: true });
    evSchema = await p.createSchema('Member events', FG('experienceevent'), [FG('identitymap'), FG('experienceevent-commerce')], true);
    evDs = await p.createDataset('Member events', evSchema, { profile: true, identity: true });
    inlet = (await p.createInlet('actions inlet')).inletId;
  });
  after(async () => {
    await k.stop();
    await smtp.close();
    await hook.close();
  });

  const post = async (schema: string, ds: string, entity: Record<string, unknown>) => assert.equal((await p.collect(`/collection/${inlet}`, p.envelope(schema, ds, entity))).status, 200);
  const member = (email: string, extra: Record<string, unknown> = {}) => post(profSchema, profDs, { _id: `m-${email}-${Math.random()}`, personalEmail: { address: email }, ...extra });
  const event = (id: string, eventType: string, email: string, extra: Record<string, unknown> = {}) =>
    post(evSchema, evDs, { _id: id, timestamp: new Date().toISOString(), eventType, identityMap: { Email: [{ id: email, primary: true }] }, ...extra });
  const profileOf = async (email: string) => {
    const r = await p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(email)}&entityIdNS=Email`);
    return r.status === 200 ? (Object.values(r.json)[0] as any) : undefined;
  };
  const sql = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ host: '127.0.0.1', port: k.queryPort, user: k.local.orgId, password: k.local.accessToken, database: 'prod:all' });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const datasetNamed = async (name: string) => {
    const r = await p.call('GET', `/data/foundation/catalog/dataSets?name=${encodeURIComponent(name)}`);
    assert.equal(r.status, 200, r.body);
    const found = Object.entries(r.json).find(([, d]) => (d as { name: string }).name === name) as [string, any] | undefined;
    assert.ok(found, `dataset ${name}`);
    return { id: found[0], ds: found[1] };
  };

  it('update profile: the attribute is in the merged profile and the record in the Journey Profile Updates table', async () => {
    await publishJourney(p, {
      name: 'Tier up',
      entry: { type: 'event', eventType: 'loyalty.earned', namespace: 'Email', next: 'tier' },
      nodes: [
        { id: 'tier', type: 'action', action: { kind: 'updateProfile', set: { 'loyalty.tier': 'gold', 'loyalty.points': '{{event.commerce.order.priceTotal}}' } }, next: 'done' },
        { id: 'done', type: 'end' },
      ],
    });
    await member('tier@example.com', { person: { name: { firstName: 'Tia' } } });
    await event('earn-1', 'loyalty.earned', 'tier@example.com', { commerce: { order: { priceTotal: 120 } } });
    const prof = await eventually(async () => {
      const pr = await profileOf('tier@example.com');
      return pr?.entity?.loyalty?.tier === 'gold' ? pr : undefined;
    }, 'the updated profile');
    assert.equal(prof.entity.loyalty.points, 120);
    assert.equal(prof.entity.person.name.firstName, 'Tia', 'merged with what the person had');
    // the first journey of the sandbox provisioned its four system datasets; the profile updates one is on Profile
    for (const name of ['Journey Step Profile Event schema for Journey Orchestration', 'Journey Step Events', 'Journeys', 'Journey Profile Updates']) assert.ok((await datasetNamed(name)).id, name);
    const { ds } = await datasetNamed('Journey Profile Updates');
    assert.deepEqual(ds.tags.unifiedProfile, ['enabled:true']);
    const table = ds.tags['adobe/pqs/table'][0] as string;
    const rows = await eventually(async () => {
      const r = await sql((c) => c.query(`SELECT loyalty.tier AS tier, loyalty.points AS points FROM ${table}`)).catch(() => undefined);
      return r && r.rows.length > 0 ? r.rows : undefined;
    }, 'the profile update in the lake');
    assert.deepEqual(rows.map((r: { tier: string; points: number }) => [r.tier, Number(r.points)]), [['gold', 120]]);
    const [inst] = await journeysOf(p, 'Email', 'tier@example.com');
    const step = inst.steps.find((s: { nodeId: string }) => s.nodeId === 'tier');
    assert.equal(step.action.actionType, 'updateProfile');
    assert.equal(step.stepStatus, 'transitions');
  });

  it('email: one message per person with the templated subject; no consent, no message and the step says why', async () => {
    await publishJourney(p, {
      name: 'Say hello',
      entry: { type: 'event', eventType: 'app.signup', namespace: 'Email', next: 'mail' },
      nodes: [
        { id: 'mail', type: 'action', action: { kind: 'email', from: 'news@brand.example', subject: 'Hello {{profile.person.name.firstName}}', text: 'Welcome, {{profile.person.name.firstName}}.' }, next: 'done' },
        { id: 'done', type: 'end' },
      ],
    });
    await member('ann@example.com', { person: { name: { firstName: 'Ann' } } });
    await member('bob@example.com', { person: { name: { firstName: 'Bob' } } });
    await member('nope@example.com', { person: { name: { firstName: 'Noel' } }, consents: { marketing: { email: { val: 'n' } } } });
    await eventually(async () => (await profileOf('nope@example.com'))?.entity?.consents?.marketing?.email?.val === 'n', 'the consent is on the profile');
    await eventually(async () => (await profileOf('bob@example.com'))?.entity?.person?.name?.firstName === 'Bob', 'the profiles are in');
    for (const who of ['ann', 'bob', 'nope']) await event(`signup-${who}`, 'app.signup', `${who}@example.com`);
    await eventually(async () => {
      const l = await journeysOf(p, 'Email', 'nope@example.com');
      return l[0]?.status === 'ended' && (await journeysOf(p, 'Email', 'ann@example.com'))[0]?.status === 'ended' && (await journeysOf(p, 'Email', 'bob@example.com'))[0]?.status === 'ended';
    }, 'the three instances ended');
    await eventually(async () => smtp.received.length >= 2, 'two messages');
    const byTo = new Map(smtp.received.map((m) => [m.to[0], m]));
    assert.equal(smtp.received.length, 2);
    assert.equal(header(byTo.get('ann@example.com')!.raw, 'Subject'), 'Hello Ann');
    assert.equal(header(byTo.get('bob@example.com')!.raw, 'Subject'), 'Hello Bob');
    assert.equal(byTo.has('nope@example.com'), false);
    const [refused] = await journeysOf(p, 'Email', 'nope@example.com');
    const step = refused.steps.find((s: { nodeId: string }) => s.nodeId === 'mail');
    assert.equal(step.stepStatus, 'transitions');
    assert.equal(step.action.actionType, 'email');
    assert.match(step.action.actionErrorContext, /skipped: no consent: consents\.marketing\.email\.val is 'n'/);
  });

  it('identity merge mid-journey: once a profile links two people, one instance goes on and the other ends (identityMerge)', async () => {
    const { versionId } = await publishJourney(p, {
      name: 'Await the app',
      entry: { type: 'event', eventType: 'web.registered', namespace: 'Email', next: 'hold' },
      nodes: [
        { id: 'hold', type: 'waitForEvent', eventType: 'app.opened', timeoutSeconds: LONG, next: 'ping' },
        { id: 'ping', type: 'action', action: { kind: 'http', method: 'POST', url: hook.url, body: '{"merged":"{{identity.id}}"}' }, next: 'done' },
        { id: 'done', type: 'end' },
      ],
    });
    const waiting = async (email: string) => (await journeysOf(p, 'Email', email)).filter((i) => i.versionId === versionId);
    await event('reg-home', 'web.registered', 'home@example.com');
    await eventually(async () => (await waiting('home@example.com'))[0]?.status === 'waiting', 'home waits');
    await event('reg-work', 'web.registered', 'work@example.com');
    await eventually(async () => (await waiting('work@example.com')).some((i) => i.status === 'waiting'), 'work waits');
    // a profile record holding both emails links them in the identity graph: one person
    await post(profSchema, profDs, { _id: 'link-1', personalEmail: { address: 'home@example.com' }, identityMap: { Email: [{ id: 'home@example.com' }, { id: 'work@example.com' }] } });
    await eventually(async () => {
      const r = await p.call('POST', '/data/core/identity/v2/graph', { composite_xids: [{ ns: 'Email', id: 'work@example.com' }], projection_type: 'set' });
      const members = (r.json?.graphs?.[0]?.members ?? []).map((m: { ns: string; id: string }) => `${m.ns}:${m.id}`);
      return members.includes('Email:home@example.com');
    }, 'the graph links both emails');
    // the awaited event for the second one: the person's journey goes on once, with the instance that entered first
    await event('open-work', 'app.opened', 'work@example.com');
    await eventually(async () => hook.received.some((r) => r.merged), 'the journey went on');
    const instances = await eventually(async () => {
      const l = await waiting('home@example.com');
      return l.length === 2 && l.every((i) => i.status === 'ended') ? l : undefined;
    }, 'both instances ended');
    const went = instances.filter((i) => i.steps.some((s: { nodeId: string }) => s.nodeId === 'ping'));
    const merged = instances.filter((i) => i.steps.at(-1)?.eventID === 'identityMerge');
    assert.equal(went.length, 1);
    assert.equal(merged.length, 1);
    assert.equal(went[0].personKey, 'email:home@example.com', 'the instance that entered first goes on');
    assert.deepEqual(hook.received.filter((r) => r.merged).map((r) => r.merged), ['home@example.com']);
    const n = await eventually(async () => {
      const r = await sql((c) => c.query(`SELECT count(*) AS n FROM journey_step_events WHERE ${SE}.journeyVersionID = $1 AND ${SE}.eventID = 'identityMerge'`, [versionId]));
      return Number(r.rows[0].n) > 0 ? Number(r.rows[0].n) : undefined;
    }, 'the identityMerge step in SQL');
    assert.equal(n, 1);
  });

  it('enabling Profile on the step profile-event dataset puts later steps among the person’s events', async () => {
    const { versionId } = await publishJourney(p, {
      name: 'Visible steps',
      entry: { type: 'event', eventType: 'store.visit', namespace: 'Email', next: 'done' },
      nodes: [{ id: 'done', type: 'end' }],
    });
    const stepsOf = async (email: string) => {
      const r = await p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=${encodeURIComponent(email)}&relatedEntityIdNS=Email`);
      if (r.status !== 200) return [];
      return (r.json.children as any[]).filter((c) => c.entity?._experience?.journeyOrchestration?.stepEvents?.journeyVersionID === versionId);
    };
    await event('visit-before', 'store.visit', 'before@example.com');
    await eventually(async () => (await journeysOf(p, 'Email', 'before@example.com'))[0]?.status === 'ended', 'before went through');
    assert.deepEqual(await stepsOf('before@example.com'), [], 'not profile-enabled: no steps among the events');

    const { id, ds } = await datasetNamed('Journey Step Profile Event schema for Journey Orchestration');
    assert.equal(ds.tags.unifiedProfile, undefined);
    const r = await p.call('PATCH', `/data/foundation/catalog/dataSets/${id}`, JSON.stringify([{ op: 'add', path: '/tags/unifiedProfile', value: ['enabled:true'] }]), { 'content-type': 'application/json-patch+json' });
    assert.equal(r.status, 200, r.body);

    await event('visit-after', 'store.visit', 'after@example.com');
    const steps = await eventually(async () => {
      const s = await stepsOf('after@example.com');
      return s.length >= 2 ? s : undefined;
    }, 'the steps among the person’s events');
    const nodes = steps.map((s) => s.entity._experience.journeyOrchestration.stepEvents.nodeID).sort();
    assert.deepEqual(nodes, ['done', 'start']);
  });

  describe('invalid input', () => {
    const bad = (name: string, node: Record<string, unknown>) => ({ name, entry: { type: 'event', eventType: 'x', namespace: 'Email', next: 'a' }, nodes: [{ id: 'a', type: 'action', action: node, next: 'done' }, { id: 'done', type: 'end' }] });
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['an action URL whose host is a placeholder', { kind: 'http', method: 'POST', url: 'https://{{profile.host}}/x' }, /host/i],
      ['an email subject with an unclosed placeholder', { kind: 'email', from: 'a@b.example', subject: 'Hi {{profile.x', text: 'x' }, /unclosed/i],
      ['an email without a body', { kind: 'email', from: 'a@b.example', subject: 'Hi' }, /text or html/],
      ['an update of identityMap', { kind: 'updateProfile', set: { 'identityMap.Email': 'x' } }, /identityMap/],
      ['an update with nothing to set', { kind: 'updateProfile', set: {} }, /./],
    ];
    for (const [name, action, why] of cases)
      it(`${name} is refused (400)`, async () => {
        const r = await p.call('POST', '/ajo/journeys', bad(`Bad: ${name}`, action));
        if (r.status === 201) {
          const pub = await p.call('POST', `/ajo/journeys/${r.json.journey.id}/versions/${r.json.version.id}/publish`);
          assert.equal(pub.status, 400, pub.body);
          assert.match(pub.body, why);
        } else {
          assert.equal(r.status, 400, r.body);
          assert.match(r.body, why);
        }
      });
    it('a report with a bad `from` is 400', async () => {
      const { journeyId, versionId } = await publishJourney(p, { name: 'Reported', entry: { type: 'event', eventType: 'x', namespace: 'Email', next: 'done' }, nodes: [{ id: 'done', type: 'end' }] });
      const r = await p.call('GET', `/ajo/journeys/${journeyId}/versions/${versionId}/report?from=yesterday`);
      assert.equal(r.status, 400, r.body);
    });
    it('a person’s journeys without an id is 400', async () => {
      const r = await p.call('GET', '/ajo/journey-profiles?namespace=Email');
      assert.equal(r.status, 400, r.body);
    });
  });
});
