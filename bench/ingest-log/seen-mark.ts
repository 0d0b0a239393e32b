/**
 * bench/ingest-log/seen-mark: what remembering a lake write's `_id`s costs the lake lane, per write of 1,250 ids
 * (5,000 events/s gathered over 250 ms) with 100k ids stored:
 * - now: SqliteSeenIds.rememberThrough (the ids and the seen mark in one SQLite transaction, issue #17);
 * - baseline: the way it replaced, one autocommitted `remember` per dataset (no mark; a crash after the DuckDB
 *   commit lost the ids);
 * - the alternative not taken: the dedupe set in DuckDB beside the rows (a PRIMARY KEY table appended in the lake's
 *   transaction, checked with one query per chunk), the check against SQLite's json_each statement.
 *   node --import tsx bench/ingest-log/seen-mark.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance, VARCHAR } from '@duckdb/node-api';
import { hardware } from '../hardware.js';
import { cpuUs, round2 } from '../lib/load.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteSeenIds } from '../../src/lake/sqlite-seen-ids.js';

const dir = mkdtempSync(join(tmpdir(), 'kith-seen-mark-'));
const WRITES = 200, IDS = 1250, STORED = 100_000;
const batch = (tag: string, w: number) => Array.from({ length: IDS }, (_, j) => `${tag}-${w * IDS + j}`);
const stored = Array.from({ length: STORED }, (_, i) => `s-${i}`);

// ---- SQLite: remember per dataset (baseline) vs rememberThrough (ids + mark, one transaction) ----
const db = openSqlite(dir, 'failed-records');
const failed = new SqliteSeenIds(db);
for (let i = 0; i < STORED; i += 10_000) await failed.remember('sb/ds', stored.slice(i, i + 10_000));
const baselineUs = (await cpuUs(async () => { for (let w = 0; w < WRITES; w++) await failed.remember('sb/ds', batch('b', w)); })) / WRITES;
const markUs = (await cpuUs(async () => { for (let w = 0; w < WRITES; w++) await failed.rememberThrough('lake', w + 1, new Map([['sb/ds', batch('m', w)]])); })) / WRITES;
const probe = Array.from({ length: IDS }, (_, j) => `s-${j * 7}`);
const sqliteCheckUs = (await cpuUs(async () => { for (let w = 0; w < WRITES; w++) await failed.seen('sb/ds', probe); })) / WRITES;
db.close();

// ---- DuckDB: the dedupe set beside the rows ----
const duck = await DuckDBInstance.create(join(dir, 'seen.duckdb'), { threads: '1' });
const conn = await duck.connect();
await conn.run('CREATE TABLE seen (dataset_key VARCHAR, id VARCHAR, PRIMARY KEY (dataset_key, id))');
const append = async (ids: string[]) => {
  await conn.run('BEGIN');
  const a = await conn.createAppender('seen');
  const chunk = DuckDBDataChunk.create([VARCHAR, VARCHAR], ids.length);
  chunk.setColumns([ids.map(() => 'sb/ds'), ids]);
  a.appendDataChunk(chunk);
  a.flushSync();
  a.closeSync();
  await conn.run('COMMIT');
};
for (let i = 0; i < STORED; i += 2000) await append(stored.slice(i, i + 2000));
const duckInsertUs = (await cpuUs(async () => { for (let w = 0; w < WRITES; w++) await append(batch('d', w)); })) / WRITES;
const probeJson = JSON.stringify(probe);
let hits = 0;
const duckCheckUs = (await cpuUs(async () => {
  for (let w = 0; w < WRITES; w++)
    hits = (await conn.runAndReadAll(`SELECT s.id FROM seen s JOIN (SELECT unnest(from_json($2, '["VARCHAR"]')) AS id) q ON s.id = q.id WHERE s.dataset_key = $1`, ['sb/ds', probeJson])).getRows().length;
})) / WRITES;
conn.closeSync();
duck.closeSync();
rmSync(dir, { recursive: true, force: true });
if (hits !== IDS) throw new Error(`DuckDB check found ${hits} of ${IDS}`);

console.log(JSON.stringify({
  name: 'lake-seen-mark',
  figure: round2(markUs),
  unit: `µs of CPU per lake write to remember its ${IDS} ids with the seen mark (100k ids stored)`,
  perId: round2(markUs / IDS),
  baseline: { name: 'one autocommitted remember per dataset, no mark (before issue #17)', usPerWrite: round2(baselineUs), perId: round2(baselineUs / IDS) },
  duckdbAlternative: { insertUsPerWrite: round2(duckInsertUs), checkUsPerChunk: round2(duckCheckUs), sqliteCheckUsPerChunk: round2(sqliteCheckUs) },
  writes: WRITES,
  hardware: hardware(),
}, null, 1));
