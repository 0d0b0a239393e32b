/**
 * bench/ingest-log/write-paths: the processor's per-chunk writes beside the ingest log, each against the bare way it
 * replaced (the figures quoted in the code and the README, session 8):
 * - `_id` dedupe: SqliteSeenIds.seen over a chunk of 1,250 ids (one statement, json_each) vs one prepared
 *   statement per id, 100k ids stored (µs per id);
 * - lake rows: Lake.write of 1,250-row writes (DuckDB data chunks) vs a bare DuckDB appender value by value, same
 *   rows (µs of CPU per row, all threads);
 * - retention: one SqliteIngestLog.truncateBefore of 2,000 / 5,000 / 20,000 entries from a 200k-entry log (ms the
 *   deleting thread is held), the step size of LogRetention;
 * - a point read outside vs inside a transaction on a WAL file (µs): why per-id statements cost what they did.
 *   node --import tsx bench/ingest-log/write-paths.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIGINT, DuckDBDataChunk, DuckDBInstance, DuckDBTimestampTZValue, TIMESTAMPTZ, VARCHAR } from '@duckdb/node-api';
import { hardware } from '../hardware.js';
import { cpuUs, round2 } from '../lib/load.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteSeenIds } from '../../src/lake/sqlite-seen-ids.js';
import { Lake } from '../../src/lake/lake.js';
import { SqliteIngestLog } from '../../src/ingest/log/sqlite-ingest-log.js';

const dir = mkdtempSync(join(tmpdir(), 'kith-write-paths-'));

// ---- _id dedupe ----
const failedDb = openSqlite(dir, 'failed-records');
const failed = new SqliteSeenIds(failedDb);
for (let i = 0; i < 100; i++) await failed.remember('sb/ds', Array.from({ length: 1000 }, (_, j) => `e-${i * 1000 + j}`));
const perIdStmt = failedDb.prepare('SELECT id FROM seen_ids WHERE dataset_key=? AND id=?');
const chunks = Array.from({ length: 100 }, (_, r) => Array.from({ length: 1250 }, (_, j) => `e-${(r * 1250 + j) * 3}`));
const seenChunk = (await cpuUs(async () => { for (const ids of chunks) await failed.seen('sb/ds', ids); })) / 125_000;
const seenPerId = (await cpuUs(() => { for (const ids of chunks) for (const id of ids) perIdStmt.get('sb/ds', id); })) / 125_000;

// ---- lake rows ----
const N = 250_000, B = 1250;
const record = (i: number) => JSON.stringify({ _id: `e-${i}`, timestamp: new Date(1.7e12 + i).toISOString(), eventType: 'commerce.purchases', identityMap: { Email: [{ id: `p${i % 20000}@bench.example`, primary: true }] }, commerce: { order: { priceTotal: (i % 200) + 1 } } });
const records = Array.from({ length: N }, (_, i) => record(i));
const lake = await Lake.open(join(dir, 'kith-lake'));
const lakeUs = await cpuUs(async () => {
  for (let i = 0; i < N; i += B)
    await lake.write('lake', i + B, records.slice(i, i + B).map((rec, j) => ({ sandboxId: 'sb', table: 't', id: `e-${i + j}`, timestamp: 1.7e12 + i + j, batchId: 'b', offset: i + j + 1, ingestedAt: 1.7e12, record: rec })));
});
await lake.close();
const bare = await DuckDBInstance.create(join(dir, 'bare.duckdb'), { threads: '1' });
const conn = await bare.connect();
await conn.run('CREATE TABLE t (_id VARCHAR, "timestamp" TIMESTAMPTZ, _kith_batch_id VARCHAR, _kith_offset BIGINT, _kith_ingested_at TIMESTAMPTZ, record JSON)');
await conn.run('CREATE TABLE c AS SELECT * FROM t LIMIT 0');
const types = [VARCHAR, TIMESTAMPTZ, VARCHAR, BIGINT, TIMESTAMPTZ, VARCHAR];
const bareChunkUs = await cpuUs(async () => {
  for (let i = 0; i < N; i += B) {
    await conn.run('BEGIN');
    const a = await conn.createAppender('c');
    const idx = Array.from({ length: B }, (_, k) => i + k);
    const chunk = DuckDBDataChunk.create(types, B);
    chunk.setColumns([
      idx.map((j) => `e-${j}`),
      idx.map((j) => new DuckDBTimestampTZValue(BigInt(1.7e12 + j) * 1000n)),
      idx.map(() => 'b'),
      idx.map((j) => BigInt(j + 1)),
      idx.map(() => new DuckDBTimestampTZValue(BigInt(1.7e12) * 1000n)),
      idx.map((j) => records[j]!),
    ]);
    a.appendDataChunk(chunk);
    a.flushSync();
    a.closeSync();
    await conn.run('COMMIT');
  }
});
const bareUs = await cpuUs(async () => {
  for (let i = 0; i < N; i += B) {
    await conn.run('BEGIN');
    const a = await conn.createAppender('t');
    for (let j = i; j < i + B; j++) {
      a.appendVarchar(`e-${j}`);
      a.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(1.7e12 + j) * 1000n));
      a.appendVarchar('b');
      a.appendBigInt(BigInt(j + 1));
      a.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(1.7e12) * 1000n));
      a.appendVarchar(records[j]!);
      a.endRow();
    }
    a.flushSync();
    a.closeSync();
    await conn.run('COMMIT');
  }
});
conn.closeSync();
bare.closeSync();

// ---- retention steps ----
const logDb = openSqlite(dir, 'ingest-log', { synchronous: 'FULL' });
const log = new SqliteIngestLog(logDb);
const payload = JSON.stringify({ header: { x: 'y'.repeat(200) }, body: { z: 'w'.repeat(200) } });
for (let i = 0; i < 200; i++) await log.append(Array.from({ length: 1000 }, () => ({ sandboxId: 'sb', orgId: 'org', kind: 'xdm', receivedAt: 1, payload })));
const stepMs: Record<string, number> = {};
for (const step of [2000, 5000, 20000]) {
  const first = (await log.read(0, 1))[0]!.offset;
  const t0 = performance.now();
  await log.truncateBefore(first + step - 1);
  stepMs[step] = round2(performance.now() - t0);
}
await log.close();

// ---- a point read outside vs inside a transaction ----
const get = logDb.prepare('SELECT offset FROM log WHERE offset = ?');
const reads = 50_000;
const outside = (await cpuUs(() => { for (let i = 0; i < reads; i++) get.get(30_000 + (i % 100_000)); })) / reads;
logDb.exec('BEGIN');
const inside = (await cpuUs(() => { for (let i = 0; i < reads; i++) get.get(30_000 + (i % 100_000)); })) / reads;
logDb.exec('COMMIT');
logDb.close();
failedDb.close();
rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({
  name: 'ingest-write-paths',
  figure: round2(seenChunk),
  unit: 'µs per _id checked (one statement per 1,250-id chunk; 100k ids stored)',
  idDedupe: { perChunkUsPerId: round2(seenChunk), baselinePerIdStatementUsPerId: round2(seenPerId) },
  lakeRows: { lakeWriteCpuUsPerRow: round2(lakeUs / N), bareDataChunkCpuUsPerRow: round2(bareChunkUs / N), baselineValueByValueAppenderCpuUsPerRow: round2(bareUs / N), rowsPerWrite: B, rows: N },
  retentionDeleteMs: stepMs,
  pointReadUs: { outsideTransaction: round2(outside), insideTransaction: round2(inside) },
  hardware: hardware(),
  baseline: { name: 'the bare way each replaced: one statement per id; a DuckDB appender fed value by value' },
}, null, 1));
