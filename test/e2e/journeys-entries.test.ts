import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import type { StartOptions } from '../../src/runtime/api.js';
import { Platform, eventually } from '../helpers/platform.js';
import { createSegment, journeysOf, publishJourney, startReceiver } from '../helpers/journeys.js';

/**
 * How people enter journeys, end to end through the public APIs: audience qualification (streaming segmentation's
 * transitions, read from the "Audience Membership Events" lake table) with segmentation inline and in its own
 * worker, audience exits as exit criteria, a read of an audience's members (keyed in the journey's namespace),
 * re-entrance and versions.
 */
const LONG = 86_400;

type Setup = Awaited<ReturnType<Platform['customersAndOrders']>>;

async function customer(s: Setup, email: string, lastName: string, crm?: string) {
  const identityMap = crm ? { CRMID: [{ id: crm }] } : undefined;
  assert.equal(await s.post(s.profSchema, s.profDs, { _id: `${email}-${lastName}-${Math.random()}`, personalEmail: { address: email }, person: { name: { firstName: 'X', lastName } }, ...(identityMap ? { identityMap } : {}) }), 200);
}

for (const [mode, opts] of [['segmentation in its worker', {}], ['segmentation inline', { processor: { inline: true } }]] as Array<[string, StartOptions]>) {
  describe(`journeys: audience qualification (${mode})`, () => {
    let k: TestKith;
    let p: Platform;
    let s: Setup;
    let hook: Awaited<ReturnType<typeof startReceiver>>;

    before(async () => {
      hook = await startReceiver();
      k = await startTestKith({}, opts);
      p = new Platform(k);
      s = await p.customersAndOrders('audience inlet');
    });
    after(async () => {
      await k.stop();
      await hook.close();
    });

    it('a profile that qualifies enters, its action arrives; leaving the audience is an exit criterion', async () => {
      const vip = await createSegment(p, 'VIPs', 'person.name.lastName = "VIP"');
      const { versionId } = await publishJourney(p, {
        name: 'Welcome VIPs',
        entry: { type: 'audienceQualification', segmentId: vip, status: 'realized', namespace: 'Email', next: 'hello' },
        nodes: [
          { id: 'hello', type: 'action', action: { kind: 'http', method: 'POST', url: hook.url, body: '{"email":"{{identity.id}}","who":"{{profile.person.name.lastName}}"}' }, next: 'hold' },
          { id: 'hold', type: 'waitForEvent', eventType: 'never.happens', timeoutSeconds: LONG, next: 'done' },
          { id: 'done', type: 'end' },
        ],
        exitCriteria: [{ id: 'left', name: 'Left the VIPs', type: 'audienceExit', segmentId: vip }],
      });
      await customer(s, 'vip@example.com', 'VIP');
      await customer(s, 'plain@example.com', 'Plain');
      const call = await eventually(async () => hook.received.find((r) => r.email === 'vip@example.com'), 'the VIP entered and the action arrived');
      assert.equal(call.who, 'VIP');
      const [inst] = await eventually(async () => {
        const l = await journeysOf(p, 'Email', 'vip@example.com');
        return l[0]?.status === 'waiting' ? l : undefined;
      }, 'the instance waits');
      assert.equal(inst.versionId, versionId);
      assert.equal(inst.steps[0].segmentQualificationStatus, 'realized');

      // the person leaves the audience: the exit criterion ends the instance
      await customer(s, 'vip@example.com', 'Former');
      const ended = await eventually(async () => {
        const l = await journeysOf(p, 'Email', 'vip@example.com');
        return l[0]?.status === 'ended' ? l[0] : undefined;
      }, 'the exit criterion ended the instance');
      const last = ended.steps.at(-1);
      assert.equal(last.exitCriteriaID, 'left');
      assert.equal(last.instanceEnded, true);
      assert.deepEqual(await journeysOf(p, 'Email', 'plain@example.com'), [], 'who never qualified never entered');
      assert.equal(hook.received.filter((r) => r.email === 'vip@example.com').length, 1);
    });
  });
}

