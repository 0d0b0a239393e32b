import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lakeThreads } from './lake.js';

describe('lakeThreads (KITH_LAKE_THREADS)', () => {
  const withEnv = (v: string | undefined, fn: () => void) => {
    const before = process.env.KITH_LAKE_THREADS;
    if (v === undefined) delete process.env.KITH_LAKE_THREADS;
    else process.env.KITH_LAKE_THREADS = v;
    try {
      fn();
    } finally {
      if (before === undefined) delete process.env.KITH_LAKE_THREADS;
      else process.env.KITH_LAKE_THREADS = before;
    }
  };
  const cases: Array<[string | undefined, string]> = [[undefined, '1'], ['', '1'], ['1', '1'], ['4', '4']];
  for (const [v, want] of cases) it(`${JSON.stringify(v)} -> ${want}`, () => withEnv(v, () => assert.equal(lakeThreads(), want)));

  describe('invalid input', () => {
    for (const v of ['0', '-2', '1.5', 'many'])
      it(`${JSON.stringify(v)} is refused with the variable's name`, () => withEnv(v, () => assert.throws(() => lakeThreads(), /KITH_LAKE_THREADS/)));
  });
});
