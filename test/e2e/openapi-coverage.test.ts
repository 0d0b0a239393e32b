import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';

interface Operation {
  summary?: string;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

/** Operations that take no request body (actions in the query string). */
const NO_BODY = new Set([
  'post /data/foundation/import/batches/{batchId}',
  'post /data/foundation/import/batches/{batchId}/datasets/{datasetId}/files/{fileName}',
  'post /data/foundation/query/schedules/{id}/runs', // AEP: a trigger without a body
]);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

describe('OpenAPI coverage: every operation documents what it takes and what it answers', () => {
  let k: TestKith;
  let doc: { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } };
  before(async () => {
    k = await startTestKith();
    doc = (await k.app.inject({ url: '/openapi.json' })).json();
  });
  after(() => k.stop());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) => METHODS.flatMap((m) => (ops[m] ? [{ key: `${m} ${path}`, method: m, op: ops[m]! }] : [])));

  it('components.schemas holds the shared error bodies', () => {
    assert.ok(doc.components?.schemas?.Problem, 'Problem');
    assert.ok(doc.components?.schemas?.GatewayError, 'GatewayError');
  });

  it('every operation has a 2xx response with a schema (or an explicit empty one)', () => {
    const missing = operations().flatMap(({ key, op }) => {
      // a redirect is the success of a browser flow (Shopify's OAuth install)
      const ok = Object.entries(op.responses ?? {}).filter(([code]) => /^2/.test(code) || /^30[1237]$/.test(code));
      if (ok.length === 0) return [`${key}: no 2xx response`];
      // an empty answer (204, or "Done (no body)") declares itself with a description and no content
      const described = ok.every(([, r]) => r.content?.['application/json']?.schema !== undefined || (r.content === undefined && r.description && r.description !== 'Default Response'));
      return described ? [] : [`${key}: a 2xx response without a schema`];
    });
    assert.deepEqual(missing, []);
  });

  it('every operation has a summary and declares its error responses', () => {
    const missing = operations().flatMap(({ key, op }) => [
      ...(op.summary ? [] : [`${key}: no summary`]),
      ...(Object.keys(op.responses ?? {}).some((c) => /^4/i.test(c)) || key.startsWith('get /health') || key.startsWith('get /ready') ? [] : [`${key}: no 4xx response`]),
    ]);
    assert.deepEqual(missing, []);
  });

  it('every POST, PUT and PATCH that takes a body has a request body schema', () => {
    const missing = operations().flatMap(({ key, method, op }) => {
      if (method === 'get' || method === 'delete' || NO_BODY.has(key)) return [];
      const schemas = Object.values(op.requestBody?.content ?? {}).map((c) => c.schema);
      return schemas.length > 0 && schemas.every((s) => s !== undefined) ? [] : [`${key}: no request body schema`];
    });
    assert.deepEqual(missing, []);
  });

  it('the document lists every route', () => {
    const all = Object.keys(doc.paths);
    assert.ok(all.length > 100, 'every route is checked');
  });
});
