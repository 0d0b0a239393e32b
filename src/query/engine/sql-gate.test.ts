import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { engineFixture, run, SPEC } from './testing/engine-fixture.js';
import type { DuckdbQueryEngine } from './duckdb-query-engine.js';

describe('SQL gate (hostile input against a real lake)', () => {
  let f: Awaited<ReturnType<typeof engineFixture>>;
  let engine: DuckdbQueryEngine;
  let session = '';
  let before_: string[] = [];
  before(async () => {
    f = await engineFixture();
    engine = f.engine;
    session = await engine.openSession(SPEC);
    before_ = readdirSync(f.dir).sort();
  });
  after(async () => {
    await engine.closeSession(session);
    await f.close();
  });

  const target = (name: string): string => join(f.dir, name);

  describe('allowed', () => {
    const allowed: Array<[string, string[][]]> = [
      ['SELECT count(*) FROM events', [['5']]],
      ['SELECT count(*) FROM public.events', [['5']]],
      ['SELECT count(*) FROM "events" e JOIN events USING (_id)', [['5']]],
      ['WITH events AS (SELECT 1 AS a) SELECT * FROM events', [['1']]],
      ['WITH x AS (SELECT _id FROM events) SELECT count(*) FROM x WHERE _id IN (SELECT _id FROM events)', [['5']]],
      ['SELECT (SELECT count(*) FROM events) UNION ALL SELECT count(*) FROM events ORDER BY 1', [['5'], ['5']]],
      ['WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT sum(n) FROM r', [['6']]],
      ['SELECT count(*) FROM range(3)', [['3']]],
      ['SELECT count(*) FROM generate_series(1, 4)', [['4']]],
      ['SELECT * FROM unnest([1, 2]) ORDER BY 1', [['1'], ['2']]],
      ["SELECT table_name FROM information_schema.tables", [['events']]],
      ["SELECT 'a;b' || $$c$$", [['a;bc']]],
      ['SELECT pg_catalog.lower(\'A\')', [['a']]],
    ];
    for (const [sql, want] of allowed)
      it(sql, async () => {
        const r = await run(engine, session, sql);
        assert.ok(r.ok, JSON.stringify(r));
        assert.deepEqual(r.value.rows, want);
      });

    it('names columns as PostgreSQL does after the round trip', async () => {
      const r = await run(engine, session, 'SELECT count(*), true, 1 + 1, _id, _id::varchar, max(_kith_offset) AS m FROM events GROUP BY _id LIMIT 1');
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.value.columns!.map((c) => c.name), ['count', 'bool', '?column?', '_id', '_id', 'm']);
    });
  });

  describe('invalid input', () => {
    const hostile: Array<[string, string, RegExp?]> = [
      ["SELECT * FROM read_csv('/etc/passwd')", '42501', /read_csv/],
      ["SELECT * FROM read_csv_auto('/etc/passwd')", '42501', /read_csv_auto/],
      ["SELECT * FROM read_text('/etc/passwd')", '42501', /read_text/],
      ["SELECT * FROM glob('/*')", '42501', /glob/],
      ['SELECT * FROM duckdb_settings()', '42501', /duckdb_settings/],
      ['SELECT * FROM duckdb_tables()', '42501', /duckdb_tables/],
      ["SELECT * FROM query('SELECT * FROM main._kith_progress')", '42501', /query/],
      ["SELECT * FROM range(3), read_csv('/etc/passwd')", '42501', /read_csv/],
      ["SELECT (SELECT count(*) FROM read_csv('/etc/passwd'))", '42501', /read_csv/],
      ["WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x", '42501', /read_csv/],
      ["SELECT * FROM '/etc/passwd'", '42P01'],
      ['SELECT * FROM "/etc/passwd"', '42P01'],
      ["SELECT * FROM 'https://example.com/x.csv'", '42P01'],
      ['SELECT * FROM s_sb2.secret', '42501'],
      ['SELECT * FROM secret', '42P01'],
      ['SELECT * FROM main._kith_progress', '42501'],
      ['SELECT * FROM _kith_progress', '42P01'],
      ['SELECT * FROM lake.main.x', '42501'],
      ['SELECT * FROM lake.s_sb1.events', '42501'],
      ['SELECT * FROM information_schema.schemata', '42501'],
      ['SELECT * FROM system.main.duckdb_tables', '42501'],
      ["SELECT getenv('HOME')", '42501', /getenv/],
      ["SELECT current_setting('temp_directory')", '42501', /current_setting/],
      ["SELECT upper(current_setting('home_directory'))", '42501', /current_setting/],
      ['SELECT s_sb2.f(1)', '42501'],
      ["COPY (SELECT 1) TO '/tmp/x'", '0A000'],
      ["ATTACH 'x.db' AS x", '0A000'],
      ['INSTALL httpfs', '0A000'],
      ['LOAD httpfs', '0A000'],
      ['PRAGMA enable_profiling', '0A000'],
      ["SET memory_limit = '100GB'", '', undefined],
      ["EXPORT DATABASE 'exported'", '0A000'],
      [`SELECT 1; COPY (SELECT 1) TO 'x.csv'`, '42601'],
      [`SELECT 1 /* ; COPY (SELECT 1) TO 'x.csv' */`, ''],
      [`SELECT 1 --\n; COPY (SELECT 1) TO 'x.csv'`, '42601'],
      [`/**/COPY (SELECT 1) TO 'x.csv'`, '0A000'],
      ["SELECT U&'\\0041'", ''],
      ['DESCRIBE events', '0A000'],
      ['SUMMARIZE events', '0A000'],
      ['SELEC 1', '42601'],
      ['SELECT $name', '42601'],
    ];
    for (const [sql, code, message] of hostile)
      it(JSON.stringify(sql), async () => {
        const r = await run(engine, session, sql);
        if (code === '') {
          // accepted statements here are harmless by construction (a SET the engine keeps, a comment, a literal):
          // what matters is that nothing reached the server's files or settings
          if (!r.ok) assert.notEqual(r.error.code, 'XX000', JSON.stringify(r.error));
        } else {
          assert.ok(!r.ok, `accepted: ${JSON.stringify(r)}`);
          assert.equal(r.error.code, code, JSON.stringify(r.error));
          if (message) assert.match(r.error.message, message);
        }
        assert.ok(!existsSync('/tmp/x'), 'no file written');
        assert.ok(!existsSync(target('x.csv')) && !existsSync(target('exported')) && !existsSync(target('x.db')));
        assert.deepEqual(readdirSync(f.dir).sort(), before_, 'the data directory holds no new file');
      });

    it('the instance settings stay locked whatever a session does', async () => {
      const r = await run(engine, session, "SELECT current_setting('TimeZone')");
      assert.ok(r.ok);
      assert.match(String(r.value.rows[0]![0]), /UTC/);
      // DuckDB itself refuses to change a locked setting even if SQL reached it
      const conn = await f.lake.connect();
      await assert.rejects(conn.run("SET enable_external_access = true"), /locked|Cannot change/);
      await assert.rejects(conn.run("SET memory_limit = '100GB'"), /locked/);
      await assert.rejects(conn.run("COPY (SELECT 1) TO '/tmp/x'"), /disabled|Permission/);
      conn.closeSync();
    });

    it('parameters survive the round trip', async () => {
      const r = await run(engine, session, 'SELECT $1::int + $2::int AS s, $3 AS t', ['2', '3', 'x']);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.value.rows, [['5', 'x']]);
    });
  });
});
