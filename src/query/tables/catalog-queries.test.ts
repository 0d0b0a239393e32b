import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TableSpaceFixture, event } from './testing/table-space-fixture.js';
import { gate } from './testing/test-gate.js';
import type { SessionSpec } from '../engine/query-engine.js';
import { unwrap } from '../../shared/result.js';

const DIR = new URL('../../../test/fixtures/query/', import.meta.url).pathname;
const fixtures = ['psql', 'jdbc'].flatMap((d) => readdirSync(DIR + d).filter((f) => f.endsWith('.sql')).sort().map((f) => `${d}/${f}`));

describe('catalog queries of psql and pgjdbc run against a sandbox with two datasets', () => {
  let f: TableSpaceFixture;
  let conn: DuckDBConnection;
  const A = { id: 'sb-a', name: 'prod' };
  const B = { id: 'sb-b', name: 'dev' };
  let spec: SessionSpec;
  let oid = 0;

  const run = async (sql: string, s: SessionSpec = spec) => {
    const view = unwrap(await f.space.prepare(conn, s));
    await conn.run(`SET search_path = '${view.searchPath}'`);
    const mapped = await gate(conn, view, f.space.pgCompat(sql));
    assert.ok(mapped.ok, JSON.stringify(!mapped.ok && mapped.error));
    const r = await conn.runAndReadAll(mapped.value);
    return r.getRowsJson() as unknown[][];
  };
  const fixture = (name: string, table = 'web_events') => readFileSync(DIR + name, 'utf8').replaceAll('{{table}}', table).replaceAll('{{oid}}', String(oid));

  before(async () => {
    f = await TableSpaceFixture.open();
    conn = await f.lake.connect();
    spec = f.spec(A.id, A.name);
    const ev = await f.eventsDataset(f.ctx(A.id, A.name), 'Web Events');
    await f.profileDataset(f.ctx(A.id, A.name), 'Customer Profiles');
    const other = await f.eventsDataset(f.ctx(B.id, B.name), 'Secret Events');
    await f.write(A.id, ev, [event(1)]);
    await f.write(B.id, other, [event(2)]);
    oid = Number((await run(`SELECT oid FROM pg_catalog.pg_class WHERE relname = 'web_events'`))[0]![0]);
  });
  after(async () => {
    conn.closeSync();
    await f.close();
  });

  for (const name of fixtures)
    it(`${name} parses and runs`, async () => {
      await run(fixture(name));
    });

  it('\\dt lists the sandbox\'s tables as public tables, nothing of another sandbox', async () => {
    assert.deepEqual(await run(fixture('psql/dt-1.sql')), [
      ['public', 'customer_profiles', 'table', f.spec(A.id, A.name).orgId],
      ['public', 'web_events', 'table', f.spec(A.id, A.name).orgId],
    ]);
    assert.deepEqual((await run(fixture('psql/dt-1.sql'), f.spec(B.id, B.name))).map((r) => r[1]), ['secret_events']);
  });

  it('\\d <table> finds the table and lists its columns with PostgreSQL type names', async () => {
    assert.deepEqual(await run(fixture('psql/d_table-1.sql')), [[String(oid), 'public', 'web_events']]);
    assert.deepEqual(await run(fixture('psql/d_table-1.sql', 'secret_events')), []);
    const cols = await run(fixture('psql/d_table-3.sql'));
    assert.deepEqual(cols.slice(0, 3).map((r) => [r[0], r[1]]), [['_id', 'text'], ['timestamp', 'timestamp with time zone'], ['eventType', 'text']]);
    assert.ok(cols.some((r) => r[0] === 'commerce' && r[1] === 'json'));
  });

  it('\\dn shows public; \\l shows the sandbox database', async () => {
    assert.deepEqual(await run(fixture('psql/dn-1.sql')), [['public', f.spec(A.id, A.name).orgId]]);
    assert.deepEqual((await run(fixture('psql/l-1.sql'))).map((r) => r[0]), ['prod:all']);
  });

  it('pgjdbc getTables / getColumns / getSchemas / getPrimaryKeys answer as for PostgreSQL', async () => {
    assert.deepEqual((await run(fixture('jdbc/get-tables.sql'))).map((r) => [r[1], r[2], r[3]]), [['public', 'customer_profiles', 'TABLE'], ['public', 'web_events', 'TABLE']]);
    const cols = await run(fixture('jdbc/get-columns.sql'));
    assert.deepEqual(cols.slice(0, 2).map((r) => [r[1], r[2], r[3]]), [['web_events', '_id', '25'], ['web_events', 'timestamp', '1184']]);
    assert.deepEqual((await run(fixture('jdbc/get-schemas.sql'))).map((r) => r[0]), ['information_schema', 'pg_catalog', 'public']);
    assert.deepEqual(await run(fixture('jdbc/get-primary-keys.sql')), []);
  });

  it('information_schema.tables and columns cover only the sandbox', async () => {
    assert.deepEqual(await run(`SELECT table_schema, table_name FROM information_schema.tables ORDER BY 2`), [['public', 'customer_profiles'], ['public', 'web_events']]);
    assert.deepEqual(await run(`SELECT count(*) FROM information_schema.columns WHERE table_name = 'secret_events'`), [['0']]);
  });
});
