import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sqlErrorOf } from './sql-errors.js';

describe('sqlErrorOf: DuckDB errors as PostgreSQL errors, naming only what the session knows', () => {
  const cases: Array<[string, string, { code: string; message: string; detail?: string }]> = [
    ['a missing table', 'Catalog Error: Table with name nope does not exist!\n\nLINE 1: SELECT * FROM nope', { code: '42P01', message: 'Table with name nope does not exist!' }],
    ['a missing column', 'Binder Error: Referenced column "x" not found in FROM clause!', { code: '42703', message: 'Referenced column "x" not found in FROM clause!' }],
    [
      "the session's own tables are public.x, its catalog pg_catalog.x",
      'Catalog Error: Table with name t does not exist!\nDid you mean "lake.q_0123456789abcdef.t" or "c_0123456789abcdef.pg_class"?',
      { code: '42P01', message: 'Table with name t does not exist!', detail: 'Did you mean "public.t" or "pg_catalog.pg_class"?' },
    ],
    ["a hint naming another sandbox's raw table is dropped", 'Catalog Error: Table with name secret does not exist!\nDid you mean "lake.s_fedcba9876543210.secret"?', { code: '42P01', message: 'Table with name secret does not exist!' }],
    ['internal tables are never named', 'Catalog Error: Table with name main._kith_progress does not exist!', { code: '42P01', message: 'Table with name _kith_progress does not exist!' }],
  ];
  for (const [name, raw, want] of cases) it(name, () => assert.deepEqual(sqlErrorOf(new Error(raw)), want));

  describe('invalid input', () => {
    it('not an Error, no class prefix: XX000 with the text', () => assert.deepEqual(sqlErrorOf('boom'), { code: 'XX000', message: 'boom' }));
  });
});
