import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openSqlite } from '../store/sqlite/open.js';
import { fragmentStoreContract } from './fragment-store.contract.js';
import { SqliteProfileStore } from './sqlite-profile-store.js';

const dir = mkdtempSync(join(tmpdir(), 'kith-profile-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
fragmentStoreContract('sqlite', () => new SqliteProfileStore(openSqlite(dir, 'profile')));
