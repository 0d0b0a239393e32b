import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestLogContract } from './ingest-log.contract.js';
import { SqliteIngestLog } from './sqlite-ingest-log.js';
import { openSqlite, type SqliteDb } from '../../store/sqlite/open.js';

let dir = '';
let db: SqliteDb;
ingestLogContract(
  'sqlite',
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'kith-log-'));
    db = openSqlite(dir, 'ingest-log', { synchronous: 'FULL' });
    return new SqliteIngestLog(db);
  },
  async (l) => {
    await l.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
