import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';

const ET = '/data/core/ups/config/eventTypes';

describe('custom Profile event types (/data/core/ups/config/eventTypes)', () => {
  let k: TestKith;
  before(async () => {
    k = await startTestKith();
    const sb = await k.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: k.headers(), payload: { name: 'dev-et', title: 'Dev', type: 'development' } });
    assert.equal(sb.statusCode, 201, sb.body);
  });
  after(() => k.stop());
  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    k.app.inject({ method, url, headers: k.headers(headers), ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }) });
  const json = { 'content-type': 'application/json' };

  it("creates, lists, gets and deletes an event type (the ISV collection's request, sent as Postman sends it: text/plain)", async () => {
    const body = `{\n  "id": "loyaltyBalanceUpdate",\n  "imsOrgId": "${k.local.orgId}",\n  "title": "Loyalty Balance Update",\n  "description": "Change to the points balance for a loyalty member",\n  "global": true\n}`;
    const c = await call('POST', ET, body, { 'content-type': 'text/plain' });
    assert.equal(c.statusCode, 200, c.body);
    assert.deepEqual(
      { ...(c.json() as Record<string, unknown>), createEpoch: undefined, updateEpoch: undefined },
      { id: 'loyaltyBalanceUpdate', imsOrgId: k.local.orgId, title: 'Loyalty Balance Update', description: 'Change to the points balance for a loyalty member', global: true, createEpoch: undefined, updateEpoch: undefined },
    );
    assert.equal(typeof c.json().createEpoch, 'number');
    assert.equal((await call('POST', ET, { id: 'loyaltyLevelUpdate', title: 'Loyalty Level Update' }, json)).statusCode, 200);

    const list = await call('GET', ET);
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(list.json()._page, { totalCount: 2, pageSize: 2 });
    assert.deepEqual(list.json().children.map((e: { id: string }) => e.id), ['loyaltyBalanceUpdate', 'loyaltyLevelUpdate']);
    const paged = await call('GET', `${ET}?limit=1`);
    assert.deepEqual(paged.json()._page, { totalCount: 2, pageSize: 1 });
    assert.equal(paged.json()._links.next.href, '@/eventTypes?start=1&limit=1');

    const got = await call('GET', `${ET}/loyaltyLevelUpdate`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual([got.json().title, got.json().description, got.json().global, got.json().imsOrgId], ['Loyalty Level Update', '', false, k.local.orgId]);

    assert.equal((await call('DELETE', `${ET}/loyaltyLevelUpdate`)).statusCode, 204);
    assert.equal((await call('GET', `${ET}/loyaltyLevelUpdate`)).statusCode, 404);
  });

  it('documents the routes in /openapi.json with their body, params and responses', async () => {
    const doc = (await k.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const create = doc.paths[ET].post;
    assert.deepEqual(create.requestBody.content['application/json'].schema.required, ['id']);
    assert.ok(create.responses['200']);
    assert.ok(doc.paths[ET].get.parameters.some((x: { name: string }) => x.name === 'limit'));
    assert.ok(doc.paths[`${ET}/{id}`].delete.responses['204']);
    assert.equal(doc.paths[`${ET}/{id}`].get.parameters[0].name, 'id');
  });

  it('keeps event types per sandbox', async () => {
    assert.equal((await call('POST', ET, { id: 'sandboxed.only' }, json)).statusCode, 200);
    const other = await call('GET', ET, undefined, { 'x-sandbox-name': 'dev-et' });
    assert.equal(other.statusCode, 200);
    assert.deepEqual(other.json().children, []);
    assert.equal((await call('GET', `${ET}/sandboxed.only`, undefined, { 'x-sandbox-name': 'dev-et' })).statusCode, 404);
    assert.equal((await call('POST', ET, { id: 'sandboxed.only' }, { ...json, 'x-sandbox-name': 'dev-et' })).statusCode, 200, 'the same id in another sandbox is no duplicate');
  });

  describe('invalid input', () => {
    const cases: Array<[string, 'POST' | 'GET' | 'DELETE', string, unknown, Record<string, string>, number, RegExp]> = [
      ['duplicate id', 'POST', ET, { id: 'dup.type' }, json, 409, /already exists/],
      ['no id', 'POST', ET, { title: 'x' }, json, 400, /id/],
      ['id with a space', 'POST', ET, { id: 'has space' }, json, 400, /id is required/],
      ['id too long', 'POST', ET, { id: 'a'.repeat(256) }, json, 400, /id/],
      ['global not a boolean', 'POST', ET, { id: 'g.x', global: 'maybe' }, json, 400, /global/],
      ['title not a string', 'POST', ET, { id: 't.x', title: { a: 1 } }, json, 400, /title/],
      ["another org's imsOrgId", 'POST', ET, { id: 'o.x', imsOrgId: 'OTHER@AdobeOrg' }, json, 400, /imsOrgId/],
      ['a JSON array body', 'POST', ET, [{ id: 'a.x' }], json, 400, /object/],
      ['malformed text/plain JSON', 'POST', ET, '{"id": ', { 'content-type': 'text/plain' }, 400, /Malformed JSON/],
      ['unknown id', 'GET', `${ET}/nope`, undefined, {}, 404, /nope/],
      ['delete unknown id', 'DELETE', `${ET}/nope`, undefined, {}, 404, /nope/],
      ['negative start', 'GET', `${ET}?start=-1`, undefined, {}, 400, /start/],
      ['limit 0', 'GET', `${ET}?limit=0`, undefined, {}, 400, /limit/],
    ];
    before(async () => assert.equal((await call('POST', ET, { id: 'dup.type' }, json)).statusCode, 200));
    for (const [name, method, url, payload, headers, status, detail] of cases)
      it(`${name} → ${status}`, async () => {
        const r = await call(method, url, payload, headers);
        assert.equal(r.statusCode, status, r.body);
        const b = r.json();
        assert.equal(b.status, status);
        assert.equal(typeof b.title, 'string');
        assert.match(b.detail, detail);
      });
    it('a request without the sandbox header gets the gateway error', async () => {
      const h = k.headers();
      delete (h as Record<string, string | undefined>)['x-sandbox-name'];
      const r = await k.app.inject({ method: 'GET', url: ET, headers: h });
      assert.equal(r.statusCode >= 400 && r.statusCode < 500, true);
      assert.equal(typeof r.json().error_code, 'string');
    });
  });
});
