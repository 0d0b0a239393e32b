import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labelsSql } from './labels.js';
import { lakeFixture, type LakeFixture } from './testing/lake-fixture.js';
import type { ModelKind } from './model-types.js';

describe('labels from the outcome events in the window', () => {
  let lake: LakeFixture;
  before(async () => (lake = await lakeFixture()));
  after(() => lake.close());

  // (n, v): outcome events counted in the window and their monetary sum; NULL when the person had none
  const people = "(VALUES ('none', NULL, NULL), ('one', 1, 30.5), ('two', 2, 0)) AS l(pid, n, v)";
  const cases: Array<[ModelKind, Record<string, number>]> = [
    ['conversion', { none: 0, one: 1, two: 1 }],
    ['churn', { none: 1, one: 0, two: 0 }],
    ['lifetimeValue', { none: 0, one: 30.5, two: 0 }],
  ];
  for (const [kind, want] of cases)
    it(kind, async () => {
      const rows = await lake.session.rows(`SELECT pid, ${labelsSql(kind, 'l')}::DOUBLE AS y FROM ${people}`);
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.pid, r.y])), want);
    });
});
