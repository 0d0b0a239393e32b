import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDb } from '../store/sqlite/open.js';
import { notIngestedStoreContract } from './not-ingested-store.contract.js';
import { SqliteNotIngestedStore } from './sqlite-not-ingested-store.js';
import type { NotIngestedStore } from './not-ingested-store.js';

const opened = new Map<NotIngestedStore, { dir: string; db: SqliteDb }>();
notIngestedStoreContract(
  'sqlite',
  async (clock) => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-nip-'));
    const db = openSqlite(dir, 'failed-records');
    const s = new SqliteNotIngestedStore(db, clock);
    opened.set(s, { dir, db });
    return s;
  },
  async (s) => {
    const { dir, db } = opened.get(s)!;
    await s.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
