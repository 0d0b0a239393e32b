import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';

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
function probesOf(path: string, method: string, op: Operation, idFor: (path: string, param: string) => string): Probe[] {
  const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
  const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
  const fill = (bad?: { name: string; value: string }) => path.replace(/\{(\w+)\}/g, (_m, n: string) => (bad && bad.name === n ? bad.value : idFor(path, n)));
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

/** Real resources, so malformed input reaches past "not found" to the code that stores or stringifies it. */
interface Fixtures {
  schemaAltId: string;
  datasetId: string;
  batchId: string;
  connectionId: string;
  inletId: string;
}

async function createFixtures(k: TestKith): Promise<Fixtures> {
  const call = async (method: 'POST' | 'GET', url: string, body?: unknown) => {
    const r = await k.app.inject({ method, url, headers: { ...k.headers(), 'content-type': 'application/json' }, payload: body === undefined ? undefined : JSON.stringify(body) });
    assert.ok(r.statusCode < 300, `${method} ${url}: ${r.body}`);
    return r.json<Record<string, any>>();
  };
  const schema = await call('POST', '/data/foundation/schemaregistry/tenant/schemas', { type: 'object', title: 'Sweep', allOf: [{ $ref: 'https://ns.adobe.com/xdm/context/experienceevent' }] });
  const ds = await call('POST', '/data/foundation/catalog/dataSets', { name: 'Sweep', schemaRef: { id: schema.$id, contentType: 'application/vnd.adobe.xed-full+json;version=1' } });
  const datasetId = String((ds as unknown as string[])[0]).replace('@/dataSets/', '');
  const batch = await call('POST', '/data/foundation/import/batches', { datasetId, inputFormat: { format: 'json' } });
  const conn = await call('POST', '/data/foundation/flowservice/connections', {
    name: 'Sweep',
    connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' },
    auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } },
  });
  const got = await call('GET', `/data/foundation/flowservice/connections/${conn.id}`);
  return { schemaAltId: schema['meta:altId'], datasetId, batchId: batch.id, connectionId: conn.id, inletId: got.items[0].auth.params.inletId };
}

/** The id a path parameter takes in the sweep: a real one where the sweep made one. */
const idResolver = (f: Fixtures) => (path: string, param: string): string => {
  if (param === 'inletId') return f.inletId;
  if (param === 'datasetId') return f.datasetId;
  if (param === 'batchId') return f.batchId;
  if (param === 'container') return 'tenant';
  if (param === 'type') return 'schemas';
  if (param === 'name') return 'prod';
  if (param === 'fileName') return 'a.json';
  if (param === 'id' && /dataSets/i.test(path)) return f.datasetId;
  if (param === 'id' && /batch/i.test(path)) return f.batchId;
  if (param === 'id' && /flowservice\/connections/.test(path)) return f.connectionId;
  if (param === 'id' && /schemaregistry\/\{container\}/.test(path)) return f.schemaAltId;
  return 'x1';
};

describe('OpenAPI sweep: malformed input to every operation never answers 5xx', () => {
  let k: TestKith;
  let idFor: (path: string, param: string) => string;
  before(async () => {
    k = await startTestKith();
    idFor = idResolver(await createFixtures(k));
  });
  after(() => k.stop());

  it('every operation in /openapi.json answers malformed input with a 4xx (or 2xx), never a 5xx or a stack trace', async () => {
    const doc = (await k.app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, Record<string, Operation>> }>();
    const failures: string[] = [];
    let sent = 0;
    // deletes last, so the real resources serve every other operation first
    const operations = Object.entries(doc.paths)
      .flatMap(([path, ops]) => METHODS.flatMap((method) => (ops[method] ? [{ path, method, op: ops[method]! }] : [])))
      .sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));
    for (const { path, method, op } of operations) {
      {
        const probes = probesOf(path, method, op, idFor);
        const url = path.replace(/\{(\w+)\}/g, (_m, n: string) => idFor(path, n));
        probes.push({ label: 'no auth headers', url }, { label: 'no sandbox header', url });
        for (const p of probes) {
          const all = k.headers();
          const auth = p.label === 'no auth headers' ? {} : p.label === 'no sandbox header' ? { ...all, 'x-sandbox-name': '' } : all;
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
