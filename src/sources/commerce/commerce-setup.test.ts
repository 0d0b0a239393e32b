import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { startTestKith, type TestKith } from '../../testing/test-kith.js';
import { recordRoutingLookup } from '../http/record-routing.js';
import { classifyEdgeItem, type RecordRouting } from '../edge/profile-records.js';
import { COMMERCE_EVENT_FIELD_GROUPS, COMMERCE_PROFILE_FIELD_GROUPS } from './commerce-setup.js';
import { globalResource } from '../../schema/global/index.js';

const DIR = new URL('../../../test/fixtures/commerce/', import.meta.url);
const FIXTURES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f.replace(/\.json$/, ''), ...(JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as { path: string; body: { events?: Array<{ xdm: Record<string, unknown> }>; event?: { xdm: Record<string, unknown> } } }) }));
const xdmOf = (f: (typeof FIXTURES)[number]) => (f.body.events?.[0] ?? f.body.event)!.xdm;

/** Every documented Commerce payload validates against the setup's schemas and is routed to the right dataset. */
describe('Commerce setup: the schemas hold every documented payload', () => {
  let k: TestKith;
  let sandboxId = '';
  let report: any;
  let routing: RecordRouting;
  before(async () => {
    k = await startTestKith();
    const r = await k.app.inject({ method: 'POST', url: '/data/foundation/kith/setup/commerce', headers: k.headers() });
    assert.equal(r.statusCode, 201, r.body);
    report = r.json();
    sandboxId = (await k.sandboxes.resolve(k.local.orgId, 'prod'))!.id;
    routing = (await recordRoutingLookup(k.catalog, k.schemas)(sandboxId, { eventDataSetId: report.eventDataset.id, profileDataSetId: report.profileDataset.id }))!;
    assert.ok(routing, 'the datastream can tell records from events');
  });
  after(() => k.stop());

  it('the field groups the setup composes are all in the global registry', () => {
    for (const id of [...COMMERCE_EVENT_FIELD_GROUPS, ...COMMERCE_PROFILE_FIELD_GROUPS]) assert.ok(globalResource(id), id);
  });

  it('has a fixture per documented type: 18 storefront, 11 back-office, 3 profile records', () => {
    const count = (p: string) => FIXTURES.filter((f) => f.name.startsWith(p)).length;
    assert.deepEqual([count('storefront-'), count('backoffice-'), count('profile-record-')], [18, 11, 3]);
  });

  it("a customer's record without addresses or phones is still a profile record (userAccount.startDate)", () => {
    const { billingAddress: _b, shippingAddress: _s, billingAddressPhone: _bp, shippingAddressPhone: _sp, ...bare } = xdmOf(FIXTURES.find((f) => f.name === 'profile-record-create')!);
    assert.equal(classifyEdgeItem({ xdm: bare }, routing), 'profile');
    // name, email and channel alone are fields both schemas have: ambiguous, it stays an event unless addressed
    const { userAccount: _u, ...nameOnly } = bare;
    assert.equal(classifyEdgeItem({ xdm: nameOnly }, routing), 'event');
    assert.equal(classifyEdgeItem({ xdm: nameOnly, meta: { collect: { datasetId: report.profileDataset.id } } }, routing), 'profile');
  });

  for (const f of FIXTURES)
    it(f.name, async () => {
      const xdm = xdmOf(f);
      const isRecord = f.name.startsWith('profile-record-');
      assert.equal(classifyEdgeItem({ xdm }, routing), isRecord ? 'profile' : 'event');
      const schemaId = isRecord ? report.profileSchema.id : report.eventSchema.id;
      const v = await k.schemas.validator(sandboxId, schemaId);
      const out = v!.validate(xdm);
      assert.deepEqual(out.valid ? [] : out.violations.map((x) => `${x.pointerToViolation}: ${x.message}`), []);
    });

  describe('invalid input', () => {
    const record = xdmOf(FIXTURES.find((f) => f.name === 'profile-record-create')!);
    const order = xdmOf(FIXTURES.find((f) => f.name === 'backoffice-order-placed')!);
    const cases: Array<[string, 'event' | 'profile', Record<string, unknown>, RegExp]> = [
      ['a profile record is not an ExperienceEvent', 'event', { ...record, _id: 'x', timestamp: '2026-01-01T00:00:00Z' }, /extraneous key \[billingAddress\]/],
      ['an order is not a profile record', 'profile', order, /extraneous key \[(eventType|timestamp|commerce)\]/],
      ['a tracking number must be a string', 'event', { ...order, commerce: { shipping: { trackingNumber: 1 } } }, /expected type: String/],
      ['a ship date must be a date-time', 'event', { ...order, commerce: { shipping: { shipDate: 'tomorrow' } } }, /not a valid date-time/],
      ['a login counter is an integer', 'event', { ...order, userAccount: { login: 'yes' } }, /expected type: Integer/],
      ['a sort order is ASC, DESC or RELEVANCE', 'event', { ...order, siteSearch: { sort: [{ attribute: 'price', order: 'UP' }] } }, /not a valid enum value/],
      ['a billing phone primary flag is a boolean', 'profile', { ...record, billingAddressPhone: { number: '1', primary: 'no' } }, /expected type: Boolean/],
      ['a start date must be a date-time', 'profile', { ...record, userAccount: { startDate: 'last year' } }, /not a valid date-time/],
    ];
    for (const [name, cls, xdm, msg] of cases)
      it(name, async () => {
        const out = (await k.schemas.validator(sandboxId, cls === 'event' ? report.eventSchema.id : report.profileSchema.id))!.validate(xdm);
        assert.equal(out.valid, false);
        assert.match(out.valid ? '' : out.violations.map((x) => x.message).join('; '), msg);
      });
  });
});

