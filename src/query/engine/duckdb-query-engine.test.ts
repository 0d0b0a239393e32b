import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDataRows, engineFixture, run, SPEC, OTHER } from './testing/engine-fixture.js';
import type { DuckdbQueryEngine } from './duckdb-query-engine.js';
import { OID } from './pg-types.js';

type Fixture = Awaited<ReturnType<typeof engineFixture>>;

/** Resolves once `engine` reports a statement executing (the concurrency gate's count), polled on the event loop. */
async function untilRunning(engine: DuckdbQueryEngine, n: number): Promise<void> {
  const gate = (engine as unknown as { gate: { active: number } }).gate;
  while (gate.active < n) await new Promise((r) => setImmediate(r));
}

describe('DuckdbQueryEngine', () => {
  let f: Fixture;
  let engine: DuckdbQueryEngine;
  let s = '';
  before(async () => {
    f = await engineFixture();
    engine = f.engine;
    s = await engine.openSession(SPEC);
  });
  after(async () => {
    await engine.closeSession(s);
    await f.close();
  });

  describe('parameters', () => {
    const cases: Array<[string, Array<string | null>, number[], Array<Array<string | null>>]> = [
      ['SELECT _id FROM events WHERE _kith_offset = $1', ['3'], [], [['ev-3']]],
      ['SELECT _id FROM events WHERE _kith_offset = $1', ['3'], [OID.int4], [['ev-3']]],
      ['SELECT _id FROM events WHERE _kith_offset BETWEEN $1 AND $2 ORDER BY 1', ['2', '3'], [OID.int8, OID.int8], [['ev-2'], ['ev-3']]],
      ['SELECT _id FROM events WHERE _id = $1', ['ev-5'], [OID.text], [['ev-5']]],
      ['SELECT $1 AS a, $2 AS b', ['x', null], [], [['x', null]]],
      ['SELECT $1::int + 1', ['41'], [], [['42']]],
      ['SELECT $1 + 1', ['41'], [OID.int4], [['42']]],
      ['SELECT $1 IS NULL', [null], [OID.int4], [['t']]],
      ["SELECT $1 = 'it''s'", ["it's"], [], [['t']]],
      ['SELECT $1', ['t'], [OID.bool], [['t']]],
      ['SELECT $1', ['2024-01-02'], [OID.date], [['2024-01-02']]],
    ];
    for (const [sql, params, types, want] of cases)
      it(`${sql} ${JSON.stringify(params)} ${JSON.stringify(types)}`, async () => {
        const r = await run(engine, s, sql, params, types);
        assert.ok(r.ok, JSON.stringify(r));
        assert.deepEqual(r.value.rows, want);
      });

    describe('invalid input', () => {
      const bad: Array<[string, Array<string | null>, number[], string]> = [
        ['SELECT $1::int', ['abc'], [], '22P02'],
        ['SELECT $1', ['abc'], [OID.int4], '22P02'],
        ['SELECT $1, $2', ['1'], [], '08P01'],
        ['SELECT 1', ['1'], [], '08P01'],
        ['SET x = 1', ['1'], [], '0A000'],
      ];
      for (const [sql, params, types, code] of bad)
        it(`${sql} ${JSON.stringify(params)}`, async () => {
          const r = await run(engine, s, sql, params, types);
          assert.ok(!r.ok, JSON.stringify(r));
          assert.equal(r.error.code, code, JSON.stringify(r.error));
        });
    });
  });

  describe('portals', () => {
    it('fetches 2 rows at a time from 5: suspended, suspended, done with SELECT 5', async () => {
      const start = await engine.startPortal(s, 'p1', 'SELECT _id FROM events ORDER BY _kith_offset', [], [], []);
      assert.ok(start.ok);
      const got: string[][] = [];
      const shape: Array<[number, boolean, string | undefined]> = [];
      for (;;) {
        const c = await engine.fetch(s, 'p1', 2);
        assert.ok(c.ok, JSON.stringify(c));
        got.push(...(decodeDataRows(c.value.data) as string[][]));
        shape.push([c.value.rows, c.value.suspended, c.value.commandTag]);
        if (!c.value.suspended) break;
      }
      assert.deepEqual(shape, [
        [2, true, undefined],
        [2, true, undefined],
        [1, false, 'SELECT 5'],
      ]);
      assert.deepEqual(got, [['ev-1'], ['ev-2'], ['ev-3'], ['ev-4'], ['ev-5']]);
      await engine.closePortal(s, 'p1');
    });

    it('two portals open at once on one session read independently', async () => {
      assert.ok((await engine.startPortal(s, 'a', 'SELECT * FROM range(5000)', [], [], [])).ok);
      assert.ok((await engine.startPortal(s, 'b', 'SELECT * FROM range(3000)', [], [], [])).ok);
      const a1 = await engine.fetch(s, 'a', 10);
      const b = await engine.fetch(s, 'b', 0);
      const a2 = await engine.fetch(s, 'a', 0);
      assert.ok(a1.ok && b.ok && a2.ok);
      assert.equal(a1.value.rows, 10);
      assert.equal(b.value.commandTag, 'SELECT 3000');
      assert.equal(a1.value.rows + a2.value.rows, 5000);
      assert.equal(a2.value.commandTag, 'SELECT 5000');
    });

    it('streams a 1,000,000-row result in pieces of bounded size', async () => {
      assert.ok((await engine.startPortal(s, 'big', 'SELECT range AS n, range::varchar AS t FROM range(1000000)', [], [], [])).ok);
      let rows = 0;
      let calls = 0;
      let maxBytes = 0;
      for (;;) {
        const c = await engine.fetch(s, 'big', 0);
        assert.ok(c.ok);
        rows += c.value.rows;
        calls++;
        maxBytes = Math.max(maxBytes, c.value.data.byteLength);
        if (!c.value.suspended) {
          assert.equal(c.value.commandTag, 'SELECT 1000000');
          break;
        }
      }
      assert.equal(rows, 1_000_000);
      assert.ok(calls > 5, `${calls} calls`);
      assert.ok(maxBytes < 3 * 1024 * 1024, `${maxBytes} bytes in one call`);
    });

    it('a portal replaced by one of the same name, and an unknown portal', async () => {
      assert.ok((await engine.startPortal(s, '', 'SELECT 1', [], [], [])).ok);
      assert.ok((await engine.startPortal(s, '', 'SELECT 2', [], [], [])).ok);
      const c = await engine.fetch(s, '', 0);
      assert.ok(c.ok);
      assert.deepEqual(decodeDataRows(c.value.data), [['2']]);
      const none = await engine.fetch(s, 'nope', 0);
      assert.ok(!none.ok);
      assert.equal(none.error.code, '34000');
    });

    it('fetchJson returns plain values', async () => {
      assert.ok((await engine.startPortal(s, 'j', "SELECT 9007199254740993::bigint AS big, 5::bigint AS small, 1.50::decimal(10,2) AS d, timestamptz '2024-01-02 03:04:05.123+00' AS ts, {'a': [1, 2]} AS st, '{\"x\":1}'::json AS j", [], [], [])).ok);
      const r = await engine.fetchJson(s, 'j', 0);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.value.rows, [['9007199254740993', 5, '1.50', '2024-01-02T03:04:05.123Z', { a: [1, 2] }, '{"x":1}']]);
      assert.equal(r.value.commandTag, 'SELECT 1');
      assert.deepEqual(r.value.columns.map((c) => c.name), ['big', 'small', 'd', 'ts', 'st', 'j']);
    });
  });

  describe('encoding', () => {
    const types: Array<[string, number, string, string]> = [
      // expression, OID, text, binary (hex)
      ['true', OID.bool, 't', '01'],
      ['false', OID.bool, 'f', '00'],
      ['1::tinyint', OID.int2, '1', '0001'],
      ['-2::smallint', OID.int2, '-2', 'fffe'],
      ['3::integer', OID.int4, '3', '00000003'],
      ['4::bigint', OID.int8, '4', '0000000000000004'],
      ['1.5::float', OID.float4, '1.5', '3fc00000'],
      ['0.1::double', OID.float8, '0.1', '3fb999999999999a'],
      ['12.50::decimal(10,2)', OID.numeric, '12.50', '000200000000 0002000c1388'.replace(' ', '')],
      ['170141183460469231731687303715884105727::hugeint', OID.numeric, '170141183460469231731687303715884105727', ''],
      ["'héllo'::varchar", OID.text, 'héllo', Buffer.from('héllo').toString('hex')],
      ["date '2000-01-02'", OID.date, '2000-01-02', '00000001'],
      ["time '00:00:01.5'", OID.time, '00:00:01.5', '000000000016e360'],
      ["timestamp '2000-01-01 00:00:01'", OID.timestamp, '2000-01-01 00:00:01', '00000000000f4240'],
      ["timestamptz '2000-01-01 00:00:00.000001+00'", OID.timestamptz, '2000-01-01 00:00:00.000001+00', '0000000000000001'],
      ["uuid '550e8400-e29b-41d4-a716-446655440000'", OID.uuid, '550e8400-e29b-41d4-a716-446655440000', '550e8400e29b41d4a716446655440000'],
      ["'\\xAA\\x00'::blob", OID.bytea, '\\xaa00', 'aa00'],
      ["interval '1 day 1 second'", OID.interval, '1 day 00:00:01', '00000000000f42400000000100000000'],
      ["'{\"a\": 1}'::json", OID.json, '{"a": 1}', Buffer.from('{"a": 1}').toString('hex')],
      ["{'a': 1, 'b': 'x'}", OID.text, "{'a': 1, 'b': 'x'}", ''],
      ['[1, 2, NULL]', OID.text, '[1, 2, NULL]', ''],
    ];
    for (const [expr, oid, text, bin] of types)
      it(`${expr}: oid ${oid}, text ${JSON.stringify(text)}${bin ? `, binary ${bin}` : ''}`, async () => {
        const t = await run(engine, s, `SELECT ${expr} AS v`);
        assert.ok(t.ok, JSON.stringify(t));
        assert.equal(t.value.columns![0]!.typeOid, oid);
        assert.deepEqual(t.value.rows, [[text]]);
        if (!bin) return;
        assert.ok((await engine.startPortal(s, 'bin', `SELECT ${expr} AS v`, [], [], [1])).ok);
        const c = await engine.fetch(s, 'bin', 0);
        assert.ok(c.ok);
        assert.equal((decodeDataRows(c.value.data, true)[0]![0] as Buffer).toString('hex'), bin);
      });

    it('NULL is a -1 length in both formats', async () => {
      for (const fmt of [0, 1]) {
        assert.ok((await engine.startPortal(s, 'n', 'SELECT NULL::int AS a, 1 AS b', [], [], [fmt])).ok);
        const c = await engine.fetch(s, 'n', 0);
        assert.ok(c.ok);
        assert.equal(decodeDataRows(c.value.data)[0]![0], null);
      }
    });

    it('per-column result formats, and a wrong count is refused', async () => {
      assert.ok((await engine.startPortal(s, 'm', 'SELECT 1::int AS a, 2::int AS b', [], [], [0, 1])).ok);
      const c = await engine.fetch(s, 'm', 0);
      assert.ok(c.ok);
      const row = decodeDataRows(c.value.data, true)[0]!;
      assert.equal((row[0] as Buffer).toString(), '1');
      assert.equal((row[1] as Buffer).toString('hex'), '00000002');
      const bad = await engine.startPortal(s, 'm', 'SELECT 1 AS a, 2 AS b', [], [], [0, 1, 0]);
      assert.ok(!bad.ok);
      assert.equal(bad.error.code, '08P01');
    });

    it('auto_to_json: nested values become JSON typed json', async () => {
      const sql = "SELECT {'a': 1, 'b': [1, 2], 'c': {'d': 'x'}} AS s, map {'k': 1.5} AS m, [{'x': 1}] AS l, 7 AS plain";
      assert.ok((await run(engine, s, 'SET auto_to_json = true')).ok);
      const on = await run(engine, s, sql);
      assert.ok((await run(engine, s, 'SET auto_to_json = false')).ok);
      assert.ok(on.ok, JSON.stringify(on));
      assert.deepEqual(on.value.columns!.map((c) => c.typeOid), [OID.json, OID.json, OID.json, OID.int4]);
      assert.deepEqual(on.value.rows, [['{"a":1,"b":[1,2],"c":{"d":"x"}}', '{"k":1.5}', '[{"x":1}]', '7']]);
      const off = await run(engine, s, sql);
      assert.ok(off.ok);
      assert.deepEqual(off.value.columns!.map((c) => c.typeOid), [OID.text, OID.text, OID.text, OID.int4]);
    });
  });

  describe('settings', () => {
    it('SET / SHOW / RESET of PostgreSQL parameters, with ParameterStatus for reported ones', async () => {
      const set = await run(engine, s, "SET application_name = 'psql'");
      assert.ok(set.ok);
      assert.equal(set.value.tag, 'SET');
      assert.deepEqual(set.value.parameterStatus, [['application_name', 'psql']]);
      const show = await run(engine, s, 'SHOW application_name');
      assert.ok(show.ok);
      assert.deepEqual([show.value.columns![0]!.name, show.value.rows, show.value.tag], ['application_name', [['psql']], 'SHOW']);
      const tz = await run(engine, s, 'SET TIME ZONE UTC');
      assert.ok(tz.ok);
      assert.deepEqual(tz.value.parameterStatus, [['TimeZone', 'UTC']]);
      const odd = await run(engine, s, 'SET some_tool.setting = 42');
      assert.ok(odd.ok, 'an unknown setting is accepted');
      const back = await run(engine, s, 'SHOW some_tool.setting');
      assert.ok(back.ok);
      assert.deepEqual(back.value.rows, [['42']]);
      assert.ok((await run(engine, s, 'RESET application_name')).ok);
      const reset = await run(engine, s, 'SHOW application_name');
      assert.ok(reset.ok);
      assert.deepEqual(reset.value.rows, [['']]);
      for (const [q, tag] of [['BEGIN', 'BEGIN'], ['COMMIT', 'COMMIT'], ['ROLLBACK', 'ROLLBACK'], ['DISCARD ALL', 'DISCARD ALL']] as const) {
        const r = await run(engine, s, q);
        assert.ok(r.ok);
        assert.equal(r.value.tag, tag);
      }
      const all = await run(engine, s, 'SHOW ALL');
      assert.ok(all.ok);
      assert.ok(all.value.rows.some((r) => r[0] === 'standard_conforming_strings' && r[1] === 'on'));
    });

    it('an empty query answers kind empty', async () => {
      const r = await engine.startPortal(s, '', ' -- nothing', [], [], []);
      assert.ok(r.ok);
      assert.equal(r.value.kind, 'empty');
    });

    describe('invalid input', () => {
      const bad: Array<[string, string]> = [
        ['SET search_path = s_sb2', '42501'],
        ["SET search_path TO 'main'", '42501'],
        ['SET auto_to_json = maybe', '22023'],
        ["SET statement_timeout = 'soon'", '22023'],
        ["SET client_encoding = 'LATIN1'", '0A000'],
        ['SET server_version = 99', '55P02'],
        ['SET memory_limit = \'100GB\'', '42501'],
        ['SET enable_external_access = true', '42501'],
        ['SET threads TO 8', '42501'],
        ['SHOW never_set_anywhere', '42704'],
      ];
      for (const [sql, code] of bad)
        it(sql, async () => {
          const r = await run(engine, s, sql);
          assert.ok(!r.ok, JSON.stringify(r));
          assert.equal(r.error.code, code);
        });
      it('search_path may name public', async () => {
        assert.ok((await run(engine, s, 'SET search_path TO public, "$user"')).ok);
      });
    });
  });

  describe('describe', () => {
    it('a SELECT: columns and parameter types without running it', async () => {
      const d = await engine.describe(s, 'SELECT _id, _kith_offset, count(*) OVER () FROM events WHERE _kith_offset > $1 AND _id <> $2', [0, OID.text]);
      assert.ok(d.ok, JSON.stringify(d));
      assert.equal(d.value.kind, 'select');
      assert.deepEqual(d.value.paramTypes, [OID.int8, OID.text]);
      assert.deepEqual(d.value.columns!.map((c) => [c.name, c.typeOid]), [['_id', OID.text], ['_kith_offset', OID.int8], ['count', OID.int8]]);
    });
    it('an untyped parameter DuckDB cannot infer is text', async () => {
      const d = await engine.describe(s, 'SELECT $1 AS x', []);
      assert.ok(d.ok, JSON.stringify(d));
      assert.deepEqual(d.value.paramTypes, [OID.text]);
      assert.deepEqual(d.value.columns!.map((c) => [c.name, c.typeOid]), [['x', OID.text]]);
    });
    it('SET, SHOW and CTAS', async () => {
      const set = await engine.describe(s, 'SET a = 1', []);
      assert.ok(set.ok && set.value.columns === null && set.value.kind === 'set');
      const show = await engine.describe(s, 'SHOW TimeZone', []);
      assert.ok(show.ok);
      assert.deepEqual(show.value.columns!.map((c) => c.name), ['TimeZone']);
      const ctas = await engine.describe(s, 'CREATE TABLE x AS SELECT * FROM events', []);
      assert.ok(ctas.ok && ctas.value.kind === 'ctas' && ctas.value.columns === null);
    });
    it('invalid input', async () => {
      for (const [sql, code] of [['SELECT * FROM nope', '42P01'], ["SELECT * FROM read_csv('/etc/passwd')", '42501'], ['SELECT nope FROM events', '42703'], ['UPDATE events SET a = 1', '0A000']] as const) {
        const d = await engine.describe(s, sql, []);
        assert.ok(!d.ok, sql);
        assert.equal(d.error.code, code, `${sql}: ${JSON.stringify(d.error)}`);
      }
    });
  });

  describe('CTAS, INSERT INTO, DROP TABLE, SHOW TABLES', () => {
    it('create, append, list, drop', async () => {
      const c = await run(engine, s, "CREATE TABLE purchases AS (SELECT _id, record->>'$.eventType' AS t FROM events WHERE _kith_offset % 2 = 1)");
      assert.ok(c.ok, JSON.stringify(c));
      assert.equal(c.value.tag, 'SELECT 3');
      const i = await run(engine, s, "INSERT INTO purchases SELECT _id, 'x' FROM events WHERE _kith_offset = 2");
      assert.ok(i.ok, JSON.stringify(i));
      assert.equal(i.value.tag, 'INSERT 0 1');
      const n = await run(engine, s, 'SELECT count(*) FROM purchases');
      assert.ok(n.ok);
      assert.deepEqual(n.value.rows, [['4']]);
      const t = await run(engine, s, 'SHOW TABLES');
      assert.ok(t.ok);
      assert.deepEqual(t.value.rows, [['events'], ['purchases']]);
      const d = await run(engine, s, 'DROP TABLE purchases');
      assert.ok(d.ok);
      assert.equal(d.value.tag, 'DROP TABLE');
      const gone = await run(engine, s, 'SELECT count(*) FROM purchases');
      assert.ok(!gone.ok);
      assert.equal(gone.error.code, '42P01');
    });
    it('the SELECT of a CTAS goes through the gate', async () => {
      const r = await run(engine, s, "CREATE TABLE leak AS SELECT * FROM read_csv('/etc/passwd')");
      assert.ok(!r.ok);
      assert.equal(r.error.code, '42501');
      const r2 = await run(engine, s, 'INSERT INTO events SELECT * FROM s_sb2.secret');
      assert.ok(!r2.ok);
      assert.equal(r2.error.code, '42501');
    });
  });

  describe('errors → SQLSTATE', () => {
    const cases: Array<[string, string, RegExp?]> = [
      ['SELECT * FROM nope', '42P01'],
      ['SELECT nope FROM events', '42703'],
      ['SELECT nope_fn(1)', '42883'],
      ['SELECT FROM WHERE', '42601'],
      ["SELECT 'abc'::int", '22P02'],
      ['SELECT 1 / 0::int', ''],
      ["SELECT error('boom')", '22023', /^boom$/],
    ];
    for (const [sql, code, message] of cases)
      it(sql, async () => {
        const r = await run(engine, s, sql);
        if (code === '') return; // DuckDB answers NULL for a division by zero: not an error
        assert.ok(!r.ok, JSON.stringify(r));
        assert.equal(r.error.code, code, JSON.stringify(r.error));
        assert.doesNotMatch(r.error.message, /\n\s+at |LINE 1/);
        if (message) assert.match(r.error.message, message);
      });
  });

  describe('sandboxes', () => {
    it("a second sandbox sees none of the first's tables", async () => {
      const o = await engine.openSession(OTHER);
      try {
        const t = await run(engine, o, 'SHOW TABLES');
        assert.ok(t.ok);
        assert.deepEqual(t.value.rows, [['secret']]);
        const r = await run(engine, o, 'SELECT * FROM events');
        assert.ok(!r.ok);
        assert.equal(r.error.code, '42P01');
      } finally {
        await engine.closeSession(o);
      }
    });
    it('an unknown session', async () => {
      const r = await engine.fetch('nope', '', 0);
      assert.ok(!r.ok);
      assert.equal(r.error.code, '08P01');
    });
  });
});

