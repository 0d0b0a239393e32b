import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { ManualClock } from '../../src/shared/clock.js';
import { Platform, eventually } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const DAY = 86_400_000;
const TYPE = 'loyaltyBalanceUpdate';

/**
 * The first folder of Adobe's "Profile integration for ISVs" collection registers a custom event type; events of
 * that type must then pass validation, select in PQL and feed computed attributes like a standard type.
 */
describe('a custom event type, registered then used end to end', () => {
  let k: TestKith;
  let p: Platform;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  let evSchema = '', evDs = '', inlet = '';
  before(async () => {
    k = await startTestKith({}, { clock });
    p = new Platform(k);
    const created = await k.app.inject({
      method: 'POST',
      url: '/data/core/ups/config/eventTypes',
      headers: k.headers({ 'content-type': 'text/plain' }),
      payload: JSON.stringify({ id: TYPE, imsOrgId: k.local.orgId, title: 'Loyalty Balance Update', description: 'Change to the points balance for a loyalty member', global: true }),
    });
    assert.equal(created.statusCode, 200, created.body);
    evSchema = await p.createSchema('Loyalty events', FG('experienceevent'), [FG('identitymap')], true);
    evDs = await p.createDataset('Loyalty events', evSchema, { profile: true, identity: true });
    inlet = (await p.createInlet('loyalty')).inletId;
  });
  after(() => k.stop());

  it('validates, qualifies a PQL audience and counts in a computed attribute', async () => {
    const seg = await p.call('POST', '/data/core/ups/segment/definitions', {
      name: 'Loyalty movers',
      schema: { name: '_xdm.context.profile' },
      expression: { type: 'PQL', format: 'pql/text', value: `xEvent[eventType = "${TYPE}"].count() >= 2` },
    });
    assert.equal(seg.status, 200, seg.body);
    const ca = await p.call('POST', '/data/core/ca/attributes', { name: 'balanceUpdates', expression: { function: 'COUNT', eventType: TYPE, lookbackDays: 30 } });
    assert.equal(ca.status, 200, ca.body);

    for (let i = 0; i < 2; i++) {
      const r = await p.collect(
        `/collection/${inlet}?syncValidation=true`,
        p.envelope(evSchema, evDs, { _id: `l-${i}`, timestamp: new Date(clock.now() - (i + 1) * DAY).toISOString(), eventType: TYPE, identityMap: { Email: [{ id: 'member@example.com', primary: true }] } }),
      );
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.deepEqual(r.json.syncValidation, { status: 'pass' });
    }
    const member = await eventually(async () => {
      await k.processor.drain();
      await k.processor.remote.segments.drain();
      const r = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=member@example.com&entityIdNS=Email&withCA=true');
      if (r.status !== 200) return undefined;
      const prof = Object.values(r.json)[0] as any;
      return prof.entity.segmentMembership?.ups?.[seg.json.id]?.status === 'realized' ? prof : undefined;
    }, 'realized membership');
    assert.equal(member.entity.computedAttributes.balanceUpdates, 2);
  });
});
