import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEdgeItem, namesPerson, splitProfileRecords, toProfileRecord, type RecordRouting } from './profile-records.js';
import { parseInteract, type AlloyEvent } from './interact.js';

const routing: RecordRouting = {
  profileDataSetId: 'ds-profiles',
  eventDataSetId: 'ds-events',
  profileFields: new Set(['_id', 'identityMap', 'person', 'personalEmail', 'billingAddress', 'shippingAddress', 'billingAddressPhone', 'shippingAddressPhone', 'userAccount', 'channel', 'consents']),
  // what the profile schema defines and the event schema does not (the event schema has person, personalEmail, channel, userAccount.login…)
  profileOnlyPaths: new Set(['billingAddress', 'billingAddress.city', 'shippingAddress', 'billingAddressPhone', 'shippingAddressPhone', 'userAccount.startDate', 'person.birthDate', 'consents']),
};
const ev = (xdm: Record<string, unknown>, meta?: Record<string, unknown>): AlloyEvent => ({ xdm, ...(meta ? { meta } : {}) });
const CUSTOMER = { CustomerId: [{ id: '1001', primary: true }], Email: [{ id: 'a@example.com' }] };

describe('Edge: Individual Profile records are told from ExperienceEvents', () => {
  const cases: Array<[string, AlloyEvent, 'profile' | 'event', RecordRouting?]> = [
    ['a Commerce profile record (billing address: a profile-only field)', ev({ channel: {}, person: {}, billingAddress: { city: 'Seoul' }, userAccount: { startDate: '2026-01-01T00:00:00Z' }, identityMap: CUSTOMER }), 'profile'],
    ['a customer without addresses: userAccount.startDate is profile-only', ev({ channel: {}, person: { name: { firstName: 'A' } }, personalEmail: { address: 'a@example.com' }, userAccount: { startDate: '2026-01-01T00:00:00Z' }, identityMap: CUSTOMER }), 'profile'],
    ['a profile-only field deeper than the comparison goes is not looked at', ev({ person: { a: { b: { c: { d: { billingAddress: 1 } } } } } }), 'event'],
    ['a record with only fields both schemas have stays an event', ev({ person: { name: { firstName: 'A' } }, personalEmail: { address: 'a@example.com' }, identityMap: CUSTOMER }), 'event'],
    ['an eventType makes an event, whatever else it carries', ev({ eventType: 'userAccount.backofficeUpdateProfile', billingAddress: {} }), 'event'],
    ['a field the profile schema lacks keeps it an event (it fails with its reason)', ev({ billingAddress: {}, loyaltyTier: 'gold' }), 'event'],
    ['a timestamp is an event field: stays an event', ev({ billingAddress: {}, timestamp: '2026-01-01T00:00:00Z' }), 'event'],
    ['an empty body stays an event (edge.unspecified)', ev({}), 'event'],
    ['only _id and identityMap stays an event', ev({ _id: 'x', identityMap: CUSTOMER }), 'event'],
    ['addressed to the profile dataset (meta.collect.datasetId)', ev({ person: {}, identityMap: CUSTOMER }, { collect: { datasetId: 'ds-profiles' } }), 'profile'],
    ['addressed to the events dataset (meta.collect.datasetId)', ev({ billingAddress: {} }, { collect: { datasetId: 'ds-events' } }), 'event'],
    ['an eventType addressed to the profile dataset goes where it is addressed', ev({ eventType: 'x' }, { collect: { datasetId: 'ds-profiles' } }), 'profile'],
    ['one dataset for both: everything is an event', ev({ billingAddress: {} }), 'event', { ...routing, profileDataSetId: 'ds-events' }],
  ];
  for (const [name, item, want, r] of cases) it(name, () => assert.equal(classifyEdgeItem(item, r ?? routing), want));

  it('splits a request in order, keeping events and records apart; without routing nothing is a record', () => {
    const req = { events: [ev({ eventType: 'a' }), ev({ billingAddress: {}, identityMap: { CustomerId: [{ id: 7 }] } }), ev({ eventType: 'b' })], identityFetch: [], stateEntries: [], cookiesEnabled: true };
    const s = splitProfileRecords(req, routing);
    assert.deepEqual(s.events.events.map((e) => e.xdm.eventType), ['a', 'b']);
    assert.deepEqual(s.records, [{ billingAddress: {}, identityMap: { CustomerId: [{ id: '7' }] } }], 'numeric ids become strings, no ECID added');
    assert.equal(splitProfileRecords(req, undefined).events, req);
  });

  it('a request names a person by any identity but the ECID', () => {
    const req = (identityMap: unknown) => ({ events: [ev({ eventType: 'a', identityMap })], identityFetch: [], stateEntries: [], cookiesEnabled: true });
    assert.equal(namesPerson(req({ Email: [{ id: 'a@example.com' }] })), true);
    assert.equal(namesPerson(req({ ECID: [{ id: '1' }] })), false);
    assert.equal(namesPerson(req({})), false);
    assert.equal(namesPerson(req(undefined), [toProfileRecord({ identityMap: CUSTOMER })]), true, 'a profile record names its customer');
    assert.equal(namesPerson({ ...req(undefined), identityMap: { CustomerId: [{ id: '1' }] } }), true, 'a top-level identityMap (server API)');
  });

  describe('invalid input', () => {
    const bad: Array<[string, unknown]> = [
      ['identityMap a string', { Email: 'a@example.com' }],
      ['identity without id', { Email: [{ primary: true }] }],
      ['empty id', { Email: [{ id: '' }] }],
      ['identityMap null', null],
    ];
    for (const [name, identityMap] of bad)
      it(`${name} names nobody`, () => assert.equal(namesPerson({ events: [ev({ identityMap })], identityFetch: [], stateEntries: [], cookiesEnabled: true }), false));
    it('meta.collect that is not an object is ignored', () => assert.equal(classifyEdgeItem(ev({ billingAddress: {} }, { collect: 'ds-events' }), routing), 'profile'));
    it('a parsed server-API body with a record keeps its identities as sent (cleaned), the parser still refuses bad ones', () => {
      assert.equal(parseInteract({ event: { xdm: { identityMap: { CustomerId: [{ primary: true }] } } } }).ok, false);
      const r = toProfileRecord({ identityMap: { CustomerId: [{ id: '1' }, { nope: 1 }], Email: 'x' } });
      assert.deepEqual(r.identityMap, { CustomerId: [{ id: '1' }] });
    });
  });
});