describe('DuckdbQueryEngine: cancel, timeout, concurrency', () => {
  let f: Fixture;
  let engine: DuckdbQueryEngine;
  before(async () => {
    f = await engineFixture({ concurrency: 1 });
    engine = f.engine;
  });
  after(() => f.close());

  const LONG = 'SELECT count(*) FROM range(10000000000) WHERE range % 7 = 3';

  it('cancel interrupts a running query (57014) and the session is usable after', async () => {
    const s = await engine.openSession(SPEC);
    const pending = run(engine, s, LONG);
    await untilRunning(engine, 1);
    await engine.cancel(s);
    const r = await pending;
    assert.ok(!r.ok);
    assert.deepEqual(r.error, { code: '57014', message: 'canceling statement due to user request' });
    const after_ = await run(engine, s, 'SELECT count(*) FROM events');
    assert.ok(after_.ok);
    assert.deepEqual(after_.value.rows, [['5']]);
    await engine.closeSession(s);
  });

  it('statement_timeout interrupts (57014) and accepts units', async () => {
    const s = await engine.openSession(SPEC);
    assert.ok((await run(engine, s, "SET statement_timeout = '50ms'")).ok);
    const r = await run(engine, s, LONG);
    assert.ok(!r.ok);
    assert.deepEqual(r.error, { code: '57014', message: 'canceling statement due to statement timeout' });
    assert.ok((await run(engine, s, "SET statement_timeout = '10min'")).ok);
    assert.ok((await run(engine, s, 'SELECT 1')).ok);
    await engine.closeSession(s);
  });

  it('the engine timeout applies when the session sets none', async () => {
    const g = await engineFixture({ timeoutMs: 50 });
    try {
      const s = await g.engine.openSession(SPEC);
      const r = await run(g.engine, s, LONG);
      assert.ok(!r.ok);
      assert.equal(r.error.code, '57014');
      await g.engine.closeSession(s);
    } finally {
      await g.close();
    }
  });

  it('at most N statements run; the next waits its turn, and a cancel while waiting answers 57014', async () => {
    const a = await engine.openSession(SPEC);
    const b = await engine.openSession(SPEC);
    const c = await engine.openSession(SPEC);
    const running = run(engine, a, LONG);
    await untilRunning(engine, 1);
    const gate = (engine as unknown as { gate: { active: number; queued: number } }).gate;
    const waiting = run(engine, b, 'SELECT 1');
    const waiting2 = run(engine, c, 'SELECT 2');
    while (gate.queued < 2) await new Promise((r) => setImmediate(r));
    assert.equal(gate.active, 1);
    await engine.cancel(c);
    const w2 = await waiting2;
    assert.ok(!w2.ok);
    assert.equal(w2.error.code, '57014');
    await engine.cancel(a);
    assert.ok(!(await running).ok);
    const w = await waiting;
    assert.ok(w.ok, JSON.stringify(w));
    assert.deepEqual(w.value.rows, [['1']]);
    for (const x of [a, b, c]) await engine.closeSession(x);
  });
});
