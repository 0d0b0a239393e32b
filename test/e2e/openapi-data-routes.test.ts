import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { EDGE_DATASTREAM_SPEC } from '../../src/sources/http/edge-routes.js';
import { SEGMENT_SOURCE_SPEC } from '../../src/sources/http/segment-routes.js';

/**
 * The identity, profile, segmentation and source routes in `/openapi.json` answer no 5xx to ill-typed, deep or broken
 * input, sent with a real datastream id and write key so the Edge and Segment handlers are reached (openapi-sweep's
 * made-up ones stop at the lookup); openapi-coverage checks their documentation.
 */
const PREFIXES = ['/data/core/idnamespace', '/data/core/identity', '/data/core/ups', '/data/core/ca', '/data/foundation/kith/sources', '/sources/', '/ee/', '/v1/'];
const ours = (path: string) => PREFIXES.some((p) => path.toLowerCase().startsWith(p.toLowerCase()));

type Schema = { type?: string; properties?: Record<string, Schema>; anyOf?: Schema[]; items?: Schema };
type Operation = { requestBody?: { content?: Record<string, { schema?: Schema }> }; parameters?: Array<{ in: string; name: string }> };

describe('OpenAPI sweep with real source keys: identity, profile, segmentation and source routes', () => {
  let k: TestKith;
  let ops: Array<{ method: string; path: string; op: Operation }> = [];
  let configId = '';
  let basic = '';
  before(async () => {
    k = await startTestKith();
    const h = { ...k.headers(), 'content-type': 'application/json' };
    const conn = async (spec: string) => {
      const c = await k.app.inject({ method: 'POST', url: '/data/foundation/flowservice/connections', headers: h, payload: { name: `c-${spec}`, connectionSpec: { id: spec, version: '1.0' }, auth: { params: {} } } });
      return (await k.app.inject({ method: 'GET', url: `/data/foundation/flowservice/connections/${c.json().id}`, headers: k.headers() })).json().items[0].auth.params;
    };
    configId = (await conn(EDGE_DATASTREAM_SPEC)).datastreamId;
    basic = `Basic ${Buffer.from(`${(await conn(SEGMENT_SOURCE_SPEC)).writeKey}:`).toString('base64')}`;
    const doc = (await k.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
    ops = Object.entries(doc.paths)
      .filter(([p]) => ours(p))
      .flatMap(([path, byMethod]) => Object.entries(byMethod).filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map(([method, op]) => ({ method, path, op })));
  });
  after(() => k.stop());

  it('lists the routes (identity, profile, segmentation, Edge, Segment, Shopify)', () => {
    for (const p of ['/data/core/identity/v2/graph', '/data/core/ups/access/entities', '/data/core/ups/segment/definitions', '/ee/v1/interact', '/v1/batch', '/sources/shopify/{connectionId}/webhooks'])
      assert.ok(ops.some((o) => o.path === p), p);
  });

  it('no operation answers 5xx to ill-typed, deep or broken input', async () => {
    const wrong: unknown[] = [1e308, 'x', [], {}, null, [null]];
    const deep = `{"a":${'['.repeat(20000)}${']'.repeat(20000)}}`;
    const failures: string[] = [];
    for (const { method, path, op } of ops) {
      const url = (p: string) => {
        const u = p.replace(/\{[^}]+\}/g, 'x');
        return u.startsWith('/ee/') ? `${u}?configId=${configId}` : u;
      };
      const headers = { ...k.headers(), 'content-type': 'application/json', ...(path.startsWith('/v1/') ? { authorization: basic } : {}) };
      const bodies: Array<string | undefined> = [undefined];
      if (['post', 'put', 'patch'].includes(method)) {
        const schema = Object.values(op.requestBody?.content ?? {})[0]?.schema;
        bodies.push('{"broken":', deep, '1e308', '[]', 'null');
        for (const prop of Object.keys(schema?.properties ?? {})) for (const w of wrong) bodies.push(JSON.stringify({ [prop]: w }));
      }
      const queries = [''].concat((op.parameters ?? []).filter((p) => p.in === 'query').flatMap((p) => [`${encodeURIComponent(p.name)}=%E0%A4%A`, `${encodeURIComponent(p.name)}=1e308&${encodeURIComponent(p.name)}=x`]));
      const paths = [url(path), ...(path.includes('{') ? [path.replace(/\{[^}]+\}/g, '%E0%A4%A')] : [])];
      for (const p of paths)
        for (const q of queries)
          for (const b of bodies) {
            const full = q ? `${p}${p.includes('?') ? '&' : '?'}${q}` : p;
            const r = await k.app.inject({ method: method.toUpperCase() as 'GET', url: full, headers, ...(b === undefined ? {} : { payload: b }) });
            if (r.statusCode >= 500) failures.push(`${method.toUpperCase()} ${full} ${String(b).slice(0, 60)} -> ${r.statusCode} ${r.body.slice(0, 160)}`);
          }
    }
    assert.deepEqual(failures, []);
  });
});
