import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { Platform, eventually } from '../helpers/platform.js';

/**
 * The Query Service end to end, as its users reach it: events streamed through /collection, then Debian's psql, the
 * `pg` npm client and Java's PostgreSQL JDBC driver each count them, sum a nested field and list the tables; a CTAS
 * result becomes a Catalog dataset; a cancelled query stops; SQL that would touch the server's files is refused and
 * creates none; a second sandbox sees none of the first's tables.
 */
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
const JDBC_JAR = '/usr/share/java/postgresql.jar';
const ROOT = join(import.meta.dirname, '../..');

/** A client process (never spawnSync: the server under test runs on this event loop). */
function run(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 120_000 }, (e, stdout, stderr) => resolve({ status: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }));
  });
}

describe('Query Service end to end (psql, pg, JDBC)', () => {
  let k: TestKith;
  let p: Platform;
  let table: string;
  const totals = [10.5, 20, 30.25, 40, 50];

  const conn = (db = 'prod:all', password = k.local.accessToken) => ({ host: '127.0.0.1', port: k.queryPort, user: k.local.orgId, password, database: db });
  const client = async (db?: string, password?: string) => {
    const c = new pg.Client(conn(db, password));
    await c.connect();
    return c;
  };
  const psql = (sql: string, db = 'prod:all') =>
    run('psql', [`host=127.0.0.1 port=${k.queryPort} dbname=${db} user=${k.local.orgId} password=${k.local.accessToken}`, '-X', '-A', '-t', '-c', sql]);

  before(async () => {
    k = await startTestKith();
    p = new Platform(k);
    const schema = await p.createSchema('Query Orders', FG('experienceevent'), [FG('identitymap'), FG('experienceevent-commerce')], true);
    const ds = await p.createDataset('Query Orders', schema);
    table = (await p.getDataset(ds)).tags['adobe/pqs/table'][0];
    const inlet = (await p.createInlet('query inlet')).inletId;
    for (const [i, total] of totals.entries()) {
      const r = await p.collect(
        `/collection/${inlet}`,
        p.envelope(schema, ds, {
          _id: `order-${i}`,
          timestamp: `2026-01-0${i + 1}T03:04:05Z`,
          eventType: i % 2 === 0 ? 'commerce.purchases' : 'commerce.productViews',
          identityMap: { Email: [{ id: `buyer${i}@example.com`, primary: true }] },
          commerce: { order: { priceTotal: total, currencyCode: 'USD' }, purchases: { value: 1 } },
        }),
      );
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    // the lake creates the table with its first rows: until then the count is an error
    const landed = async () => Number((await k.queryLake(`SELECT count(*) AS n FROM ${table}`).catch(() => [{ n: 0 }]))[0]!.n);
    await eventually(async () => (await landed()) === totals.length, 'the events in the lake');
  });
  after(async () => {
    await k.stop();
  });

  it('answers the connection parameters in AEP shape, with a psql command line that works', async () => {
    const r = await k.app.inject({ method: 'GET', url: '/data/foundation/query/connection_parameters', headers: k.headers() });
    assert.equal(r.statusCode, 200, r.body);
    const body = JSON.parse(r.body);
    const flat = { ...body, ...(body.client ?? {}) };
    assert.equal(Number(flat.port), k.queryPort);
    assert.equal(flat.username, k.local.orgId);
    assert.equal(flat.dbName, 'prod:all');
    assert.equal(typeof flat.token, 'string');
    assert.match(flat.psql, /^psql '.*dbname=prod:all.*'$/);
  });

  it('psql counts the events, sums a nested field and lists the table with \\dt and \\d', async () => {
    const count = await psql(`SELECT count(*) FROM ${table}`);
    assert.equal(count.status, 0, count.stderr);
    assert.equal(count.stdout.trim(), String(totals.length));
    const sum = await psql(`SELECT sum(commerce.order.priceTotal) FROM ${table}`);
    assert.equal(sum.status, 0, sum.stderr);
    assert.equal(Number(sum.stdout.trim()), totals.reduce((a, b) => a + b, 0));
    const dt = await psql('\\dt');
    assert.equal(dt.status, 0, dt.stderr);
    assert.match(dt.stdout, new RegExp(`\\|${table}\\|table\\|`));
    const d = await psql(`\\d ${table}`);
    assert.equal(d.status, 0, d.stderr);
    for (const col of ['_id', 'timestamp', 'eventType', 'commerce', 'identityMap']) assert.match(d.stdout, new RegExp(`^${col}\\|`, 'im'), d.stdout);
  });

  it('the pg client counts and sums over the simple and the extended protocol', async () => {
    const c = await client();
    try {
      const simple = await c.query(`SELECT count(*)::int AS n, sum(commerce.order.priceTotal) AS total FROM ${table}`);
      assert.deepEqual([simple.rows[0].n, Number(simple.rows[0].total)], [totals.length, totals.reduce((a, b) => a + b, 0)]);
      const ext = await c.query({ text: `SELECT _id, commerce.order.priceTotal AS total FROM ${table} WHERE eventType = $1 AND commerce.order.priceTotal > $2 ORDER BY _id`, values: ['commerce.purchases', 15] });
      assert.deepEqual(ext.rows.map((r) => [r._id, Number(r.total)]), [['order-2', 30.25], ['order-4', 50]]);
      const named = { name: 'by-type', text: `SELECT count(*)::int AS n FROM ${table} WHERE eventType = $1` };
      assert.equal((await c.query({ ...named, values: ['commerce.productViews'] })).rows[0].n, 2);
      assert.equal((await c.query({ ...named, values: ['commerce.purchases'] })).rows[0].n, 3);
      const ids = await c.query(`SELECT identityMap['Email'][1].id AS mail FROM ${table} ORDER BY _id LIMIT 1`);
      assert.equal(ids.rows[0].mail, 'buyer0@example.com');
      await c.query('SET auto_to_json = true');
      const json = await c.query(`SELECT commerce FROM ${table} ORDER BY _id LIMIT 1`);
      assert.equal(typeof json.rows[0].commerce === 'string' ? JSON.parse(json.rows[0].commerce).order.priceTotal : json.rows[0].commerce.order.priceTotal, 10.5);
      const meta = await c.query(`SELECT table_name FROM information_schema.tables ORDER BY 1`);
      assert.ok(meta.rows.some((r) => r.table_name === table), JSON.stringify(meta.rows));
    } finally {
      await c.end();
    }
  });

  it('dbname=prod:all?FLATTEN presents nested fields as columns named by their path; SHOW TABLES lists the datasets', async () => {
    const c = await client('prod:all?FLATTEN');
    try {
      const r = await c.query(`SELECT sum("commerce.order.priceTotal") AS total FROM ${table}`);
      assert.equal(Number(r.rows[0].total), totals.reduce((a, b) => a + b, 0));
      const shown = await c.query('SHOW TABLES');
      assert.ok(shown.rows.some((row) => row.name === table), JSON.stringify(shown.rows));
    } finally {
      await c.end();
    }
  });

  it('JDBC (what BI tools use) counts, sums, and lists tables and columns through DatabaseMetaData', { skip: !existsSync(JDBC_JAR) && 'no JDBC driver on this machine' }, async () => {
    const url = `jdbc:postgresql://127.0.0.1:${k.queryPort}/prod:all`;
    const probe = (u: string, ...args: string[]) => run('java', ['-cp', JDBC_JAR, join(ROOT, 'test/fixtures/jdbc/Probe.java'), u, k.local.orgId, k.local.accessToken, ...args]);
    const total = totals.reduce((a, b) => a + b, 0);
    const count = await probe(url, `SELECT count(*) AS n, sum(commerce.order.priceTotal) AS total FROM ${table} WHERE commerce.order.priceTotal > ?`, '0', '--metadata');
    assert.equal(count.status, 0, count.stderr + count.stdout);
    assert.match(count.stdout, new RegExp(`^row\\t${totals.length}\\t${total}$`, 'm'));
    assert.match(count.stdout, new RegExp(`^table\\t${table}$`, 'm'));
    for (const col of ['_id', 'timestamp', 'eventType', 'commerce']) assert.match(count.stdout, new RegExp(`^column\\t${table}\\t${col}$`, 'm'));
    // server-prepared statements (binary transfer) after the first execution
    const prepared = await probe(`${url}?prepareThreshold=1`, `SELECT count(*) AS n FROM ${table} WHERE commerce.order.priceTotal > ?`, '15');
    assert.equal(prepared.status, 0, prepared.stderr + prepared.stdout);
    assert.deepEqual(prepared.stdout.split('\n').filter((l) => l.startsWith('row')), ['row\t4', 'row\t4', 'row\t4']);
  });

  it('CREATE TABLE AS makes a Catalog dataset that is then an ordinary table; INSERT INTO appends; DROP TABLE deletes it', async () => {
    const c = await client();
    try {
      await c.query(`CREATE TABLE big_orders AS (SELECT _id AS order_id, commerce.order.priceTotal AS total FROM ${table} WHERE commerce.order.priceTotal >= 30)`);
      const list = await k.app.inject({ method: 'GET', url: '/data/foundation/catalog/dataSets?limit=100', headers: k.headers() });
      const datasets = Object.values(JSON.parse(list.body)) as Array<{ name: string; tags: Record<string, string[]> }>;
      assert.ok(datasets.some((d) => d.tags?.['adobe/pqs/table']?.[0] === 'big_orders'), list.body);
      assert.equal((await c.query('SELECT count(*)::int AS n FROM big_orders')).rows[0].n, 3);
      await c.query(`INSERT INTO big_orders SELECT _id AS order_id, commerce.order.priceTotal AS total FROM ${table} WHERE commerce.order.priceTotal < 30`);
      assert.equal((await c.query('SELECT count(*)::int AS n FROM big_orders')).rows[0].n, 5);
      await c.query('DROP TABLE big_orders');
      await assert.rejects(c.query('SELECT * FROM big_orders'), (e: { code?: string }) => e.code === '42P01');
    } finally {
      await c.end();
    }
  });

  it('a cancel request stops a running query and the session goes on', async () => {
    const c = await client();
    try {
      const running = c.query('SELECT count(*) FROM range(100000000000) a');
      await eventually(async () => (await k.processor.remote.query.activity()).running > 0, 'the query running');
      const killer = new pg.Client(conn());
      // pg's own cancel: a CancelRequest with the key from BackendKeyData, on a new connection
      (killer as unknown as { cancel(c: pg.Client, q: unknown): void }).cancel(c, (c as unknown as { activeQuery: unknown }).activeQuery);
      await assert.rejects(running, (e: { code?: string }) => e.code === '57014');
      assert.equal((await c.query('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await c.end();
    }
  });

  it('refuses every statement that would read or write the server or load code, and creates no file', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'kith-query-safety-'));
    const c = await client();
    try {
      const cases = [
        `SELECT * FROM read_csv('/etc/passwd')`,
        `SELECT * FROM '/etc/passwd'`,
        `SELECT * FROM read_text('/etc/hostname')`,
        `COPY (SELECT 1) TO '${scratch}/out.csv'`,
        `COPY ${table} TO '${scratch}/t.parquet' (FORMAT parquet)`,
        `ATTACH '${scratch}/x.duckdb' AS x`,
        `INSTALL httpfs`,
        `LOAD httpfs`,
        `PRAGMA enable_profiling`,
        `SET enable_external_access = true`,
        `SET memory_limit = '100GB'`,
        `EXPORT DATABASE '${scratch}/dump'`,
        `SELECT 1; COPY (SELECT 1) TO '${scratch}/two.csv'`,
        `CREATE TABLE sneaky AS (SELECT * FROM read_csv('/etc/passwd'))`,
        `SELECT * FROM glob('/*')`,
        `SELECT * FROM duckdb_settings()`,
        `SELECT * FROM main._kith_progress`,
      ];
      for (const sql of cases) await assert.rejects(c.query(sql), (e: { code?: string; message: string }) => /^(0A000|42501|42P01|42601|42883)$/.test(e.code ?? '') || assert.fail(`${sql}: ${e.code} ${e.message}`), sql);
      assert.deepEqual(readdirSync(scratch), []);
      assert.equal((await c.query('SELECT 1 AS ok')).rows[0].ok, 1);
    } finally {
      await c.end();
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('a second sandbox sees none of the first one\'s tables; an unknown sandbox or a wrong password is refused at connect', async () => {
    const created = await k.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: { ...k.headers(), 'content-type': 'application/json' }, payload: { name: 'dev', title: 'Dev', type: 'development' } });
    assert.ok([200, 201].includes(created.statusCode), created.body);
    const c = await client('dev:all');
    try {
      await assert.rejects(c.query(`SELECT count(*) FROM ${table}`), (e: { code?: string }) => e.code === '42P01');
      const listed = await c.query('SELECT table_name FROM information_schema.tables');
      assert.ok(!listed.rows.some((r) => r.table_name === table));
      await assert.rejects(c.query(`SELECT count(*) FROM ${'s_'}prod.${table}`), (e: { code?: string }) => e.code === '42P01');
    } finally {
      await c.end();
    }
    await assert.rejects(client('nosuch:all'), (e: { code?: string }) => e.code === '3D000');
    await assert.rejects(client('prod:all', 'wrong'), (e: { code?: string }) => e.code === '28P01');
    const dt = await psql('\\dt', 'dev:all');
    assert.equal(dt.status, 0, dt.stderr);
    assert.doesNotMatch(dt.stdout, new RegExp(table));
  });

  it('REST: a submitted query runs to SUCCESS on the lake, its rows readable as JSON and CSV; a bad one FAILS with its SQL error', async () => {
    const post = async (sql: string) => {
      const r = await k.app.inject({ method: 'POST', url: '/data/foundation/query/queries', headers: { ...k.headers(), 'content-type': 'application/json' }, payload: { dbName: 'prod:all', sql, name: 'e2e' } });
      assert.equal(r.statusCode, 202, r.body);
      return JSON.parse(r.body).id as string;
    };
    const settled = async (id: string) =>
      eventually(async () => {
        const q = JSON.parse((await k.app.inject({ method: 'GET', url: `/data/foundation/query/queries/${id}`, headers: k.headers() })).body);
        return ['SUCCESS', 'FAILED', 'CANCELLED'].includes(q.state) ? q : undefined;
      }, `query ${id} to finish`);
    const ok = await settled(await post(`SELECT eventType, count(*)::int AS n FROM ${table} GROUP BY eventType ORDER BY eventType`));
    assert.equal(ok.state, 'SUCCESS', JSON.stringify(ok));
    const json = JSON.parse((await k.app.inject({ method: 'GET', url: `/data/foundation/query/queries/${ok.id}/results?format=json`, headers: k.headers() })).body);
    assert.match(JSON.stringify(json), /"commerce.productViews".*2.*"commerce.purchases".*3|"n":2.*"n":3/s);
    const csv = await k.app.inject({ method: 'GET', url: `/data/foundation/query/queries/${ok.id}/results?format=csv`, headers: k.headers() });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.body, /^eventType,n\r?\ncommerce\.productViews,2\r?\ncommerce\.purchases,3/);
    const bad = await settled(await post(`SELECT * FROM read_csv('/etc/passwd')`));
    assert.equal(bad.state, 'FAILED');
    assert.match(JSON.stringify(bad.errors), /42501|not allowed|permission/i);
  });

  it('psql -c with Ctrl-C (SIGINT) stops a running query', async () => {
    const child = spawn('psql', [`host=127.0.0.1 port=${k.queryPort} dbname=prod:all user=${k.local.orgId} password=${k.local.accessToken}`, '-X', '-c', 'SELECT count(*) FROM range(100000000000) a'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await eventually(async () => (await k.processor.remote.query.activity()).running > 0, 'the query running');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.notEqual(code, 0);
    assert.match(stderr, /cancel/i);
  });
});
