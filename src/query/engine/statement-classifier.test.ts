import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from './statement-classifier.js';
import { splitStatements } from './sql-lexer.js';

describe('classify', () => {
  const valid: Array<[string, Record<string, unknown>]> = [
    ['SELECT 1', { kind: 'select', sql: 'SELECT 1', showTables: false }],
    ['  select * from t;', { kind: 'select', sql: 'select * from t', showTables: false }],
    ['WITH x AS (SELECT 1) SELECT * FROM x', { kind: 'select' }],
    ['VALUES (1), (2)', { kind: 'select' }],
    ['TABLE events', { kind: 'select' }],
    ['(SELECT 1) UNION (SELECT 2)', { kind: 'select' }],
    ['-- a comment\n/* and /* nested */ another */ SELECT 1', { kind: 'select' }],
    ['SHOW TABLES', { kind: 'select', sql: 'SHOW TABLES', showTables: true }],
    ['show tables;', { kind: 'select', showTables: true }],
    ['SHOW TimeZone', { kind: 'show', name: 'timezone' }],
    ['SHOW TRANSACTION ISOLATION LEVEL', { kind: 'show', name: 'transaction_isolation' }],
    ['SHOW ALL', { kind: 'show', name: 'all' }],
    ["SET auto_to_json = true", { kind: 'set', name: 'auto_to_json', value: 'true', tag: 'SET' }],
    ["SET SESSION TimeZone TO 'Europe/Paris'", { kind: 'set', name: 'timezone', value: 'Europe/Paris' }],
    ['SET LOCAL statement_timeout = 5000', { kind: 'set', name: 'statement_timeout', value: '5000' }],
    ["SET search_path TO public, \"$user\"", { kind: 'set', name: 'search_path', value: 'public, $user' }],
    ['SET extra_float_digits = 3', { kind: 'set', name: 'extra_float_digits', value: '3' }],
    ['SET TIME ZONE LOCAL', { kind: 'set', name: 'timezone', value: null }],
    ["SET NAMES 'UTF8'", { kind: 'set', name: 'client_encoding', value: 'UTF8' }],
    ['SET application_name TO DEFAULT', { kind: 'set', name: 'application_name', value: null }],
    ['SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED', { kind: 'set', name: 'default_transaction_characteristics' }],
    ['RESET ALL', { kind: 'set', name: 'all', value: null, tag: 'RESET' }],
    ['RESET statement_timeout', { kind: 'set', name: 'statement_timeout', value: null, tag: 'RESET' }],
    ['BEGIN', { kind: 'transaction', tag: 'BEGIN' }],
    ['BEGIN ISOLATION LEVEL READ COMMITTED', { kind: 'transaction', tag: 'BEGIN' }],
    ['START TRANSACTION READ ONLY', { kind: 'transaction', tag: 'START TRANSACTION' }],
    ['COMMIT', { kind: 'transaction', tag: 'COMMIT' }],
    ['END', { kind: 'transaction', tag: 'COMMIT' }],
    ['ROLLBACK', { kind: 'transaction', tag: 'ROLLBACK' }],
    ['SAVEPOINT sp1', { kind: 'transaction', tag: 'SAVEPOINT' }],
    ['RELEASE SAVEPOINT sp1', { kind: 'transaction', tag: 'RELEASE' }],
    ['DISCARD ALL', { kind: 'discard', tag: 'DISCARD ALL' }],
    ['DEALLOCATE PREPARE s1', { kind: 'discard', tag: 'DEALLOCATE', deallocate: 's1' }],
    ['DEALLOCATE ALL', { kind: 'discard', tag: 'DEALLOCATE ALL', deallocate: 'ALL' }],
    ['CREATE TABLE t2 AS (SELECT * FROM events)', { kind: 'ctas', table: 't2', select: '(SELECT * FROM events)' }],
    ["CREATE TABLE t2 WITH (schema='My Schema') AS SELECT 1", { kind: 'ctas', table: 't2', schemaTitle: 'My Schema', select: 'SELECT 1' }],
    ['INSERT INTO t2 SELECT * FROM events', { kind: 'insert', table: 't2', select: 'SELECT * FROM events' }],
    ['INSERT INTO t2 VALUES (1)', { kind: 'insert', table: 't2', select: 'VALUES (1)' }],
    ['INSERT INTO "T2" (SELECT 1)', { kind: 'insert', table: 'T2', select: '(SELECT 1)' }],
    ['DROP TABLE t2', { kind: 'drop', table: 't2', ifExists: false }],
    ['DROP TABLE IF EXISTS t2;', { kind: 'drop', table: 't2', ifExists: true }],
    ['', { kind: 'empty' }],
    ['  -- only a comment', { kind: 'empty' }],
    [';', { kind: 'empty' }],
  ];
  for (const [sql, want] of valid)
    it(`${JSON.stringify(sql)} → ${String(want.kind)}`, () => {
      const r = classify(sql);
      assert.ok(r.ok, JSON.stringify(r));
      for (const [k, v] of Object.entries(want)) assert.deepEqual((r.value as Record<string, unknown>)[k], v, k);
    });

  describe('invalid input', () => {
    const refused: Array<[string, string, RegExp]> = [
      ['UPDATE events SET x = 1', '0A000', /^UPDATE is not supported by the Query Service$/],
      ['DELETE FROM events', '0A000', /^DELETE is not supported/],
      ["COPY (SELECT 1) TO '/tmp/x'", '0A000', /^COPY is not supported/],
      ["ATTACH '/tmp/x.db'", '0A000', /^ATTACH is not supported/],
      ['INSTALL httpfs', '0A000', /^INSTALL is not supported/],
      ['LOAD httpfs', '0A000', /^LOAD is not supported/],
      ['PRAGMA database_list', '0A000', /^PRAGMA is not supported/],
      ['CREATE VIEW v AS SELECT 1', '0A000', /^CREATE VIEW is not supported/],
      ['CREATE OR REPLACE MACRO m() AS 1', '0A000', /^CREATE MACRO is not supported/],
      ['CREATE INDEX i ON t (a)', '0A000', /^CREATE INDEX is not supported/],
      ['CREATE SCHEMA s', '0A000', /^CREATE SCHEMA is not supported/],
      ['CREATE TEMP TABLE t AS SELECT 1', '0A000', /^CREATE TEMP TABLE is not supported/],
      ['CREATE TABLE t (a int)', '0A000', /CREATE TABLE without AS SELECT/],
      ['CREATE TABLE s.t AS SELECT 1', '0A000', /schema-qualified/],
      ["CREATE TABLE t WITH (format='csv') AS SELECT 1", '0A000', /options/],
      ['ALTER TABLE t ADD COLUMN a int', '0A000', /^ALTER TABLE is not supported/],
      ['DROP VIEW v', '0A000', /^DROP VIEW is not supported/],
      ['DROP TABLE a, b', '0A000', /more than one/],
      ["EXPORT DATABASE '/tmp/x'", '0A000', /^EXPORT is not supported/],
      ['CALL duckdb_settings()', '0A000', /^CALL is not supported/],
      ['DESCRIBE events', '0A000', /^DESCRIBE is not supported/],
      ['EXPLAIN SELECT 1', '0A000', /^EXPLAIN is not supported/],
      ['INSERT INTO t (a) SELECT 1', '0A000', /column list/],
      ['INSERT INTO t DEFAULT VALUES', '0A000', /INSERT other than/],
      ["SET ROLE admin", '0A000', /SET ROLE/],
      ['SELECT 1; SELECT 2', '42601', /multiple commands/],
      ["SELECT 1; COPY (SELECT 1) TO '/tmp/x'", '42601', /multiple commands/],
      ['/* SELECT */ COPY x TO y', '0A000', /^COPY/],
      ['123', '42601', /syntax error/],
      ['SET x', '42601', /syntax error/],
    ];
    for (const [sql, code, message] of refused)
      it(JSON.stringify(sql), () => {
        const r = classify(sql);
        assert.ok(!r.ok, `accepted: ${JSON.stringify(r)}`);
        assert.equal(r.error.code, code);
        assert.match(r.error.message, message);
      });
  });
});

