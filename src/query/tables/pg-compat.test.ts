import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pgCompat } from './pg-compat.js';

describe('pgCompat', () => {
  const cases: Array<[string, string, string]> = [
    ['OPERATOR(pg_catalog.~)', `c.relname OPERATOR(pg_catalog.~) '^(t)$'`, `c.relname ~ '(?s:.*)(?:^(t)$)(?s:.*)'`],
    ['COLLATE pg_catalog.default', `x = 'a' COLLATE pg_catalog.default AND y`, `x = 'a' AND y`],
    ['!~ finds the pattern anywhere', `n.nspname !~ '^pg_'`, `n.nspname !~ '(?s:.*)(?:^pg_)(?s:.*)'`],
    ['literal ::regclass', `d.classoid = 'pg_class'::regclass`, `d.classoid = pg_catalog.regclass_in('pg_class')`],
    ['expression ::pg_catalog.regclass::pg_catalog.text', `c.oid::pg_catalog.regclass::pg_catalog.text`, `pg_catalog.regclass_out(c.oid)::text`],
    ['::regtype', `c.reloftype::pg_catalog.regtype::pg_catalog.text`, `pg_catalog.regtype_out(c.reloftype)::text`],
    ['::regnamespace', `stxnamespace::pg_catalog.regnamespace::pg_catalog.text`, `pg_catalog.regnamespace_out(stxnamespace)::text`],
    ['::oid and ::name', `'1'::oid, x::name`, `'1'::BIGINT, x::VARCHAR`],
    ['::pg_catalog.int2[]', `pr.prattrs::pg_catalog.int2[]`, `pr.prattrs::int2[]`],
    ['array literal compared', `pol.polroles = '{0}'`, `pol.polroles = [0]`],
    ['generate_series alias names its column', `FROM pg_catalog.generate_series(0, f(x, 1)) s, t`, `FROM pg_catalog.generate_series(0, f(x, 1)) s(s), t`],
    ['plain SQL is untouched', `SELECT a, 'x ~ y' FROM t WHERE b = 'c'`, `SELECT a, 'x ~ y' FROM t WHERE b = 'c'`],
  ];
  for (const [what, input, want] of cases) it(what, () => assert.equal(pgCompat(input), want));

  describe('inputs it must leave alone or survive', () => {
    const odd = ['', ';', `'unterminated`, `~`, `::`, `OPERATOR(`, 'x'.repeat(100_000) + '::regclass'];
    for (const s of odd) it(`survives ${JSON.stringify(s.slice(0, 20))}`, () => assert.equal(typeof pgCompat(s), 'string'));
  });
});
