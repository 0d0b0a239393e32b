import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyError } from 'fastify';
import { describeValidation, mapError } from './error-mapper.js';

const fe = (e: Error, extra: Record<string, unknown> = {}): FastifyError => Object.assign(e, extra) as unknown as FastifyError;

describe('describeValidation', () => {
  const cases: Array<[string, string, Array<Record<string, unknown>>, string]> = [
    ['nested field', 'body', [{ instancePath: '/auth/params/dataType', message: 'must be string' }], 'body.auth.params.dataType must be string'],
    ['array index', 'body', [{ instancePath: '/xids/0/nsid', message: 'must be integer' }], 'body.xids[0].nsid must be integer'],
    ['root', 'body', [{ instancePath: '', message: "must have required property 'name'" }], "body must have required property 'name'"],
    ['escaped slash', 'body', [{ instancePath: '/tags/adobe~1pqs~1table', message: 'must be array' }], 'body.tags.adobe/pqs/table must be array'],
    ['unknown property named', 'querystring', [{ instancePath: '', message: 'must NOT have additional properties', keyword: 'additionalProperties', params: { additionalProperty: 'x' } }], "querystring must NOT have additional properties: 'x'"],
    ['a tag no oneOf variant has', 'body', [{ instancePath: '/nodes/1', message: 'value of tag "type" must be in oneOf', keyword: 'discriminator', params: { error: 'mapping', tag: 'type', tagValue: 'sleep' } }], 'body.nodes[1].type "sleep" is not one of the allowed values'],
    ['a tag that is no string', 'body', [{ instancePath: '/nodes/1', message: 'tag "type" must be string', keyword: 'discriminator', params: { error: 'tag', tag: 'type', tagType: 'number' } }], 'body.nodes[1] tag "type" must be string'],
  ];
  for (const [name, ctx, errors, want] of cases) it(name, () => assert.equal(describeValidation(ctx, errors), want));
});

describe('mapError', () => {
  const cases: Array<[string, FastifyError, number, RegExp]> = [
    ['validation', fe(new Error('x'), { validation: [{ instancePath: '/a', message: 'must be string' }], validationContext: 'body' }), 400, /body\.a must be string/],
    ['bad JSON', fe(new Error('Malformed JSON: x'), { code: 'KITH_BAD_JSON', statusCode: 400 }), 400, /Malformed JSON/],
    ['bad url', fe(new Error("'/x/%E0' is not a valid url component"), { code: 'FST_ERR_BAD_URL' }), 400, /percent-encoding/],
    ['declared 4xx keeps its status and title', fe(new Error('gone'), { statusCode: 404 }), 404, /gone/],
  ];
  for (const [name, error, status, detail] of cases)
    it(name, () => {
      const m = mapError(error);
      assert.equal(m.status, status);
      assert.match(String(m.body.detail), detail);
    });

  describe('invalid input', () => {
    it('a URIError from decoding input is a 400', () => assert.equal(mapError(fe(new URIError('URI malformed'))).status, 400));
    it('a stack overflow is a 400', () => {
      let e: unknown;
      try {
        JSON.stringify(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)));
      } catch (x) {
        e = x;
      }
      assert.equal(mapError(e as FastifyError).status, 400);
    });
    it('anything else is a 500 whose body does not repeat the message', () => {
      const m = mapError(fe(new TypeError('secret internals')));
      assert.equal(m.status, 500);
      assert.doesNotMatch(JSON.stringify(m.body), /secret internals/);
    });
    it('a 404 is titled Not Found', () => assert.equal(mapError(fe(new Error('x'), { statusCode: 404 })).body.title, 'Not Found'));
  });
});
