import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TableSpaceFixture, event } from './testing/table-space-fixture.js';
import { gate } from './testing/test-gate.js';
import type { SessionSpec } from '../engine/query-engine.js';
import { unwrap } from '../../shared/result.js';
import { TABLE_TAG } from '../../catalog/catalog-types.js';
import { CREATED_BY_TAG } from './ctas.js';

describe('CREATE TABLE AS / INSERT INTO / DROP TABLE as Catalog datasets', () => {
  let f: TableSpaceFixture;
  let conn: DuckDBConnection;
  const A = { id: 'sb-a', name: 'prod' };
  let spec: SessionSpec;

  /** Maps a SELECT as the engine does before handing it to createTableAs / insertInto (physical names). */
  const physical = async (sql: string) => {
    const view = unwrap(await f.space.prepare(conn, spec));
    await conn.run(`SET search_path = '${view.searchPath}'`);
    return unwrap(await gate(conn, view, sql));
  };
  const rows = async (sql: string) => f.rows(conn, await physical(sql));

  before(async () => {
    f = await TableSpaceFixture.open();
    conn = await f.lake.connect();
    spec = f.spec(A.id, A.name);
    const ev = await f.eventsDataset(f.ctx(A.id, A.name), 'Web Events');
    await f.write(A.id, ev, [1, 2, 3].map((i) => event(i)));
  });
  after(async () => {
    conn.closeSync();
    await f.close();
  });

  it('CTAS creates a dataset (tagged, with an ad hoc schema) and a successful batch; the table is then queryable', async () => {
    const select = await physical(`SELECT eventType AS kind, count(*) AS n, sum(commerce.order.priceTotal) AS total, max("timestamp") AS last FROM web_events GROUP BY 1`);
    assert.deepEqual(await f.space.createTableAs(conn, spec, 'Daily_Kinds', select, {}), { ok: true, value: 2 });
    const ds = (await f.catalog.listDatasets(A.id)).find((d) => d.tags[TABLE_TAG]?.[0] === 'daily_kinds')!;
    assert.ok(ds);
    assert.deepEqual(ds.tags[CREATED_BY_TAG], ['query-service']);
    const batches = await f.catalog.listBatches(A.id, { datasetId: ds.id });
    assert.deepEqual(batches.map((b) => [b.status, b.recordCount]), [['success', 2]]);
    const got = await rows(`SELECT kind, n::INTEGER AS n, total FROM daily_kinds ORDER BY kind`);
    assert.deepEqual(got, [{ kind: 'commerce.purchases', n: 2, total: 42 }, { kind: 'web.webpagedetails.pageViews', n: 1, total: 21 }]);
    const types = await f.rows(conn, `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'q_sba' AND table_name = 'daily_kinds' ORDER BY column_index`);
    assert.deepEqual(types.map((t) => [t.column_name, t.data_type]), [['_id', 'VARCHAR'], ['timestamp', 'TIMESTAMP WITH TIME ZONE'], ['kind', 'VARCHAR'], ['n', 'BIGINT'], ['total', 'DOUBLE'], ['last', 'TIMESTAMP WITH TIME ZONE']]);
  });

  it('INSERT INTO appends a batch to the dataset', async () => {
    const select = await physical(`SELECT 'other' AS kind, 5 AS n, 1.5 AS total`);
    assert.deepEqual(await f.space.insertInto(conn, spec, 'daily_kinds', select), { ok: true, value: 1 });
    assert.deepEqual(await rows(`SELECT count(*)::INTEGER AS c FROM daily_kinds`), [{ c: 3 }]);
  });

  it('CTAS WITH (schema=…) validates the result against the named schema', async () => {
    const select = await physical(`SELECT _id, "timestamp", eventType FROM web_events`);
    assert.deepEqual(await f.space.createTableAs(conn, spec, 'copy_events', select, { schemaTitle: 'web events SCHEMA' }), { ok: true, value: 3 });
    assert.deepEqual(await rows(`SELECT count(*)::INTEGER AS c FROM copy_events`), [{ c: 3 }]);
  });

  it('DROP TABLE deletes a CTAS dataset, its lake rows and its typed table', async () => {
    assert.deepEqual(await f.space.dropTable(conn, spec, 'copy_events', false), { ok: true, value: undefined });
    assert.equal((await f.catalog.listDatasets(A.id)).some((d) => d.tags[TABLE_TAG]?.[0] === 'copy_events'), false);
    const view = unwrap(await f.space.prepare(conn, spec));
    assert.equal(view.resolveTable({ catalog: '', schema: '', name: 'copy_events' }).ok, false);
    assert.deepEqual(await f.rows(conn, `SELECT count(*)::INTEGER AS c FROM duckdb_tables() WHERE table_name = 'copy_events'`), [{ c: 0 }]);
    assert.deepEqual(await f.space.dropTable(conn, spec, 'copy_events', true), { ok: true, value: undefined });
  });

  describe('refusals', () => {
    const cases: Array<[string, () => Promise<{ ok: boolean; error?: { code: string; message: string } }>, string, RegExp]> = [
      ['an invalid table name', async () => f.space.createTableAs(conn, spec, '1bad-name', 'SELECT 1 AS a', {}), '42602', /invalid table name/],
      ['an existing table', async () => f.space.createTableAs(conn, spec, 'web_events', 'SELECT 1 AS a', {}), '42P07', /already exists/],
      ['an unknown schema title', async () => f.space.createTableAs(conn, spec, 't1', 'SELECT 1 AS a', { schemaTitle: 'nope' }), '42704', /schema "nope" does not exist/],
      ['a column the schema lacks', async () => f.space.createTableAs(conn, spec, 't2', 'SELECT 1 AS bogus', { schemaTitle: 'Web Events schema' }), '22023', /column "bogus" is not a field/],
      ['a column of the wrong type', async () => f.space.createTableAs(conn, spec, 't3', `SELECT 42 AS "eventType"`, { schemaTitle: 'Web Events schema' }), '42804', /column "eventType" is of type bigint but field "eventType" .* is text/],
      ['a broken SELECT', async () => f.space.createTableAs(conn, spec, 't4', 'SELEC 1', {}), '42601', /syntax error/],
      ['INSERT into an unknown table', async () => f.space.insertInto(conn, spec, 'nope', 'SELECT 1 AS a'), '42P01', /relation "nope" does not exist/],
      ['INSERT of the wrong type', async () => f.space.insertInto(conn, spec, 'daily_kinds', `SELECT 'x' AS n`), '42804', /column "n"/],
      ['DROP of a dataset not made by CTAS', async () => f.space.dropTable(conn, spec, 'web_events', false), '42501', /only tables made by CREATE TABLE AS/],
      ['DROP of an unknown table', async () => f.space.dropTable(conn, spec, 'nope', false), '42P01', /does not exist/],
    ];
    for (const [what, call, code, msg] of cases)
      it(`refuses ${what} (${code})`, async () => {
        const r = await call();
        assert.equal(r.ok, false);
        assert.equal(r.error?.code, code);
        assert.match(r.error!.message, msg);
      });
  });
});
