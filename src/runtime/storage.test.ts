import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pgTestUrl } from '../store/postgres/pg-test-url.js';
import { appliedMigrations } from '../store/postgres/migrations.js';
import { ManualClock } from '../shared/clock.js';
import { openStorage, openStorageOrThrow, poolConfig, type StorageConfig, type ThreadRole } from './storage.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'kith-storage-'));
  dirs.push(d);
  return d;
};
const admin = new pg.Pool({ connectionString: pgTestUrl(), max: 1 });
const schemas: string[] = [];
let n = 0;
const freshSchema = () => {
  const s = `t_storage_${process.pid}_${Date.now().toString(36)}_${++n}`;
  schemas.push(s);
  return s;
};
after(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await admin.end();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Both kinds: SQLite files in a temp dir, and the tests' PostgreSQL in a schema of its own (created by the factory). */
const kinds: Array<{ kind: 'sqlite' | 'postgres'; config(): StorageConfig }> = [
  { kind: 'sqlite', config: () => ({ dataDir: tempDir() }) },
  { kind: 'postgres', config: () => ({ dataDir: tempDir(), databaseUrl: pgTestUrl(), databasePoolMax: 3, databaseSchema: freshSchema() }) },
];

const expected: Record<ThreadRole, string[]> = {
  api: ['failedRecords', 'gatewayRejections', 'ingestLog', 'notIngested', 'resources', 'runMetrics', 'sourceState'],
  processor: ['failedRecords', 'identityGraph', 'ingestLog', 'journeyStore', 'lake', 'membershipReader', 'notIngested', 'profileStore', 'resources', 'runMetrics', 'seenIds'],
  segmentation: ['profileStore', 'resources', 'segmentStore'],
  reader: ['identityGraph', 'membershipReader', 'profileStore', 'resources'],
  cli: ['resources'],
};

describe('openStorage', () => {
  for (const { kind, config } of kinds)
    describe(kind, () => {
      for (const [role, names] of Object.entries(expected) as Array<[ThreadRole, string[]]>)
        it(`opens what the ${role} thread owns`, async () => {
          const s = await openStorageOrThrow(config(), role);
          try {
            assert.equal(s.kind, kind);
            assert.deepEqual(Object.keys(s.stores).sort(), names);
          } finally {
            await s.close();
          }
        });

      it('every store keeps what it was given across a close and a reopen (a restart)', async () => {
        const cfg = config();
        const clock = new ManualClock(1_000_000);
        const api = await openStorageOrThrow(cfg, 'api', { clock });
        const { resources, ingestLog, failedRecords, notIngested, sourceState, gatewayRejections } = api.stores;
        assert.ok((await resources.put('org', 'global', 'o1', { name: 'Org' })).ok);
        const offsets = await ingestLog.append([{ sandboxId: 'sb', orgId: 'o1', kind: 'xdm', receivedAt: 1, payload: '{"a":1}' }]);
        assert.deepEqual(offsets, [1]);
        await failedRecords.add([{ sandboxId: 'sb', datasetId: 'ds', batchId: 'B1', offset: 1, code: 'X', reason: 'bad', payload: '{}' }]);
        await notIngested.add([{ sandboxId: 'sb', orgId: 'o1', datasetId: 'ds', batchId: 'B1', offset: 1, recordId: 'r1', xactionId: 'x', isEvent: true, receivedAt: 1, code: 'NO_ID', reason: 'no identity', record: '{}' }]);
        await sourceState.remember(['k1'], 10, 1000);
        await gatewayRejections.record([{ orgId: 'o1', clientId: 'kith_ak_x', reason: 'revokedApiKey', errorCode: '403003', sandboxName: 'prod', detail: 'revoked', count: 2, at: 5 }]);
        await api.close();
        await api.close(); // idempotent

        const processor = await openStorageOrThrow(cfg, 'processor', { clock });
        try {
          const p = processor.stores;
          assert.equal((await p.resources.get<{ name: string }>('org', 'global', 'o1'))?.doc.name, 'Org');
          assert.deepEqual((await p.ingestLog.read(0, 10)).map((e) => e.payload), ['{"a":1}']);
          assert.equal(await p.failedRecords.countBatch('sb', 'B1'), 1);
          assert.equal((await p.notIngested.countBatch('sb', 'B1')).total, 1);
          await p.seenIds.remember('ds', ['id-1']);
          assert.deepEqual([...(await p.seenIds.seen('ds', ['id-1', 'id-2']))], ['id-1']);
          assert.equal(await p.lake.progress('lake'), 0);
        } finally {
          await processor.close();
        }
        const again = await openStorageOrThrow(cfg, 'api', { clock });
        try {
          assert.deepEqual([...(await again.stores.sourceState.seen(['k1', 'k2'], 20))], ['k1']);
          assert.deepEqual((await again.stores.gatewayRejections.list({ orgId: 'o1', limit: 5 })).map((r) => [r.reason, r.count]), [['revokedApiKey', 2]]);
        } finally {
          await again.close();
        }

        const files = readdirSync(cfg.dataDir);
        assert.ok(files.includes('lake.duckdb'), 'the lake is in the data directory on both kinds');
        const dbFiles = files.filter((f) => f.endsWith('.db')).sort();
        if (kind === 'sqlite') assert.deepEqual(dbFiles, ['control.db', 'failed-records.db', 'gateway.db', 'identity.db', 'ingest-log.db', 'journey.db', 'profile.db', 'segment.db', 'sources.db']);
        else {
          assert.deepEqual(dbFiles, [], 'no SQLite file on PostgreSQL');
          const applied = await appliedMigrations(admin, cfg.databaseSchema);
          assert.deepEqual([...applied.keys()].sort(), ['failed-records', 'flow-runs', 'gateway-rejections', 'identity', 'ingest-log', 'journey', 'not-ingested', 'profile', 'resources', 'seen-ids', 'source-state']);
        }
      });

      it('names its SQLite files for the checkpointer (none on PostgreSQL)', async () => {
        const s = await openStorageOrThrow(config(), 'processor');
        try {
          assert.deepEqual([...s.sqliteFiles].sort(), kind === 'sqlite' ? ['control', 'failed-records', 'identity', 'ingest-log', 'journey', 'profile', 'segment'] : []);
          s.checkpointsInBackground(['ingest-log']); // a no-op on PostgreSQL
        } finally {
          await s.close();
        }
      });
    });

  it("a thread's pool commits durably where its commits are acknowledgements (api), not where they replay (processor)", async () => {
    for (const [role, want] of [['api', 'on'], ['processor', 'off'], ['segmentation', 'on'], ['reader', 'on']] as const) {
      const pool = new pg.Pool(poolConfig(kinds[1]!.config(), role));
      try {
        const r = await pool.query<{ synchronous_commit: string; application_name: string }>('SELECT current_setting($1) AS synchronous_commit, current_setting($2) AS application_name', ['synchronous_commit', 'application_name']);
        assert.deepEqual(r.rows[0], { synchronous_commit: want, application_name: `kith ${role}` }, role);
      } finally {
        await pool.end();
      }
    }
  });

  it('threads opening the same schema at once migrate it once', async () => {
    const cfg = kinds[1]!.config();
    const all = await Promise.all((['api', 'processor', 'segmentation', 'cli'] as const).map((r) => openStorageOrThrow(cfg, r)));
    for (const s of all) await s.close();
    const r = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${cfg.databaseSchema}.kith_migrations`);
    assert.equal(Number(r.rows[0]!.n), 12);
  });

  describe('invalid input', () => {
    it('an unreachable database is an error naming the URL without its password', async () => {
      const r = await openStorage({ dataDir: tempDir(), databaseUrl: 'postgres://kith:s3cret@127.0.0.1:1/kith' }, 'api');
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.match(r.error, /cannot connect to PostgreSQL at postgres:\/\/kith:\*\*\*@127\.0\.0\.1:1\/kith/);
        assert.doesNotMatch(r.error, /s3cret/);
      }
    });

    it('a database newer than this build is refused, and nothing stays open', async () => {
      const cfg = kinds[1]!.config();
      const s = await openStorageOrThrow(cfg, 'cli');
      await s.close();
      await admin.query(`INSERT INTO ${cfg.databaseSchema}.kith_migrations (store, version, name) VALUES ('resources', 99, 'from the future')`);
      const r = await openStorage(cfg, 'api');
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, /resources: the database is at version 99.*upgrade Kith/);
    });

    it('a data directory that cannot hold files is an error', async () => {
      const file = join(tempDir(), 'not-a-dir');
      await import('node:fs').then((fs) => fs.writeFileSync(file, 'x'));
      const r = await openStorage({ dataDir: file }, 'cli');
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, /cannot open the stores in/);
      assert.ok(existsSync(file));
    });
  });
});
