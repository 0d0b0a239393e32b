import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAgain } from './uri.js';

describe('decodeAgain', () => {
  const cases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['https%3A%2F%2Fns.adobe.com%2Facme%2Fschemas%2Fabc', 'https://ns.adobe.com/acme/schemas/abc'],
    ['_acme.schemas.abc', '_acme.schemas.abc'],
  ];
  for (const [input, want] of cases) it(input, () => assert.equal(decodeAgain(input), want));

  describe('invalid input', () => {
    for (const bad of ['%', '%E0%A4%A', '100%', '%zz']) it(`${bad} is returned as is, not thrown`, () => assert.equal(decodeAgain(bad), bad));
  });
});
