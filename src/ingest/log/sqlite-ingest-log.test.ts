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