describe('splitStatements', () => {
  const cases: Array<[string, string[]]> = [
    ['SELECT 1; SELECT 2', ['SELECT 1', 'SELECT 2']],
    ["SELECT ';'; SELECT 2;", ["SELECT ';'", 'SELECT 2']],
    ["SELECT 'it''s; fine'", ["SELECT 'it''s; fine'"]],
    ["SELECT E'a\\'; b'", ["SELECT E'a\\'; b'"]],
    ['SELECT $$a;b$$; SELECT $tag$ ; $ $tag$', ['SELECT $$a;b$$', 'SELECT $tag$ ; $ $tag$']],
    ['SELECT "a;b" FROM t', ['SELECT "a;b" FROM t']],
    ['SELECT 1 -- ; comment\n; SELECT 2', ['SELECT 1 -- ; comment', 'SELECT 2']],
    ['SELECT /* ; /* ; */ ; */ 1', ['SELECT /* ; /* ; */ ; */ 1']],
    ['SELECT $1; SELECT $2', ['SELECT $1', 'SELECT $2']],
    ['', []],
    [' ; ;; -- nothing', []],
    ["SELECT 'unterminated; still one", ["SELECT 'unterminated; still one"]],
  ];
  for (const [sql, want] of cases) it(JSON.stringify(sql), () => assert.deepEqual(splitStatements(sql), want));
});
