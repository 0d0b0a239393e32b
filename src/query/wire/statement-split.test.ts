import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitStatements, splitStatementsWithOffsets } from '../engine/sql-lexer.js';
import { transactionEffect } from './transaction-status.js';

describe('splitStatements: top-level semicolons only', () => {
  const cases: Array<[string, string, string[]]> = [
    ['one statement', 'select 1', ['select 1']],
    ['trailing semicolon and whitespace', ' select 1 ;  ', ['select 1']],
    ['two statements', 'select 1; select 2;', ['select 1', 'select 2']],
    ['semicolon in a string', "select ';' as s; select 2", ["select ';' as s", 'select 2']],
    ["doubled quote in a string", "select 'it''s;' ; select 2", ["select 'it''s;'", 'select 2']],
    ['backslash escape in E string', "select E'a\\';b'; select 2", ["select E'a\\';b'", 'select 2']],
    ['backslash is plain in a standard string', "select 'a\\'; select 2", ["select 'a\\'", 'select 2']],
    ['quoted identifier', 'select 1 as "a;b"; select 2', ['select 1 as "a;b"', 'select 2']],
    ['dollar quote', 'select $$a;b$$; select 2', ['select $$a;b$$', 'select 2']],
    ['tagged dollar quote holding $$', 'select $f$ $$;$$ $f$; select 2', ['select $f$ $$;$$ $f$', 'select 2']],
    ['a parameter is no dollar quote', 'select $1; select $2', ['select $1', 'select $2']],
    ['line comment', 'select 1 -- a;b\n; select 2', ['select 1 -- a;b', 'select 2']],
    ['nested block comment', 'select /* a /* ; */ ; */ 1; select 2', ['select /* a /* ; */ ; */ 1', 'select 2']],
    ['comment-only statements dropped', '-- nothing\n; /* x */ ; select 1', ['select 1']],
    ['empty', '', []],
    ['only semicolons', ';;;', []],
  ];
  for (const [name, sql, want] of cases) it(name, () => assert.deepEqual(splitStatements(sql), want));

  it('offsets point at each statement in the whole string', () => {
    const sql = 'select 1;\n  select 2';
    for (const s of splitStatementsWithOffsets(sql)) assert.equal(sql.slice(s.offset, s.offset + s.text.length), s.text);
  });

  describe('invalid input', () => {
    const bad: Array<[string, string, string[]]> = [
      ['unterminated string swallows the rest', "select 'a; select 2", ["select 'a; select 2"]],
      ['unterminated dollar quote swallows the rest', 'select $q$ a; select 2', ['select $q$ a; select 2']],
      ['unterminated block comment', 'select 1; /* ; select 2', ['select 1']],
      ['unterminated quoted identifier', 'select "a; select 2', ['select "a; select 2']],
    ];
    for (const [name, sql, want] of bad) it(name, () => assert.deepEqual(splitStatements(sql), want));
  });
});

describe('transactionEffect: the statements that move the status byte', () => {
  const cases: Array<[string, ReturnType<typeof transactionEffect>]> = [
    ['BEGIN', 'begin'],
    ['begin transaction isolation level read committed', 'begin'],
    ['START TRANSACTION', 'begin'],
    ['COMMIT', 'end'],
    ['end work', 'end'],
    ['rollback', 'end'],
    ['ABORT', 'end'],
    ['ROLLBACK TO SAVEPOINT a', 'rollback-to'],
    ['rollback work to a', 'rollback-to'],
    ['/* c */ commit', 'end'],
    ['SAVEPOINT a', 'none'],
    ['select 1', 'none'],
    ['start', 'none'],
    ['', 'none'],
  ];
  for (const [sql, want] of cases) it(JSON.stringify(sql), () => assert.equal(transactionEffect(sql), want));
});
