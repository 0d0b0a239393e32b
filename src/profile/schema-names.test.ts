import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';
import { canonicalSchemaName } from './schema-names.js';

const E = '/data/core/ups/access/entities';

describe('schema.name spellings', () => {
  const table: Array<[unknown, unknown]> = [
    ['_xdm.context.profile', '_xdm.context.profile'],
    ['xdm.context.profile', '_xdm.context.profile'],
    ['_xdm.context.experienceevent', '_xdm.context.experienceevent'],
    ['xdm.context.experienceevent', '_xdm.context.experienceevent'],
    ['XDM.context.profile', 'XDM.context.profile'],
    [undefined, undefined],
    [42, 42],
  ];
  for (const [given, want] of table) it(`${String(given)} → ${String(want)}`, () => assert.equal(canonicalSchemaName(given), want));

  describe('over HTTP', () => {
    let k: TestKith;
    before(async () => {
      k = await startTestKith();
    });
    after(() => k.stop());
    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
      k.app.inject({ method, url, headers: k.headers(), ...(payload === undefined ? {} : { payload: payload as object }) });

    // an unknown identity answers 404 or an empty lookup: the spelling was accepted (a rejected one answers 400)
    const accepted: Array<[string, 'GET' | 'POST' | 'DELETE', string, unknown, number]> = [
      ['GET profile', 'GET', `${E}?schema.name=xdm.context.profile&entityId=nobody@example.com&entityIdNS=Email`, undefined, 404],
      ['GET events', 'GET', `${E}?schema.name=xdm.context.experienceevent&relatedSchema.name=xdm.context.profile&relatedEntityId=nobody@example.com&relatedEntityIdNS=Email`, undefined, 404],
      ['POST profiles', 'POST', E, { schema: { name: 'xdm.context.profile' }, identities: [{ entityId: 'nobody@example.com', entityIdNS: { code: 'Email' } }] }, 200],
      ['POST events', 'POST', E, { schema: { name: 'xdm.context.experienceevent' }, relatedSchema: { name: 'xdm.context.profile' }, identities: [{ relatedEntityId: 'nobody@example.com', relatedEntityIdNS: { code: 'Email' } }] }, 207],
      ['merge policy', 'POST', '/data/core/ups/config/mergePolicies', { name: 'alias', schema: { name: 'xdm.context.profile' }, identityGraph: { type: 'pdg' } }, 200],
    ];
    for (const [name, method, url, payload, status] of accepted)
      it(`${name} takes the spelling without underscore`, async () => {
        const r = await call(method, url, payload);
        assert.equal(r.statusCode, status, r.body);
        if (name === 'merge policy') assert.equal(r.json().schema.name, '_xdm.context.profile', 'stored in the canonical spelling');
      });

    describe('invalid input', () => {
      const rejected: Array<[string, 'GET' | 'POST' | 'DELETE', string, unknown?]> = [
        ['GET unknown class', 'GET', `${E}?schema.name=xdm.context.nothing&entityId=x&entityIdNS=Email`],
        ['GET events, bad related class', 'GET', `${E}?schema.name=xdm.context.experienceevent&relatedSchema.name=xdm.context.experienceevent&relatedEntityId=x&relatedEntityIdNS=Email`],
        ['POST unknown class', 'POST', E, { schema: { name: '__xdm.context.profile' }, identities: [{ entityId: 'x' }] }],
        ['DELETE events class', 'DELETE', `${E}?schema.name=xdm.context.experienceevent&entityId=x&entityIdNS=Email`],
      ];
      for (const [name, method, url, payload] of rejected)
        it(`${name} → 400`, async () => {
          const r = await call(method, url, payload);
          assert.equal(r.statusCode, 400, r.body);
          assert.match(r.json().detail, /schema\.name/i);
        });
    });
  });
});
