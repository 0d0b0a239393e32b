import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { envNumber } from './env-number.js';

const NAME = 'KITH_TEST_ENV_NUMBER';
const withEnv = <T>(v: string | undefined, fn: () => T): T => {
  if (v === undefined) delete process.env[NAME];
  else process.env[NAME] = v;
  try {
    return fn();
  } finally {
    delete process.env[NAME];
  }
};

describe('envNumber', () => {
  const cases: Array<[string | undefined, { min?: number; integer?: boolean }, number]> = [
    [undefined, {}, 7],
    ['', {}, 7],
    ['0', {}, 0],
    ['2.5', {}, 2.5],
    ['3', { min: 1, integer: true }, 3],
  ];
  for (const [v, opts, want] of cases) it(`${JSON.stringify(v)} ${JSON.stringify(opts)} -> ${want}`, () => assert.equal(withEnv(v, () => envNumber(NAME, 7, opts)), want));

  describe('invalid input', () => {
    const bad: Array<[string, { min?: number; integer?: boolean }]> = [['abc', {}], ['-1', {}], ['0', { min: 1 }], ['1.5', { integer: true }], ['Infinity', {}]];
    for (const [v, opts] of bad)
      it(`${JSON.stringify(v)} ${JSON.stringify(opts)} is refused, naming the variable`, () => assert.throws(() => withEnv(v, () => envNumber(NAME, 7, opts)), new RegExp(NAME)));
  });
});
