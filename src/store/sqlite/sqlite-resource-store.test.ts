import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceStoreContract } from '../resource-store.contract.js';
import { openSqlite } from './open.js';
import { SqliteResourceStore } from './sqlite-resource-store.js';

const dirs: string[] = [];
resourceStoreContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-rs-'));
    dirs.push(dir);
    return new SqliteResourceStore(openSqlite(dir, 'control'));
  },
  async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  },
);
