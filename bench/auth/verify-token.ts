/**
 * The gateway's token check per authenticated request: CredentialService.verifyToken within a standing verdict
 * (TOKEN_RECHECK_MS) and read through (token and credential, what every request cost with no verdict kept).
 * Baseline: one bare better-sqlite3 read of a stored row. Prints JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { round2 } from '../lib/load.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteResourceStore } from '../../src/store/sqlite/sqlite-resource-store.js';
import { CredentialService } from '../../src/auth/credentials.js';
import { systemClock } from '../../src/shared/clock.js';

const N = Number(process.env.BENCH_CALLS ?? 50_000);
const dir = mkdtempSync(join(tmpdir(), 'kith-verify-token-'));
const db = openSqlite(dir, 'control');
const creds = new CredentialService(new SqliteResourceStore(db), systemClock);
const readThrough = new CredentialService(new SqliteResourceStore(db), systemClock, 0);
await creds.createOrg('BENCH@AdobeOrg', 'kith');
const issued = await creds.createCredential('BENCH@AdobeOrg', 'bench');
const token = await creds.issueToken(issued.credential);
for (let i = 0; i < 1000; i++) await creds.verifyToken(token);
let t = performance.now();
for (let i = 0; i < N; i++) if (!(await creds.verifyToken(token))) throw new Error('token refused');
const verifyUs = ((performance.now() - t) * 1000) / N;
t = performance.now();
for (let i = 0; i < N; i++) if (!(await readThrough.verifyToken(token))) throw new Error('token refused');
const readThroughUs = ((performance.now() - t) * 1000) / N;
const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name);
const table = tables.find((n) => /resource/.test(n)) ?? tables[0]!;
const read = db.prepare(`SELECT * FROM ${table} LIMIT 1 OFFSET ?`);
t = performance.now();
for (let i = 0; i < N; i++) read.get(0);
const bareUs = ((performance.now() - t) * 1000) / N;
db.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ name: 'auth/verify-token', figure: round2(verifyUs), unit: 'µs per verifyToken within a standing verdict', readThroughUs: round2(readThroughUs), baseline: { name: 'one bare better-sqlite3 read of a stored resource row', us: round2(bareUs) }, calls: N, hardware: hardware() }, null, 1));
