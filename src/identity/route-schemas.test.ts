import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../testing/test-kith.js';

/** The identity routes of a real server refuse ill-typed bodies and queries with a 400 problem before the handler runs. */
const NS = '/data/core/idnamespace/identities';
const ID = '/data/core/identity';

describe('Identity Service route schemas', () => {
  let k: TestKith;
  before(async () => {
    k = await startTestKith();
  });
  after(() => k.stop());
  const call = async (method: string, url: string, payload?: unknown) => {
    const r = await k.app.inject({ method: method as 'GET', url, headers: { ...k.headers(), 'content-type': 'application/json' }, payload: payload === undefined ? undefined : JSON.stringify(payload) });
    return { status: r.statusCode, json: r.body ? JSON.parse(r.body) : undefined };
  };

  it('well-typed bodies still reach the handlers', async () => {
    assert.equal((await call('POST', `${ID}/v2/graph`, { composite_xids: [{ ns: 'Email', id: 'a@b.c' }], projection_type: 'set' })).status, 200);
    assert.equal((await call('POST', `${ID}/clusters/members`, { compositeXidsWithNamespace: [{ namespace: 'Email', id: 'a@b.c' }] })).status, 200);
    assert.equal((await call('POST', `${ID}/unlink`, { batchId: 'no-such-batch' })).status, 200);
  });

  describe('invalid input', () => {
    const cases: Array<[string, string, string, unknown, string]> = [
      ['graph: composite_xids a number', 'POST', `${ID}/v2/graph`, { composite_xids: 1 }, 'body.composite_xids'],
      ['graph: composite_xids an object', 'POST', `${ID}/v2/graph`, { composite_xids: { ns: 'Email', id: 'x' } }, 'body.composite_xids'],
      ['graph: composite_xids item null', 'POST', `${ID}/v2/graph`, { composite_xids: [null] }, 'body.composite_xids[0]'],
      ['graph: ns an object', 'POST', `${ID}/v2/graph`, { composite_xids: [{ ns: {}, id: 'x' }] }, 'body.composite_xids[0].ns'],
      ['graph: id a number', 'POST', `${ID}/v2/graph`, { composite_xids: [{ ns: 'Email', id: 1e308 }] }, 'body.composite_xids[0].id'],
      ['graph: nsid a string', 'POST', `${ID}/v2/graph`, { composite_xids: [{ nsid: 'six', id: 'x' }] }, 'body.composite_xids[0].nsid'],
      ['graph: xids a string', 'POST', `${ID}/v2/graph`, { xids: 'abc' }, 'body.xids'],
      ['graph: xids of arrays', 'POST', `${ID}/v2/graph`, { xids: [['a']] }, 'body.xids[0]'],
      ['graph: projection_type a number', 'POST', `${ID}/v2/graph`, { xids: ['a'], projection_type: 1 }, 'body.projection_type'],
      ['graph: body an array', 'POST', `${ID}/v2/graph`, [1], 'body'],
      ['clusters: xids a number', 'POST', `${ID}/clusters/members`, { xids: 1 }, 'body.xids'],
      ['clusters: compositeXids item null', 'POST', `${ID}/clusters/members`, { compositeXids: [null] }, 'body.compositeXids[0]'],
      ['clusters: compositeXids id an array', 'POST', `${ID}/clusters/members`, { compositeXids: [{ nsid: 6, id: ['x'] }] }, 'body.compositeXids[0].id'],
      ['clusters: namespace null', 'POST', `${ID}/clusters/members`, { compositeXidsWithNamespace: [{ namespace: null, id: 'x' }] }, 'body.compositeXidsWithNamespace[0].namespace'],
      ['unlink: namespace a number', 'POST', `${ID}/unlink`, { a: { namespace: 1e308, id: 'a' }, b: { namespace: 'Email', id: 'b' } }, 'body.a.namespace'],
      ['unlink: a an array', 'POST', `${ID}/unlink`, { a: ['Email', 'x'], b: { namespace: 'Email', id: 'b' } }, 'body.a'],
      ['unlink: id an object', 'POST', `${ID}/unlink`, { a: { namespace: 'Email', id: {} }, b: { namespace: 'Email', id: 'b' } }, 'body.a.id'],
      ['unlink: batchId a number', 'POST', `${ID}/unlink`, { batchId: 7 }, 'body.batchId'],
      ['settings: blockedValues of numbers', 'PUT', `${ID}/settings`, { blockedValues: { '*': [1] } }, 'body.blockedValues.*[0]'],
      ['settings: uniqueNamespaces a string', 'PUT', `${ID}/settings`, { uniqueNamespaces: 'CRMID' }, 'body.uniqueNamespaces'],
      ['simulate: identities of strings', 'POST', `${ID}/simulate`, { links: [{ identities: ['Email:x'] }] }, 'body.links[0].identities[0]'],
      ['namespace: name a number', 'POST', NS, { name: 1, code: 'C1', idType: 'Email' }, 'body.name'],
      ['namespace: code null', 'POST', NS, { name: 'n', code: null, idType: 'Email' }, 'body.code'],
      ['history: limit not a number', 'GET', `${ID}/history?namespace=Email&id=x&limit=lots`, undefined, 'querystring.limit'],
    ];
    for (const [name, method, url, body, field] of cases)
      it(name, async () => {
        const r = await call(method, url, body);
        assert.equal(r.status, 400, JSON.stringify(r.json));
        assert.equal(r.json.status, 400);
        assert.ok(r.json.detail.startsWith(`${field} `), r.json.detail);
      });
  });
});
