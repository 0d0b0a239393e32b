import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { substituteParameters, targetTable } from './sql-text.js';
import { splitStatements } from '../engine/sql-lexer.js';

describe('REST SQL text', () => {
  it('splits statements at the semicolons of code only', () => {
    const cases: Array<[string, string[]]> = [
      ['SELECT 1', ['SELECT 1']],
      ['SELECT 1;', ['SELECT 1']],
      ['SET a = 1; SELECT 2 ;; ', ['SET a = 1', 'SELECT 2']],
      ["SELECT ';' AS x; SELECT 2", ["SELECT ';' AS x", 'SELECT 2']],
      ["SELECT 'it''s; fine'", ["SELECT 'it''s; fine'"]],
      ['SELECT "a;b" FROM t', ['SELECT "a;b" FROM t']],
      ['SELECT 1 -- a; comment\n; SELECT 2', ['SELECT 1 -- a; comment', 'SELECT 2']],
      ['SELECT /* ; */ 1', ['SELECT /* ; */ 1']],
      ['SELECT $$a;b$$; SELECT $t$;$t$', ['SELECT $$a;b$$', 'SELECT $t$;$t$']],
      ['-- only a comment', []],
      ['  ;  ', []],
    ];
    for (const [sql, want] of cases) assert.deepEqual(splitStatements(sql), want, sql);
  });

  it('substitutes $name parameters in code, not in literals or comments', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['SELECT * FROM t WHERE id = $id', { id: 5 }, 'SELECT * FROM t WHERE id = 5'],
      ['SELECT $a, $ab', { $a: "'x'", ab: true }, "SELECT 'x', true"],
      ["SELECT '$id', $id -- $id", { id: 1 }, "SELECT '$id', 1 -- $id"],
      ['SELECT $1', {}, 'SELECT $1'],
      ['SELECT $$dollar$$', {}, 'SELECT $$dollar$$'],
    ];
    for (const [sql, params, want] of cases) assert.deepEqual(substituteParameters(sql, params), { ok: true, value: want }, sql);
  });

  it('refuses a placeholder without a value, and nested values', () => {
    assert.deepEqual(substituteParameters('SELECT $a, $b, $b', {}), { ok: false, error: 'queryParameters has no value for $a, $b' });
    assert.equal(substituteParameters('SELECT $a', { a: [1] }).ok, false);
  });

  it('finds CTAS and INSERT INTO targets', () => {
    assert.deepEqual(targetTable('CREATE TABLE Orders_2 AS (SELECT 1)'), { kind: 'ctas', table: 'orders_2' });
    assert.deepEqual(targetTable("create table x with (schema='S') as select 1"), { kind: 'ctas', table: 'x' });
    assert.deepEqual(targetTable('INSERT INTO x SELECT 1'), { kind: 'insert', table: 'x' });
    assert.equal(targetTable('INSERT INTO public.x SELECT 1'), undefined, 'the engine refuses a qualified target');
    assert.equal(targetTable('SELECT 1'), undefined);
  });
});
