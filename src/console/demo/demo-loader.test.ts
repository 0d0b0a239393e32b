import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startTestKith, type TestKith } from '../../testing/test-kith.js';
import { DEFAULTS } from '../../config/config.js';
import { runDemo } from '../../cli/demo.js';
import { DEMO_AUDIENCES, DEMO_COMPUTED, DEMO_JOURNEY, loadDemo, waitForIngest, type DemoTarget } from './demo-loader.js';
import { customerEvents, demoCustomer } from './demo-data.js';

const sink = () => {
  let text = '';
  const out = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) });
  return { out, text: () => text };
};

describe('the demo store (kith demo)', () => {
  let k: TestKith;
  let target: DemoTarget;
  before(async () => {
    k = await startTestKith();
    target = { baseUrl: k.baseUrl, headers: { authorization: `Bearer ${k.local.accessToken}`, 'x-api-key': k.local.apiKey, 'x-gw-ims-org-id': k.local.orgId }, sandbox: 'demo' };
  });
  after(() => k.stop());
  const get = async (path: string) => (await fetch(k.baseUrl + path, { headers: { ...target.headers, 'x-sandbox-name': 'demo' } })).json() as Promise<any>;
  const count = async (table: string) => Number((await k.queryLake(`SELECT count(*) AS n FROM ${table}`, 'demo'))[0]!.n);

  it('is generated deterministically: the same customer and events twice, valid ECIDs', () => {
    assert.deepEqual(demoCustomer(7), demoCustomer(7));
    const now = Date.parse('2026-12-01T00:00:00Z');
    assert.deepEqual(customerEvents(demoCustomer(3), 10, now), customerEvents(demoCustomer(3), 10, now));
    for (let i = 0; i < 50; i++) {
      const e = demoCustomer(i).ecid;
      assert.match(e, /^\d{38}$/);
      assert.ok(BigInt(e.slice(0, 19)) <= 9223372036854775807n && BigInt(e.slice(19)) <= 9223372036854775807n, e);
    }
  });

  it('loads into its own sandbox through the API, and loading again changes nothing', async () => {
    const first = await loadDemo(target, { customers: 12, eventsPerCustomer: 6 });
    assert.ok(await waitForIngest(target, 60_000));
    const second = await loadDemo(target, { customers: 12, eventsPerCustomer: 6 });
    assert.ok(await waitForIngest(target, 60_000));
    assert.deepEqual(second.datasets, first.datasets, 'the same datasets, found by name');
    assert.equal(first.failedRecords, 2);
    assert.equal(second.failedRecords, 0, 'the two bad orders are sent once');
    assert.equal(await count('demo_customers'), 12);
    assert.equal((await count('demo_web_events')) + (await count('demo_orders')), 12 * 6, 'events deduplicated by _id');
    const segs = (await get('/data/core/ups/segment/definitions?limit=100')).segments.map((s: { name: string }) => s.name).sort();
    assert.deepEqual(segs, DEMO_AUDIENCES.map((a) => a.name).sort());
    const cas = (await get('/data/core/ca/attributes')).computedAttributes.map((c: { name: string }) => c.name).sort();
    assert.deepEqual(cas, DEMO_COMPUTED.map((c) => c.name).sort());
    const journeys = (await get('/ajo/journeys')).children.filter((j: { name: string }) => j.name === DEMO_JOURNEY);
    assert.equal(journeys.length, 1);
    const j = await get(`/ajo/journeys/${journeys[0].id}`);
    assert.ok(j.versions.some((v: { status: string }) => v.status === 'live'), 'the journey is published');
    const p = await get(`/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(first.sampleEmail)}&entityIdNS=Email&withCA=true`);
    const entity = (Object.values(p)[0] as { entity: Record<string, any> }).entity;
    assert.equal(entity.identityMap.CRMID[0].id, 'CRM-0001');
    assert.equal(typeof entity.computedAttributes.orders90d, 'number');
  });

  it('kith demo runs against a server from its credentials file', async () => {
    const o = sink();
    assert.equal(await runDemo({ ...DEFAULTS, dataDir: k.dataDir }, ['--sandbox', 'demo-cli', '--customers', '3', '--events', '2'], o.out), 0, o.text());
    assert.match(o.text(), /Demo store loaded into sandbox "demo-cli": 3 customers, 6 events/);
  });

  describe('invalid input', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['a sandbox name with capitals', ['--sandbox', 'Demo'], /usage/],
      ['a customer count that is not a number', ['--customers', 'many'], /usage/],
      ['zero events', ['--events', '0'], /usage/],
    ];
    for (const [name, args, re] of cases)
      it(`${name}: exit 2 with the usage`, async () => {
        const o = sink();
        assert.equal(await runDemo({ ...DEFAULTS, dataDir: k.dataDir }, args, o.out), 2);
        assert.match(o.text(), re);
      });
    it('no credentials file and no KITH_* variables: exit 2, says how to start', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kith-demo-'));
      try {
        const o = sink();
        assert.equal(await runDemo({ ...DEFAULTS, dataDir: dir }, [], o.out, {}), 2);
        assert.match(o.text(), /no credentials/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
