import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { RawClient } from './testing/raw-client.js';
import { scriptedServer, type Harness } from './testing/wire-harness.js';

/** The wire endpoint driven by the `pg` npm client against the scripted engine. */
describe('query wire server: the pg client', () => {
  let h: Harness;
  let client: pg.Client;
  before(async () => {
    h = await scriptedServer();
    client = new pg.Client(h.pg);
    await client.connect();
  });
  after(async () => {
    await client.end();
    await h.server.close();
  });

  it('simple query', async () => {
    const r = await client.query('select 1');
    assert.deepEqual(r.rows, [{ '?column?': 1 }]);
    assert.equal(r.command, 'SELECT');
  });

  it('several statements in one simple query answer each', async () => {
    const r = (await client.query('select 1; select 2;')) as unknown as pg.QueryResult[];
    assert.deepEqual(
      r.map((x) => x.rows),
      [[{ '?column?': 1 }], [{ '?column?': 2 }]],
    );
  });

  it('an empty query gets EmptyQueryResponse', async () => {
    const r = await client.query('  -- nothing\n');
    assert.deepEqual(r.rows, []);
  });

  it('extended protocol with $1 parameters (text and int8 beyond 2^53, null)', async () => {
    assert.deepEqual((await client.query('select $1::int4 as n', [42])).rows, [{ n: 42 }]);
    const r = await client.query('select $1::text as t, $2::int8 as b', ['x;y', '9007199254740993']);
    assert.deepEqual(r.rows, [{ t: 'x;y', b: '9007199254740993' }]);
    assert.deepEqual((await client.query('select $1 as v', [null])).rows, [{ v: null }]);
  });

  it('a named prepared statement is parsed once and reused', async () => {
    const before = h.engine.calls.filter((c) => c.startsWith('describe')).length;
    for (const v of [1, 2, 3]) assert.deepEqual((await client.query({ name: 'p1', text: 'select $1::int4 as n', values: [v] })).rows, [{ n: v }]);
    assert.equal(h.engine.calls.filter((c) => c.startsWith('describe')).length, before + 1);
  });

  it('rowMode array, nulls as null', async () => {
    const r = await client.query({ text: "select 'a' as x, null as y", rowMode: 'array' });
    assert.deepEqual(r.rows, [['a', null]]);
    assert.deepEqual(
      r.fields.map((f) => [f.name, f.dataTypeID]),
      [
        ['x', 25],
        ['y', 25],
      ],
    );
  });

  it('a SET of a reported parameter sends ParameterStatus', async () => {
    const seen: Array<[string, string]> = [];
    const conn = (client as unknown as { connection: { on(e: string, f: (m: { parameterName: string; parameterValue: string }) => void): void } }).connection;
    conn.on('parameterStatus', (m) => seen.push([m.parameterName, m.parameterValue]));
    const r = await client.query("set timezone = 'europe/paris'");
    assert.equal(r.command, 'SET');
    assert.deepEqual(seen, [['TimeZone', 'Europe/Paris']]);
  });

  it('an engine error is an ErrorResponse with SQLSTATE and position; the connection goes on', async () => {
    await assert.rejects(client.query('select fail'), (e: pg.DatabaseError) => e.code === '42P01' && e.position === '8');
    // position counts in the whole query string
    await assert.rejects(client.query('select 1; select fail'), (e: pg.DatabaseError) => e.code === '42P01' && e.position === '18');
    await assert.rejects(client.query('select $1::int4 as n; select 1', [1]), (e: pg.DatabaseError) => e.code === '42601');
    assert.deepEqual((await client.query('select 1')).rows, [{ '?column?': 1 }]);
  });

  it('1,000,000 rows arrive whole (the wire loops over suspended chunks)', async () => {
    const r = await client.query({ text: 'select big', rowMode: 'array' });
    assert.equal(r.rowCount, 1_000_000);
    assert.deepEqual(r.rows[999_999], [999_999]);
  });

  it('cancel: a CancelRequest with the BackendKeyData key interrupts the running statement', async () => {
    const c = new pg.Client(h.pg);
    await c.connect();
    const running = c.query('select slow').then(
      () => 'ran',
      (e: pg.DatabaseError) => e.code,
    );
    const sessionId = await h.engine.blocked();
    const key = c as unknown as { processID: number; secretKey: number };
    const wrong = await RawClient.connect(h.port);
    wrong.send(serialize.cancel(key.processID, key.secretKey + 1));
    await wrong.closed;
    const raw = await RawClient.connect(h.port);
    raw.send(serialize.cancel(key.processID, key.secretKey));
    await raw.closed;
    assert.equal(await running, '57014');
    assert.deepEqual(
      h.engine.calls.filter((x) => x.startsWith('cancel')),
      [`cancel ${sessionId}`],
    );
    assert.deepEqual((await c.query('select 1')).rows, [{ '?column?': 1 }]);
    await c.end();
  });

  it('the engine session closes when the socket does', async () => {
    const c = new pg.Client(h.pg);
    await c.connect();
    const count = h.server.sessions();
    const closed = h.engine.sessionClosed();
    await c.end();
    await closed;
    assert.equal(h.server.sessions(), count - 1);
  });

  describe('invalid input', () => {
    it('a prepared statement of two statements is refused', async () => {
      await assert.rejects(client.query({ name: 'two', text: 'select 1; select 2', values: [] }), (e: pg.DatabaseError) => e.code === '42601');
    });
    it('an unknown statement is a syntax error, not a crash', async () => {
      await assert.rejects(client.query('selec 1'), (e: pg.DatabaseError) => e.code === '42601');
      await assert.rejects(client.query('selec $1', [1]), (e: pg.DatabaseError) => e.code === '42601');
      assert.deepEqual((await client.query('select 1')).rows, [{ '?column?': 1 }]);
    });
  });
});

describe('query wire server: close', () => {
  it('close() ends open connections and waits until their engine sessions are closed', async () => {
    const h = await scriptedServer();
    const c = new pg.Client(h.pg);
    c.on('error', () => undefined);
    await c.connect();
    const [sessionId] = [...h.engine.sessions.keys()];
    await h.server.close();
    assert.deepEqual(h.engine.closed, [sessionId]);
    assert.equal(h.server.sessions(), 0);
  });
});

describe('query wire server: connection limit', () => {
  let h: Harness;
  before(async () => {
    h = await scriptedServer({ maxConnections: 1 });
  });
  after(() => h.server.close());

  it('one connection more than the limit gets FATAL 53300; idle ones stay', async () => {
    const a = new pg.Client(h.pg);
    await a.connect();
    const b = new pg.Client(h.pg);
    await assert.rejects(b.connect(), (e: pg.DatabaseError) => e.code === '53300');
    assert.deepEqual((await a.query('select 1')).rows, [{ '?column?': 1 }]);
    const closed = h.engine.sessionClosed();
    await a.end();
    await closed;
    const c = new pg.Client(h.pg);
    await c.connect();
    await c.end();
  });
});
