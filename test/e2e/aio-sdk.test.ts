import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '@adobe/aio-lib-customer-profile';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform } from '../helpers/platform.js';

const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const ECID = '12345678901234567890123456789012345678';

/** The slice of swagger-client's request the interceptor rewrites. */
interface SwaggerRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
}

/**
 * Adobe's Node SDK for the profile API, unchanged, against a real Kith on 127.0.0.1. The SDK has no host option:
 * its swagger-client instance (the client's `sdk` property) reads `requestInterceptor` on every call, so setting it
 * there sends the SDK's requests, exactly as built, to Kith instead of https://platform.adobe.io.
 */
describe('@adobe/aio-lib-customer-profile against Kith', () => {
  let k: TestKith;
  let p: Platform;
  const sent: SwaggerRequest[] = [];
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const prof = await p.createSchema('SDK customers', FG('profile'), [FG('identitymap'), FG('profile-person-details'), FG('profile-personal-details')], true);
    const ev = await p.createSchema('SDK events', FG('experienceevent'), [FG('identitymap'), FG('experienceevent-web')], true);
    const profDs = await p.createDataset('SDK customers', prof, { profile: true, identity: true });
    const evDs = await p.createDataset('SDK events', ev, { profile: true, identity: true });
    const inlet = (await p.createInlet('sdk')).inletId;
    const post = async (schema: string, ds: string, e: Record<string, unknown>) => assert.equal((await p.collect(`/collection/${inlet}`, p.envelope(schema, ds, e))).status, 200);
    await post(prof, profDs, { identityMap: { ECID: [{ id: ECID, primary: true }] }, person: { name: { firstName: 'Ada' } } });
    for (let i = 0; i < 2; i++)
      await post(ev, evDs, { _id: `sdk-${i}`, timestamp: `2026-03-0${i + 1}T10:00:00Z`, eventType: 'web.webpagedetails.pageViews', identityMap: { ECID: [{ id: ECID, primary: true }] }, web: { webPageDetails: { name: `page ${i}` } } });
    await k.processor.drain();
  });
  after(() => k.stop());

  const client = async () => {
    const c = await init(k.local.tenantId, k.local.orgId, k.local.apiKey, k.local.accessToken, 'prod');
    const base = new URL(k.baseUrl);
    (c as unknown as { sdk: { requestInterceptor: (r: SwaggerRequest) => SwaggerRequest } }).sdk.requestInterceptor = (req) => {
      const u = new URL(req.url);
      assert.equal(u.origin, 'https://platform.adobe.io', 'the SDK aims at Adobe');
      req.url = `${base.origin}${u.pathname}${u.search}`;
      sent.push({ ...req, headers: { ...req.headers } });
      return req;
    };
    return c;
  };

  it('getProfile finds the profile by ECID', async () => {
    const r = (await (await client()).getProfile({ entityId: ECID, entityIdNS: 'ECID' })) as unknown as { status: number; body: Record<string, any> };
    assert.equal(r.status, 200);
    const [entityId, prof] = Object.entries(r.body)[0]!;
    assert.equal(prof.entityId, entityId);
    assert.equal(prof.entity.person.name.firstName, 'Ada');
    const q = new URL(sent.at(-1)!.url).searchParams;
    assert.equal(q.get('schema.name'), '_xdm.context.profile');
    assert.equal(sent.at(-1)!.headers['x-sandbox-name'], 'prod');
  });

  it('getExperienceEvents sends schema.name=xdm.context.experienceevent (no underscore) and gets the events', async () => {
    const r = (await (await client()).getExperienceEvents({ relatedEntityId: ECID, relatedEntityIdNS: 'ECID', orderby: '-timestamp' })) as unknown as { status: number; body: Record<string, any> };
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.children.map((c: { entityId: string }) => c.entityId), ['sdk-1', 'sdk-0']);
    const q = new URL(sent.at(-1)!.url).searchParams;
    assert.equal(q.get('schema.name'), 'xdm.context.experienceevent');
    assert.equal(q.get('relatedSchema.name'), '_xdm.context.profile');
  });
});
