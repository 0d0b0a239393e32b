import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestLogContract } from './ingest-log.contract.js';
import { SqliteIngestLog } from './sqlite-ingest-log.js';
import { openSqlite, type SqliteDb } from '../../store/sqlite/open.js';
import type { IngestLog } from './ingest-log.js';

const opened = new Map<IngestLog, { dir: string; db: SqliteDb }>();
ingestLogContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-log-'));
    const db = openSqlite(dir, 'ingest-log', { synchronous: 'FULL' });
    const log = new SqliteIngestLog(db);
    opened.set(log, { dir, db });
    return log;
  },
  async (l) => {
    const { dir, db } = opened.get(l)!;
    await l.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  },
);

describe('SqliteIngestLog on a file written before the optional entry fields existed', () => {
  it('adds the columns and keeps old entries readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-log-old-'));
    try {
      const old = openSqlite(dir, 'ingest-log', { synchronous: 'FULL' });
      old.exec(`CREATE TABLE log (offset INTEGER PRIMARY KEY, sandbox_id TEXT NOT NULL, org_id TEXT NOT NULL, kind TEXT NOT NULL,
          received_at INTEGER NOT NULL, payload TEXT NOT NULL);
        INSERT INTO log VALUES (1, 'sb', 'org', 'xdm', 5, '{"a":1}');`);
      old.close();
      const db = openSqlite(dir, 'ingest-log', { synchronous: 'FULL' });
      const log = new SqliteIngestLog(db);
      assert.equal(await log.head(), 1);
      const [o] = await log.append([{ sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: 6, payload: '{}', key: 'k' }]);
      assert.equal(o, 2);
      assert.deepEqual(await log.read(0, 10), [
        { offset: 1, sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: 5, payload: '{"a":1}' },
        { offset: 2, sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: 6, payload: '{}', key: 'k' },
      ]);
      await log.close();
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