describe('journeys: reading an audience, re-entrance, versions', () => {
  let k: TestKith;
  let p: Platform;
  let s: Setup;
  let hook: Awaited<ReturnType<typeof startReceiver>>;

  before(async () => {
    hook = await startReceiver();
    k = await startTestKith();
    p = new Platform(k);
    s = await p.customersAndOrders('reads inlet');
  });
  after(async () => {
    await k.stop();
    await hook.close();
  });

  const order = (id: string, email: string) => s.post(s.evSchema, s.evDs, { _id: id, timestamp: new Date().toISOString(), eventType: 'commerce.purchases', identityMap: { Email: [{ id: email, primary: true }] }, commerce: { order: { priceTotal: 10 } } });

  it('a read of the audience enters every current member once, keyed by their identity in the journey namespace', async () => {
    const gold = await createSegment(p, 'Gold', 'person.name.lastName = "Gold"');
    // one member whose profile also holds a CRMID; the journey keys on CRMID: the member enters under that identity
    await customer(s, 'g1@example.com', 'Gold', 'crm-1');
    await customer(s, 'g2@example.com', 'Gold', 'crm-2');
    await customer(s, 'g3@example.com', 'Gold');
    for (const email of ['g1@example.com', 'g2@example.com', 'g3@example.com'])
      await eventually(async () => {
        const r = await p.call('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${email}&entityIdNS=Email`);
        const e = Object.values(r.json ?? {})[0] as any;
        return e?.entity?.segmentMembership?.ups?.[gold]?.status === 'realized';
      }, `${email} realized`);
    const { journeyId, versionId } = await publishJourney(p, {
      name: 'Gold by CRM',
      entry: { type: 'readAudience', segmentId: gold, namespace: 'CRMID', schedule: { frequency: 'once' }, next: 'tell' },
      nodes: [
        { id: 'tell', type: 'action', action: { kind: 'http', method: 'POST', url: hook.url, body: '{"crm":"{{identity.id}}","ns":"{{identity.namespace}}"}' }, next: 'done' },
        { id: 'done', type: 'end' },
      ],
    });
    const calls = await eventually(async () => {
      const c = hook.received.filter((r) => typeof r.crm === 'string');
      return c.length >= 2 ? c : undefined;
    }, 'the members with a CRMID entered');
    assert.deepEqual(calls.map((c) => c.crm).sort(), ['crm-1', 'crm-2']);
    const report = await eventually(async () => {
      const r = await p.call('GET', `/ajo/journeys/${journeyId}/versions/${versionId}/report`);
      return r.status === 200 && r.json.ended === 2 ? r.json : undefined;
    }, 'the report');
    assert.equal(report.entered, 2, 'the member without a CRMID did not enter');
    const [inst] = await journeysOf(p, 'CRMID', 'crm-1');
    assert.equal(inst.personKey.toLowerCase(), 'crmid:crm-1');
    assert.equal(inst.instanceType, 'batch');
    assert.equal(inst.steps[0].segmentQualificationStatus, 'existing');
  });

  it('re-entrance: none keeps a second event out, afterWait lets it in after the wait', async () => {
    const none = await publishJourney(p, {
      name: 'Once only',
      entry: { type: 'event', eventType: 'commerce.purchases', namespace: 'Email', next: 'ping' },
      nodes: [
        { id: 'ping', type: 'action', action: { kind: 'http', method: 'POST', url: hook.url, body: '{"once":"{{identity.id}}","order":"{{event._id}}"}' }, next: 'done' },
        { id: 'done', type: 'end' },
      ],
    });
    const again = await publishJourney(p, {
      name: 'Again after a while',
      entry: { type: 'event', eventType: 'commerce.purchases', namespace: 'Email', next: 'ping' },
      nodes: [
        { id: 'ping', type: 'action', action: { kind: 'http', method: 'POST', url: hook.url, body: '{"again":"{{identity.id}}","order":"{{event._id}}"}' }, next: 'done' },
        { id: 'done', type: 'end' },
      ],
      reentrance: { mode: 'afterWait', waitSeconds: 1 },
    });
    assert.equal(await order('re-1', 'buyer@example.com'), 200);
    await eventually(async () => hook.received.some((r) => r.once === 'buyer@example.com') && hook.received.some((r) => r.again === 'buyer@example.com'), 'the first entries');
    await eventually(async () => {
      const l = await journeysOf(p, 'Email', 'buyer@example.com');
      return l.length === 2 && l.every((i) => i.status === 'ended');
    }, 'both instances ended');
    // more purchases until the afterWait journey admits one (once its wait has passed); the other never does
    let n = 2;
    await eventually(async () => {
      if (hook.received.some((r) => r.again === 'buyer@example.com' && r.order !== 're-1')) return true;
      assert.equal(await order(`re-${n++}`, 'buyer@example.com'), 200);
      await new Promise((r) => setImmediate(r));
      return false;
    }, 'the afterWait journey let the person in again', 20_000);
    const mine = await journeysOf(p, 'Email', 'buyer@example.com');
    assert.equal(mine.filter((i) => i.journeyId === none.journeyId).length, 1, 'mode none: one instance ever');
    assert.equal(hook.received.filter((r) => r.once === 'buyer@example.com').length, 1);
    const afterWait = mine.filter((i) => i.journeyId === again.journeyId);
    assert.equal(afterWait.length, 2);
    assert.ok(afterWait.some((i) => i.steps[0]?.reentrance === true), 'the second entrance is flagged a re-entrance');
    const [first, second] = afterWait.sort((a, b) => a.enteredAt - b.enteredAt);
    assert.ok(second.enteredAt - first.enteredAt >= 1000, 'not before the wait (the engine’s own entry times)');
  });

  it('versions: a waiting person stays on v1, a new person enters v2; one live version', async () => {
    const def = (tag: string) => ({
      name: 'Versioned',
      entry: { type: 'event', eventType: 'commerce.purchases', namespace: 'Email', condition: 'event.commerce.order.priceTotal > 500', next: 'hold' },
      nodes: [
        { id: 'hold', type: 'waitForEvent', eventType: 'app.opened', timeoutSeconds: LONG, next: 'ping' },
        { id: 'ping', type: 'action', action: { kind: 'http', method: 'POST', url: hook.url, body: `{"version":"${tag}","who":"{{identity.id}}"}` }, next: 'done' },
        { id: 'done', type: 'end' },
      ],
    });
    const v1 = await publishJourney(p, def('v1'));
    const big = (id: string, email: string) => s.post(s.evSchema, s.evDs, { _id: id, timestamp: new Date().toISOString(), eventType: 'commerce.purchases', identityMap: { Email: [{ id: email, primary: true }] }, commerce: { order: { priceTotal: 900 } } });
    const opened = (id: string, email: string) => s.post(s.evSchema, s.evDs, { _id: id, timestamp: new Date().toISOString(), eventType: 'app.opened', identityMap: { Email: [{ id: email, primary: true }] } });
    assert.equal(await big('v-1', 'early@example.com'), 200);
    const inJourney = async (email: string) => (await journeysOf(p, 'Email', email)).filter((i) => i.journeyId === v1.journeyId);
    await eventually(async () => (await inJourney('early@example.com'))[0]?.status === 'waiting', 'early waits on v1');

    const next = await p.call('POST', `/ajo/journeys/${v1.journeyId}/versions`);
    assert.equal(next.status, 201, next.body);
    const v2Id = next.json.version.id as string;
    assert.equal(next.json.version.version, '2.0');
    const edited = await p.call('PUT', `/ajo/journeys/${v1.journeyId}/versions/${v2Id}`, def('v2'));
    assert.equal(edited.status, 200, edited.body);
    const pub = await p.call('POST', `/ajo/journeys/${v1.journeyId}/versions/${v2Id}/publish`);
    assert.equal(pub.status, 200, pub.body);

    assert.equal(await big('v-2', 'late@example.com'), 200);
    await eventually(async () => (await inJourney('late@example.com'))[0]?.status === 'waiting', 'late waits on v2');
    assert.equal(await opened('o-early', 'early@example.com'), 200);
    assert.equal(await opened('o-late', 'late@example.com'), 200);
    await eventually(async () => hook.received.filter((r) => r.version).length === 2, 'both went on');
    assert.equal(hook.received.find((r) => r.who === 'early@example.com').version, 'v1');
    assert.equal(hook.received.find((r) => r.who === 'late@example.com').version, 'v2');
    assert.equal((await inJourney('early@example.com'))[0].versionId, v1.versionId);
    assert.equal((await inJourney('late@example.com'))[0].versionId, v2Id);

    const j = await p.call('GET', `/ajo/journeys/${v1.journeyId}`);
    assert.equal(j.status, 200, j.body);
    assert.equal(j.json.liveVersionId ?? j.json.journey?.liveVersionId, v2Id);
    const versions = await p.call('GET', `/ajo/journeys/${v1.journeyId}/versions`);
    assert.equal(versions.status, 200, versions.body);
    const statuses = versions.json.children.map((v: { status: string }) => v.status).sort();
    assert.deepEqual(statuses, ['finished', 'live']);
  });

  describe('invalid input', () => {
    it('an audience entry naming no segment definition cannot be published (400)', async () => {
      const created = await p.call('POST', '/ajo/journeys', { name: 'Ghost audience', entry: { type: 'audienceQualification', segmentId: 'no-such-segment', status: 'realized', namespace: 'Email', next: 'done' }, nodes: [{ id: 'done', type: 'end' }] });
      assert.equal(created.status, 201, created.body);
      const r = await p.call('POST', `/ajo/journeys/${created.json.journey.id}/versions/${created.json.version.id}/publish`);
      assert.equal(r.status, 400, r.body);
    });
    it('a read schedule with an unknown frequency is refused (400)', async () => {
      const r = await p.call('POST', '/ajo/journeys', { name: 'Bad schedule', entry: { type: 'readAudience', segmentId: 'x', namespace: 'Email', schedule: { frequency: 'weekly' }, next: 'done' }, nodes: [{ id: 'done', type: 'end' }] });
      assert.equal(r.status, 400, r.body);
    });
    it('test mode of an unknown version is 404', async () => {
      const created = await p.call('POST', '/ajo/journeys', { name: 'Test target', entry: { type: 'event', eventType: 'x', namespace: 'Email', next: 'done' }, nodes: [{ id: 'done', type: 'end' }] });
      assert.equal(created.status, 201, created.body);
      const r = await p.call('POST', `/ajo/journeys/${created.json.journey.id}/versions/no-such-version/test`, { identity: { namespace: 'Email', id: 'a@example.com' } });
      assert.equal(r.status, 404, r.body);
    });
    it('a reentrance wait of a negative number of seconds is refused (400)', async () => {
      const r = await p.call('POST', '/ajo/journeys', { name: 'Bad wait', entry: { type: 'event', eventType: 'x', namespace: 'Email', next: 'done' }, nodes: [{ id: 'done', type: 'end' }], reentrance: { mode: 'afterWait', waitSeconds: -1 } });
      assert.equal(r.status, 400, r.body);
    });
  });
});
