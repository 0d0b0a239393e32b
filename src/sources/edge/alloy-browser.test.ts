import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseInteract, resolveEcid } from './interact.js';
import { mapInteractEvents } from './map-event.js';
import { buildInteractResponse } from './response.js';
import { chromiumAvailable, CHROMIUM_PATH, openAlloyPage } from './testing/alloy-page.js';
import type { XdmEvent } from '../shared/xdm-output.js';

const ORG = 'ABC123@AdobeOrg';

describe('real @adobe/alloy in Chromium against the edge core', () => {
  it('page view with Email, then an anonymous productViews: same minted ECID, returned cookie decoded', { skip: chromiumAvailable() ? false : `no Chromium at ${CHROMIUM_PATH}` }, async () => {
    const events: XdmEvent[] = [];
    const sources: string[] = [];
    const p = await openAlloyPage({
      orgId: ORG,
      datastreamId: '11111111-2222-3333-4444-555555555555',
      handle: (call) => {
        const req = parseInteract(JSON.parse(call.body || '{}'));
        if (!req.ok) return { status: req.error.status, body: req.error.body };
        const { ecid, source } = resolveEcid(req.value, { orgId: ORG, cookieHeader: call.headers.cookie });
        sources.push(source);
        const requestId = call.query.get('requestId') ?? 'none';
        events.push(...mapInteractEvents(req.value, { ecid, requestId, receivedAt: Date.now() }).events);
        return { status: 200, body: buildInteractResponse({ requestId, ecid, orgId: ORG }) };
      },
    });
    try {
      await p.sendEvent({ xdm: { eventType: 'web.webpagedetails.pageViews', identityMap: { Email: [{ id: 'jdoe@testprofile.com', authenticatedState: 'authenticated', primary: true }] } } });
      await p.sendEvent({ xdm: { eventType: 'commerce.productViews', productListItems: [{ SKU: 'SKU-1', quantity: 1 }], commerce: { productViews: { value: 1 } } } });
      const identity = (await p.getIdentity()) as { identity?: { ECID?: string } };
      assert.equal(events.length, 2);
      assert.equal(sources[0], 'minted');
      assert.ok(sources.slice(1).every((s) => s === 'state' || s === 'cookie'));
      const ecid = events[0]!.identityMap.ECID![0]!.id;
      assert.equal(events[1]!.identityMap.ECID![0]!.id, ecid);
      assert.equal(identity.identity?.ECID, ecid);
      assert.deepEqual(Object.keys(events[0]!.identityMap).sort(), ['ECID', 'Email']);
    } finally {
      await p.close();
    }
  });
});
