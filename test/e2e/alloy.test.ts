import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform } from '../helpers/platform.js';
import { EDGE_DATASTREAM_SPEC } from '../../src/sources/http/edge-routes.js';
import { chromiumAvailable, CHROMIUM_PATH, openAlloyPage } from '../../src/sources/edge/testing/alloy-page.js';

/**
 * The real @adobe/alloy in Debian's headless Chromium (puppeteer-core). Requests to the edge domain are intercepted
 * and forwarded, unchanged, to Kith's /ee endpoints; Kith's replies (status, body, headers) go back to alloy.
 */
describe('AEP Web SDK (@adobe/alloy in Chromium) against Kith', { skip: chromiumAvailable() ? false : `no Chromium at ${CHROMIUM_PATH} (.ci/run installs it)` }, () => {
  let k: TestKith;
  let p: Platform;
  let datastreamId = '';
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const c = await p.call('POST', '/data/foundation/flowservice/connections', { name: 'storefront', connectionSpec: { id: EDGE_DATASTREAM_SPEC, version: '1.0' }, auth: { params: {} } });
    datastreamId = (await p.call('GET', `/data/foundation/flowservice/connections/${c.json.id}`)).json.items[0].auth.params.datastreamId;
  });
  after(() => k.stop());

  it('a page view with identityMap.Email, then a product view without it: one ECID, linked to the email, on both events', async () => {
    const page = await openAlloyPage({
      orgId: k.local.orgId,
      datastreamId,
      handle: async (call) => {
        const r = await k.app.inject({
          method: call.method as 'POST',
          url: `${call.path}?${call.query.toString()}`,
          headers: { ...call.headers, 'content-type': call.headers['content-type'] ?? 'text/plain; charset=UTF-8' },
          payload: call.body,
        });
        return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
      },
    });
    let ecid = '';
    try {
      await page.sendEvent({ xdm: { eventType: 'web.webpagedetails.pageViews', identityMap: { Email: [{ id: 'jdoe@testprofile.com', authenticatedState: 'authenticated', primary: true }] } } });
      await page.sendEvent({ xdm: { eventType: 'commerce.productViews', productListItems: [{ SKU: 'SKU-1', quantity: 1 }], commerce: { productViews: { value: 1 } } } });
      ecid = ((await page.getIdentity()) as { identity: { ECID: string } }).identity.ECID;
    } finally {
      await page.close();
    }
    assert.match(ecid, /^\d{38}$/);
    await k.processor.drain();
    const g = await p.call('POST', '/data/core/identity/v2/graph', { composite_xids: [{ ns: 'Email', id: 'jdoe@testprofile.com' }], projection_type: 'set' });
    assert.deepEqual(g.json.graphs[0].members.map((m: { ns: string; id: string }) => `${m.ns}:${m.id}`).sort(), [`ECID:${ecid}`, 'Email:jdoe@testprofile.com']);
    const sets = await p.call('GET', '/data/foundation/catalog/dataSets');
    const ev = Object.values(sets.json).find((d: any) => d.name === 'Web SDK Events') as { tags: Record<string, string[]> };
    const rows = (await k.queryLake(`SELECT record FROM ${ev.tags['adobe/pqs/table']![0]}`)).map((r) => JSON.parse(String(r.record)));
    assert.deepEqual(rows.map((r) => r.eventType).sort(), ['commerce.productViews', 'web.webpagedetails.pageViews']);
    assert.ok(rows.every((r) => r.identityMap.ECID[0].id === ecid), 'both events carry the same ECID');
    assert.equal(rows.find((r) => r.eventType === 'commerce.productViews').identityMap.Email, undefined);
    // the profile looked up by email has the ECID linked and owns both events
    const prof = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=jdoe@testprofile.com&entityIdNS=Email&fields=identities');
    assert.equal(prof.status, 200, prof.body);
    const entity = (Object.values(prof.json)[0] as { entity: { identities: Array<{ id: string; namespace: { code: string } }> } }).entity;
    assert.ok(entity.identities.some((i) => i.namespace.code === 'ECID' && i.id === ecid), JSON.stringify(entity));
    const evs = await p.call('GET', '/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=jdoe@testprofile.com&relatedEntityIdNS=Email');
    assert.equal(evs.status, 200, evs.body);
    assert.deepEqual(evs.json.children.map((c: { entity: { eventType: string } }) => c.entity.eventType).sort(), ['commerce.productViews', 'web.webpagedetails.pageViews']);
  });
});
