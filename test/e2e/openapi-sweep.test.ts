import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { isPending } from './openapi-pending.js';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; [k: string]: unknown };
interface Operation {
  parameters?: Array<{ in: string; name: string; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface Probe {
  label: string;
  url: string;
  payload?: string;
  headers?: Record<string, string>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const deep = (n: number) => '{"a":' + '['.repeat(n) + ']'.repeat(n) + '}';
/** A value of another JSON type than the declared one. */
const wrongValue = (s: Schema | undefined): unknown[] => {
  const t = Array.isArray(s?.type) ? s.type[0] : s?.type;
  switch (t) {
    case 'string':
      return [1, { a: 1 }, ['x']];
    case 'integer':
    case 'number':
      return ['x', 1e308, -1e308, 1.5, {}];
    case 'boolean':
      return ['x', 1];
    case 'array':
      return ['x', { a: 1 }, [null, 1, 'x', { a: [] }]];
    case 'object':
      return ['x', 1, []];
    default:
      return [1e308, 'x', null, [], { a: 1 }];
  }
};

/** Field names AEP, IMS and Edge bodies use: sent with wrong types even where a route declares no body schema. */
const COMMON_FIELDS = ['client_id', 'client_secret', 'name', 'title', 'id', 'ids', 'xid', 'xids', 'nsid', 'namespace', 'compositeXids', 'identity', 'events', 'xdm', 'timestamp', 'data', 'messages', 'datasetId', 'schemaRef', 'tags', 'auth', 'params', 'mappings', 'expression'];
const COMMON_WRONG: unknown[] = [1, {}, 1e308, [1], 'x'];
/** Valid-looking token request fields, so a wrong field reaches past the grant check. */
const COMMON_BASE = { grant_type: 'client_credentials', client_id: 'k', client_secret: 's' };

/** A plausible value of the declared type (so one wrong field reaches the handler past the others). */
const sample = (s: Schema | undefined): unknown => {
  if (Array.isArray(s?.enum)) return s.enum[0];
  const t = Array.isArray(s?.type) ? s.type[0] : s?.type;
  if (t === 'string') return 'client_credentials';
  if (t === 'integer' || t === 'number') return 1;
  if (t === 'boolean') return true;
  if (t === 'array') return [];
  if (t === 'object') return {};
  return 'x';
};

/** Every malformed input for one operation: body types, nesting, huge numbers, non-JSON, bad path and query encodings. */
function probesOf(path: string, method: string, op: Operation): Probe[] {
  const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
  const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
  const fill = (bad?: { name: string; value: string }) => path.replace(/\{(\w+)\}/g, (_m, n: string) => (bad && bad.name === n ? bad.value : 'x1'));
  const url = fill();
  const out: Probe[] = [];
  const json = (label: string, body: unknown, u = url) => out.push({ label, url: u, payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  for (const name of pathParams)
    for (const value of ['%25', '%E0%A4%A', '%', '%00', '..%2F..%2Fetc', 'x'.repeat(3000)]) out.push({ label: `path ${name}=${value.slice(0, 20)}`, url: fill({ name, value }) });
  for (const q of queryParams)
    for (const v of ['abc', '-1', '1e308', '%E0%A4%A', '%25', '']) out.push({ label: `query ${q.name}=${v}`, url: `${url}?${encodeURIComponent(q.name)}=${v}` });
  out.push({ label: 'query repeated and bad encoding', url: `${url}?limit=1&limit=2&start=x&property=%E0%A4%A&orderby=%25&action=%25` });

  if (method !== 'get' && method !== 'delete') {
    const content = op.requestBody?.content ?? {};
    const schema = content['application/json']?.schema ?? Object.values(content)[0]?.schema;
    const props = Object.entries(schema?.properties ?? {});
    const base = Object.fromEntries(props.map(([n, ps]) => [n, sample(ps)]));
    for (const [prop, ps] of props)
      for (const v of wrongValue(ps)) {
        json(`body.${prop}=${JSON.stringify(v)}`, { [prop]: v });
        json(`valid body but ${prop}=${JSON.stringify(v)}`, { ...base, [prop]: v });
      }
    for (const f of COMMON_FIELDS) for (const v of COMMON_WRONG) json(`common ${f}=${JSON.stringify(v)}`, { ...COMMON_BASE, [f]: v });
    for (const body of ['[]', '"x"', '1', 'null', 'true', '{}', '[{}]', '{"timestamp":1e308,"events":[{"timestamp":1e308}]}', '1e400'])
      json(`body ${body}`, body);
    json('body nested 10,000 levels', deep(10_000));
    // valid-looking fields first, so the deep value gets past the first checks to whatever stores or stringifies it
    const withDeep = (b: Record<string, unknown>) => JSON.stringify(b).slice(0, -1) + (Object.keys(b).length ? ',' : '') + `"deep":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    json('valid body plus a field nested 10,000 levels', withDeep({ ...base, name: 'n', title: 't' }));
    json('token fields plus a field nested 10,000 levels', withDeep({ ...COMMON_BASE, name: 'n', title: 't', type: 'object' }));
    json('body [] nested 10,000 levels', '['.repeat(10_000) + ']'.repeat(10_000));
    json('messages nested 10,000 levels', `{"messages":[${deep(10_000)}]}`);
    json('non-JSON', '{not json');
    out.push({ label: 'text/plain body', url, payload: 'hello', headers: { 'content-type': 'text/plain' } });
    out.push({ label: 'empty body with JSON type', url, payload: '', headers: { 'content-type': 'application/json' } });
    out.push({ label: 'no content type', url, payload: '{}' });
    out.push({ label: 'form body', url, payload: 'a=%E0%A4%A&b=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    out.push({ label: 'octet-stream body', url, payload: '\u0000\u0001\u0002', headers: { 'content-type': 'application/octet-stream' } });
  }
  return out;
}

describe('OpenAPI sweep: malformed input to every operation never answers 5xx', () => {
  let k: TestKith;
  before(async () => {
    k = await startTestKith();
  });
  after(() => k.stop());

  it('every operation in /openapi.json answers malformed input with a 4xx (or 2xx), never a 5xx or a stack trace', async () => {
    const doc = (await k.app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, Record<string, Operation>> }>();
    const failures: string[] = [];
    let sent = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (isPending(path)) continue;
      for (const method of METHODS) {
        const op = ops[method];
        if (!op) continue;
        const probes = probesOf(path, method, op);
        probes.push({ label: 'no auth headers', url: path.replace(/\{(\w+)\}/g, 'x1') });
        for (const p of probes) {
          const auth = p.label === 'no auth headers' ? {} : k.headers();
          const r = await k.app.inject({ method: method.toUpperCase() as 'GET', url: p.url, payload: p.payload, headers: { ...auth, ...p.headers } });
          sent++;
          if (r.statusCode >= 500 || /\n\s+at |\bat \S+\.[tj]s:\d+/.test(r.body))
            failures.push(`${method.toUpperCase()} ${path} [${p.label}] -> ${r.statusCode} ${r.body.slice(0, 200)}`);
        }
      }
    }
    assert.ok(sent > 500, `sent ${sent} requests`);
    console.log(`openapi sweep: ${sent} malformed requests`);
    assert.deepEqual(failures, [], `${failures.length} of ${sent} malformed requests answered 5xx:\n${failures.join('\n')}`);
  });
});
