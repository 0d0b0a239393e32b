import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseChecker } from './response-check.js';
import { obj, closedObj, str, int, arrayOf, sharedSchemas, ref } from './schemas.js';

describe('ResponseChecker', () => {
  const checker = new ResponseChecker(sharedSchemas);
  const item = obj({ id: str, n: int }, ['id']);
  const cases: Array<[string, Record<string, unknown> | undefined, unknown, boolean]> = [
    ['matching body passes', item, { id: 'a', n: 1 }, true],
    ['extra property allowed where the schema allows it', item, { id: 'a', more: [1, 2] }, true],
    ['no schema: not checked', undefined, { anything: true }, true],
    ['empty reply (204) is not checked', item, undefined, true],
    ['shared schema by reference', ref('Problem'), { title: 'Bad Request', status: 400 }, true],
    ['OpenAPI content form', { description: 'x', content: { 'application/json': { schema: item } } }, { id: 'a' }, true],
    ['array of items', arrayOf(item), [{ id: 'a' }, { id: 'b' }], true],
    ['nullable field', obj({ v: { type: 'string', nullable: true } }), { v: null }, true],
    ['wrong type fails', item, { id: 1 }, false],
    ['missing required fails', item, { n: 1 }, false],
    ['extra property fails on a closed object', closedObj({ id: str }), { id: 'a', extra: 1 }, false],
    ['shared schema mismatch fails', ref('Problem'), { status: 400 }, false],
    ['no coercion: a numeric string is not an integer', item, { id: 'a', n: '1' }, false],
  ];
  for (const [name, schema, body, pass] of cases)
    it(name, () => {
      const errors = checker.compile(schema)(body);
      if (pass) assert.equal(errors, undefined);
      else assert.ok(errors && errors.length > 0, 'expected a mismatch');
    });

  it('names the failing field', () => {
    assert.match(checker.compile(item)({ id: 1 }) ?? '', /\/id must be string/);
  });

  it('checks what JSON.stringify sends (toJSON, undefined fields dropped)', () => {
    assert.equal(checker.compile(obj({ at: str }, ['at']))({ at: new Date(0), gone: undefined }), undefined);
  });
});