/** Server-side calls are not devices: an ECID is minted only for a browser, or a server call that names nobody. */
describe('Edge: ECIDs of server-side calls', () => {
  let k: TestKith;
  let configId = '';
  before(async () => {
    k = await startTestKith();
    const r = await k.app.inject({ method: 'POST', url: '/data/foundation/kith/setup/commerce', headers: k.headers() });
    configId = r.json().datastream.datastreamId;
  });
  after(() => k.stop());

  const ecidOf = async (path: string, body: unknown) => {
    const r = await k.app.inject({ method: 'POST', url: `${path}?configId=${configId}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    assert.equal(r.statusCode, 200, r.body);
    return r.json().handle.find((h: { type: string }) => h.type === 'identity:result')?.payload[0].id as string | undefined;
  };
  const EMAIL = { Email: [{ id: 'a@example.com', primary: true }] };
  const ECID = '12345678901234567890123456789012345678';
  const cases: Array<[string, string, unknown, 'none' | 'minted' | string]> = [
    ['v2 naming a person by email: none', '/ee/v2/interact', { event: { xdm: { eventType: 'commerce.backofficeOrderPlaced', identityMap: EMAIL } } }, 'none'],
    ['v2 profile record with CustomerId: none', '/ee/v2/interact', { event: { xdm: { billingAddress: { city: 'Seoul' }, identityMap: { CustomerId: [{ id: '1', primary: true }] } } } }, 'none'],
    ['v2 with a top-level identityMap: none', '/ee/v2/interact', { identityMap: EMAIL, event: { xdm: { eventType: 'x' } } }, 'none'],
    ['v2 naming nobody: minted', '/ee/v2/interact', { event: { xdm: { eventType: 'x' } } }, 'minted'],
    ['v2 with the device ECID: that ECID', '/ee/v2/interact', { event: { xdm: { eventType: 'x', identityMap: { ...EMAIL, ECID: [{ id: ECID }] } } } }, ECID],
    ['v1 (a browser) naming a person: minted', '/ee/v1/interact', { events: [{ xdm: { eventType: 'x', identityMap: EMAIL } }] }, 'minted'],
  ];
  for (const [name, path, body, want] of cases)
    it(name, async () => {
      const got = await ecidOf(path, body);
      if (want === 'none') assert.equal(got, undefined);
      else if (want === 'minted') assert.match(got ?? '', /^\d{38}$/);
      else assert.equal(got, want);
    });
});
