import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { pgTestUrl } from '../../src/store/postgres/pg-test-url.js';
import type { KithConfig } from '../../src/config/config.js';
import { Platform } from '../helpers/platform.js';
import { assertInLakeOnce, childApi, loadUntilKilled, startChildKith } from '../helpers/child-kith.js';

const EVENT = 'https://ns.adobe.com/xdm/context/experienceevent';
const FG = (n: string) => `https://ns.adobe.com/xdm/context/${n}`;
/** The stores storage.ts puts on PostgreSQL: none of their SQLite files may appear in the data directory. */
const MOVED_FILES = ['control.db', 'ingest-log.db', 'failed-records.db', 'sources.db'];

const admin = new pg.Pool({ connectionString: pgTestUrl(), max: 1 });
const schemas: string[] = [];
const dirs: string[] = [];
let n = 0;
/** A Kith on the tests' PostgreSQL in a throwaway schema, with a data directory for the lake. */
function pgConfig(): Partial<KithConfig> & { dataDir: string; databaseSchema: string } {
  const databaseSchema = `t_e2e_pg_${process.pid}_${Date.now().toString(36)}_${++n}`;
  schemas.push(databaseSchema);
  const dataDir = mkdtempSync(join(tmpdir(), 'kith-pg-'));
  dirs.push(dataDir);
  return { dataDir, databaseUrl: pgTestUrl(), databaseSchema, databasePoolMax: 4 };
}
after(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await admin.end();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Kith with all state on PostgreSQL (KITH_DATABASE_URL)', () => {
  const cfg = pgConfig();
  let k: TestKith;
  let p: Platform;
  let schemaId: string;
  let datasetId: string;
  let inletId: string;
  let apiKey: string;
  const event = (id: string) => ({ _id: id, timestamp: '2026-01-02T03:04:05Z', eventType: 'pg.test', identityMap: { Email: [{ id: `${id}@example.com`, primary: true }] } });

  before(async () => {
    k = await startTestKith(cfg);
    p = new Platform(k);
    apiKey = k.local.apiKey;
    schemaId = await p.createSchema('PG events', EVENT, [FG('identitymap')]);
    datasetId = await p.createDataset('PG events', schemaId);
    inletId = (await p.createInlet('pg inlet')).inletId;
  });
  after(async () => {
    await k.stop({ keepData: true });
  });

  it('runs on PostgreSQL: the stores are there, not in SQLite files', async () => {
    assert.equal(k.storage.kind, 'postgres');
    const r = await admin.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [cfg.databaseSchema]);
    const tables = r.rows.map((x) => x.table_name);
    for (const t of ['kith_resources', 'kith_ingest_log', 'kith_failed_records', 'kith_not_ingested_to_profile', 'kith_seen_ids', 'kith_source_seen_keys', 'kith_migrations']) assert.ok(tables.includes(t), `${t} in ${tables.join(', ')}`);
    for (const f of MOVED_FILES) assert.equal(existsSync(join(cfg.dataDir, f)), false, `${f} is not created`);
  });

  it('ingests through /collection into the lake (a duplicate _id once), failed records through the API', async () => {
    for (const id of ['pg-1', 'pg-2', 'pg-1']) assert.equal((await p.collect(`/collection/${inletId}`, p.envelope(schemaId, datasetId, event(id)))).status, 200);
    assert.equal((await p.collect(`/collection/${inletId}`, p.envelope(schemaId, datasetId, { _id: 'pg-bad', timestamp: 'not a date', eventType: 'x' }))).status, 200);
    await k.processor.drain();
    const table = (await p.getDataset(datasetId)).tags['adobe/pqs/table'][0];
    const rows = await k.queryLake(`SELECT _id FROM ${table} ORDER BY _id`);
    assert.deepEqual(rows.map((x) => x._id), ['pg-1', 'pg-2']);
    const f = await p.call('GET', `/data/foundation/kith/failed-records?datasetId=${datasetId}`);
    assert.equal(f.status, 200);
    assert.deepEqual(f.json.records.map((x: { code: string }) => x.code), ['SCHEMA_VALIDATION']);
    const status = await p.call('GET', '/data/foundation/kith/ingest/status');
    assert.equal(status.json.logHead, 4);
    assert.equal(status.json.lakeOffset, 4);
    const log = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${cfg.databaseSchema}.kith_ingest_log`);
    assert.equal(Number(log.rows[0]!.n), 4, 'the acknowledged messages are in the PostgreSQL ingest log');
  });

  it('a restart keeps credentials, catalog, lake, failed records and dedupe', async () => {
    await k.stop({ keepData: true });
    k = await startTestKith(cfg);
    p = new Platform(k);
    assert.equal(k.local.apiKey, apiKey, 'the saved credential is still valid (read from PostgreSQL)');
    const table = (await p.getDataset(datasetId)).tags['adobe/pqs/table'][0];
    assert.equal((await p.collect(`/collection/${inletId}`, p.envelope(schemaId, datasetId, event('pg-2')))).status, 200);
    assert.equal((await p.collect(`/collection/${inletId}`, p.envelope(schemaId, datasetId, event('pg-3')))).status, 200);
    await k.processor.drain();
    const rows = await k.queryLake(`SELECT _id FROM ${table} ORDER BY _id`);
    assert.deepEqual(rows.map((x) => x._id), ['pg-1', 'pg-2', 'pg-3'], 'pg-2 is a duplicate across the restart');
    const f = await p.call('GET', `/data/foundation/kith/failed-records?datasetId=${datasetId}`);
    assert.equal(f.json.records.length, 1);
  });

  it('another data directory on the same database finds the org, its sandbox and datasets', async () => {
    const other = mkdtempSync(join(tmpdir(), 'kith-pg-other-'));
    dirs.push(other);
    // one Kith at a time on a database: the log's consumers and the dedupe index go with one lake
    await k.stop({ keepData: true });
    const k2 = await startTestKith({ ...cfg, dataDir: other });
    try {
      assert.equal(k2.local.orgId, k.local.orgId);
      const ds = await new Platform(k2).call('GET', `/data/foundation/catalog/dataSets/${datasetId}`);
      assert.equal(ds.status, 200);
    } finally {
      await k2.stop();
    }
  });

  describe('invalid input', () => {
    it('an unreachable database stops `kith start` with the URL, its password hidden', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kith-pg-bad-'));
      dirs.push(dir);
      await assert.rejects(startChildKith(dir, ['--database-url', 'postgres://kith:s3cret@127.0.0.1:1/kith']), (e: Error) => {
        assert.match(e.message, /child exited 1: [\s\S]*Error: cannot connect to PostgreSQL at postgres:\/\/kith:\*\*\*@127\.0\.0\.1:1\/kith/);
        assert.doesNotMatch(e.message, /s3cret/);
        return true;
      });
    });
    it('a URL of another kind is refused before anything starts', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kith-pg-bad-'));
      dirs.push(dir);
      await assert.rejects(startChildKith(dir, ['--database-url', 'mysql://h/kith']), /child exited 2: kith: KITH_DATABASE_URL/);
    });
  });
});

describe('crash safety on PostgreSQL (kill -9 during load)', () => {
  it('every acknowledged message is in the lake exactly once after restart', async () => {
    const cfg = pgConfig();
    const { child, baseUrl } = await startChildKith(cfg.dataDir, ['--database-url', cfg.databaseUrl!, '--database-schema', cfg.databaseSchema]);
    const api = childApi(baseUrl, cfg.dataDir);
    const schema = await api('POST', '/data/foundation/schemaregistry/tenant/schemas', { type: 'object', title: 'Crash events', allOf: [{ $ref: EVENT }, { $ref: FG('identitymap') }] });
    assert.equal(schema.status, 201);
    const schemaRef = { id: schema.json.$id, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
    const ds = await api('POST', '/data/foundation/catalog/dataSets', { name: 'Crash events', schemaRef });
    const datasetId = String(ds.json[0]).replace('@/dataSets/', '');
    const conn = await api('POST', '/data/foundation/flowservice/connections', { name: 'crash', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { dataType: 'xdm' } } });
    const inletId = (await api('GET', `/data/foundation/flowservice/connections/${conn.json.id}`)).json.items[0].auth.params.inletId;

    let i = 0;
    const acked = await loadUntilKilled(child, baseUrl, inletId, 4, 1500, (w) => {
      const keys = Array.from({ length: 50 }, () => `w${w}-${i++}`);
      return { keys, messages: keys.map((id) => ({ header: { schemaRef, datasetId }, body: { xdmMeta: { schemaRef }, xdmEntity: { _id: id, timestamp: '2026-01-01T00:00:00Z', eventType: 'crash.test' } } })) };
    });
    assert.ok(acked.size > 100, `some load was acknowledged (${acked.size})`);

    const k = await startTestKith(cfg);
    try {
      await assertInLakeOnce(k, datasetId, acked);
    } finally {
      await k.stop({ keepData: true });
    }
  });
});
