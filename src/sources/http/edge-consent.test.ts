import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../testing/test-kith.js';
import { Platform } from '../../../test/helpers/platform.js';
import { EDGE_DATASTREAM_SPEC } from './source-specs.js';
import { encodeIdentityCookie } from '../edge/identity-cookie.js';
import { mintEcid } from '../edge/ecid.js';

const FS = '/data/foundation/flowservice';
type Row = { eventType?: string; identityMap?: Record<string, Array<{ id: string }>> };

/**
 * The Web SDK path honours the consent stored for a request's identities (set-consent or ingested), not only the
 * consent cookie: an expired consent cookie beside a live identity cookie, or a server-side forwarder, is refused.
 */
describe('Edge Network: stored consent', () => {
  let k: TestKith;
  let p: Platform;
  let configId = '';
  let connectionId = '';
  let prefix = '';
  let eventsTable = '';
  let n = 0;
  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const c = await p.call('POST', `${FS}/connections`, { name: 'web', connectionSpec: { id: EDGE_DATASTREAM_SPEC, version: '1.0' }, auth: { params: {} } });
    assert.equal(c.status, 201, c.body);
    connectionId = c.json.id;
    configId = (await p.call('GET', `${FS}/connections/${connectionId}`)).json.items[0].auth.params.datastreamId;
    prefix = `kndctr_${k.local.orgId.replace('@', '_')}`;
    // one collected event, so the datastream's event table exists before the cases count rows in it
    assert.equal((await send('/ee/v1/interact', { events: [event('test.warmup')] })).statusCode, 200);
    assert.equal(await landed('test.warmup'), 1);
  });
  after(() => k.stop());

  const send = (path: string, body: unknown, cookie?: string) =>
    k.app.inject({ method: 'POST', url: `${path}?configId=${configId}&requestId=r-${n++}`, headers: { 'content-type': 'text/plain', ...(cookie ? { cookie } : {}) }, payload: JSON.stringify(body) });
  const event = (eventType: string, identityMap?: Record<string, unknown>) => ({ xdm: { eventType, timestamp: '2026-01-01T00:00:00Z', ...(identityMap ? { identityMap } : {}) } });
  const setConsent = async (ecid: string, general: 'in' | 'out', identityMap?: Record<string, unknown>) => {
    const r = await send('/ee/v1/privacy/set-consent', { consent: [{ standard: 'Adobe', version: '1.0', value: { general } }], ...(identityMap ? { identityMap } : {}) }, `${prefix}_identity=${encodeIdentityCookie(ecid)}`);
    assert.equal(r.statusCode, 200, r.body);
    await k.processor.drain();
  };
  const landed = async (eventType: string): Promise<number> => {
    await k.processor.drain();
    if (!eventsTable) {
      const sets = (await p.call('GET', '/data/foundation/catalog/dataSets')).json as Record<string, { name: string; tags: Record<string, string[]> }>;
      eventsTable = Object.values(sets).find((d) => d.name === 'Web SDK Events')!.tags['adobe/pqs/table']![0]!;
    }
    const rows = (await k.queryLake(`SELECT record FROM ${eventsTable}`)).map((r) => JSON.parse(String(r.record)) as Row);
    return rows.filter((r) => r.eventType === eventType).length;
  };
  const stats = async () => (await p.call('GET', `/data/foundation/kith/sources/edge/${connectionId}/stats`)).json.consent;
  /** Ingests a profile record with XDM consents through a streaming inlet into the datastream's profile dataset. */
  const ingestConsent = async (email: string, val: 'y' | 'n') => {
    const sets = (await p.call('GET', '/data/foundation/catalog/dataSets')).json as Record<string, { name: string; schemaRef: { id: string } }>;
    const [dsId, ds] = Object.entries(sets).find(([, d]) => d.name === 'Web SDK Profiles')!;
    const inlet = await p.createInlet(`crm-${email}`);
    const r = await p.collect(`/collection/${inlet.inletId}?syncValidation=true`, p.envelope(ds.schemaRef.id, dsId, { identityMap: { Email: [{ id: email, primary: true }] }, consents: { collect: { val } } }));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await k.processor.drain();
  };

  const cases: Array<{ name: string; run: (eventType: string) => Promise<{ statusCode: number }>; collected: boolean; by?: 'cookie' | 'stored' | 'default' }> = [
    {
      name: 'opted out through set-consent; identity cookie without the (expired) consent cookie → refused',
      run: async (t) => {
        const ecid = mintEcid();
        await setConsent(ecid, 'out');
        return send('/ee/v1/interact', { events: [event(t)] }, `${prefix}_identity=${encodeIdentityCookie(ecid)}`);
      },
      collected: false,
      by: 'stored',
    },
    {
      name: 'opted out; alloy forwards the identity cookie in meta.state.entries → refused',
      run: async (t) => {
        const ecid = mintEcid();
        await setConsent(ecid, 'out');
        return send('/ee/v1/collect', { events: [event(t)], meta: { state: { entries: [{ key: `${prefix}_identity`, value: encodeIdentityCookie(ecid) }] } } });
      },
      collected: false,
      by: 'stored',
    },
    {
      name: 'opted out; a server-side forwarder (v2, no cookies) sends the ECID in identityMap → refused',
      run: async (t) => {
        const ecid = mintEcid();
        await setConsent(ecid, 'out');
        return send('/ee/v2/collect', { event: event(t, { ECID: [{ id: ecid, primary: true }] }) });
      },
      collected: false,
      by: 'stored',
    },
    {
      name: 'opted out with an email on one device; another device sends that email → refused',
      run: async (t) => {
        await setConsent(mintEcid(), 'out', { Email: [{ id: 'linked@example.com', primary: true }] });
        return send('/ee/v1/interact', { events: [event(t, { Email: [{ id: 'linked@example.com', authenticatedState: 'authenticated', primary: true }] })] });
      },
      collected: false,
      by: 'stored',
    },
    {
      name: 'ingested consents.collect.val = n for an email → refused',
      run: async (t) => {
        await ingestConsent('crm-out@example.com', 'n');
        return send('/ee/v1/interact', { events: [event(t, { Email: [{ id: 'crm-out@example.com', primary: true }] })] });
      },
      collected: false,
      by: 'stored',
    },
    {
      name: 'a consent cookie saying in, older than an opt-out stored since → refused',
      run: async (t) => {
        const ecid = mintEcid();
        await setConsent(ecid, 'in');
        await setConsent(ecid, 'out');
        return send('/ee/v1/interact', { events: [event(t)] }, `${prefix}_identity=${encodeIdentityCookie(ecid)}; ${prefix}_consent=general=in`);
      },
      collected: false,
      by: 'stored',
    },
    {
      name: 'opted out, then in again → collected',
      run: async (t) => {
        const ecid = mintEcid();
        await setConsent(ecid, 'out');
        await setConsent(ecid, 'in');
        return send('/ee/v1/interact', { events: [event(t)] }, `${prefix}_identity=${encodeIdentityCookie(ecid)}`);
      },
      collected: true,
    },
    {
      name: 'the consent cookie says out → refused without a lookup',
      run: (t) => send('/ee/v1/interact', { events: [event(t)] }, `${prefix}_consent=general=out`),
      collected: false,
      by: 'cookie',
    },
    {
      name: 'nothing stored, no consent cookie → the datastream default (in) → collected',
      run: (t) => send('/ee/v1/interact', { events: [event(t)] }, `${prefix}_identity=${encodeIdentityCookie(mintEcid())}`),
      collected: true,
    },
  ];
  for (const [i, c] of cases.entries())
    it(c.name, async () => {
      const eventType = `test.consent${i}`;
      const before = await stats();
      const r = await c.run(eventType);
      assert.ok(r.statusCode === 200 || r.statusCode === 204, String(r.statusCode));
      assert.equal(await landed(eventType), c.collected ? 1 : 0);
      const after = await stats();
      assert.equal(after.refusedRequests - before.refusedRequests, c.collected ? 0 : 1);
      assert.equal(after.refusedEvents - before.refusedEvents, c.collected ? 0 : 1);
      if (c.by) assert.equal(after.refusedBy[c.by] - before.refusedBy[c.by], 1);
    });

  it('a datastream whose default is out collects once the profile has opted in', async () => {
    const c = await p.call('POST', `${FS}/connections`, { name: 'strict', connectionSpec: { id: EDGE_DATASTREAM_SPEC, version: '1.0' }, auth: { params: { defaultConsent: 'out' } } });
    const strict = (await p.call('GET', `${FS}/connections/${c.json.id}`)).json.items[0].auth.params.datastreamId;
    await ingestConsent('crm-in@example.com', 'y');
    const post = (email: string, eventType: string) =>
      k.app.inject({ method: 'POST', url: `/ee/v2/collect?dataStreamId=${strict}`, headers: { 'content-type': 'application/json' }, payload: { event: event(eventType, { Email: [{ id: email, primary: true }] }) } });
    assert.equal((await post('crm-in@example.com', 'test.strict-in')).statusCode, 204);
    assert.equal((await post('nobody@example.com', 'test.strict-none')).statusCode, 204);
    assert.equal(await landed('test.strict-in'), 1);
    assert.equal(await landed('test.strict-none'), 0);
    const s = (await p.call('GET', `/data/foundation/kith/sources/edge/${c.json.id}/stats`)).json;
    assert.deepEqual(s, { connectionId: c.json.id, datastreamId: strict, consent: { refusedRequests: 1, refusedEvents: 1, refusedBy: { cookie: 0, stored: 0, default: 1 } } });
  });

  describe('invalid input', () => {
    it('identityMap entries that are not identities get the Edge 400 (never a 500), and nothing lands', async () => {
      const r = await send('/ee/v2/interact', { identityMap: { Email: 'x', ECID: [null, { id: 5 }], '': [{ id: '' }] }, event: event('test.garbage', { Phone: [{}] }) });
      assert.equal(r.statusCode, 400, r.body);
      assert.match(r.json().type, /EXEG-0003-400/);
      assert.equal(await landed('test.garbage'), 0);
    });
    const statsCases: Array<[string, () => Promise<{ status: number; json: any }>, number]> = [
      ['stats of an unknown connection', () => p.call('GET', '/data/foundation/kith/sources/edge/nope/stats'), 404],
      ['stats of a connection that is not a datastream', async () => p.call('GET', `/data/foundation/kith/sources/edge/${(await p.createInlet('not edge')).connectionId}/stats`), 404],
      ['stats of another sandbox\'s datastream', async () => {
        await k.sandboxes.create(k.local.orgId, { name: 'dev', type: 'development' }, 't');
        return p.call('GET', `/data/foundation/kith/sources/edge/${connectionId}/stats`, undefined, { 'x-sandbox-name': 'dev' });
      }, 404],
      ['stats without gateway headers', () => p.call('GET', `/data/foundation/kith/sources/edge/${connectionId}/stats`, undefined, { authorization: '' }), 403],
    ];
    for (const [name, call, status] of statsCases)
      it(name, async () => {
        const r = await call();
        assert.equal(r.status, status, JSON.stringify(r.json));
      });
  });
});

describe('Edge Network: stored consent unavailable', () => {
  it('with the processor stopped, a request is answered from the cookie and the default (no hang, no 500)', async () => {
    const k = await startTestKith({}, { processor: { disabled: true } });
    try {
      const p = new Platform(k);
      const c = await p.call('POST', `${FS}/connections`, { name: 'web', connectionSpec: { id: EDGE_DATASTREAM_SPEC, version: '1.0' } });
      const configId = (await p.call('GET', `${FS}/connections/${c.json.id}`)).json.items[0].auth.params.datastreamId;
      const r = await k.app.inject({ method: 'POST', url: `/ee/v1/interact?configId=${configId}`, headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ events: [{ xdm: { eventType: 'x' } }] }) });
      assert.equal(r.statusCode, 200, r.body);
    } finally {
      await k.stop();
    }
  });
});
