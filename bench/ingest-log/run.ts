/**
 * bench/ingest-log: the storage under the ingestion path, without HTTP.
 *  - SQLite ingest log: single-entry appends issued concurrently (group commit) and 100-entry appends,
 *    with synchronous FULL (the production setting: an ack survives power loss) and NORMAL.
 *  - Baseline: bare better-sqlite3 inserts of the same rows, one transaction per call (1 and 100 rows per call).
 *  - Postgres ingest log (group commit, unnest) when 127.0.0.1:5432 answers.
 *  - Lake: DuckDB appender rows/s through Lake.write (5,000-row chunks, as the processor writes them).
 * Env: BENCH_SECONDS per phase (default 2.5). Total stays under 60 s. Prints one JSON object.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { hardware } from '../hardware.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteIngestLog } from '../../src/ingest/log/sqlite-ingest-log.js';
import { PgIngestLog } from '../../src/ingest/log/pg-ingest-log.js';
import type { IngestLog, LogEntryInput } from '../../src/ingest/log/ingest-log.js';
import { Lake } from '../../src/lake/lake.js';
import type { LakeRow } from '../../src/ingest/processor/processor-ports.js';
import { pgTestUrl } from '../../src/store/postgres/pg-test-url.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2.5);
const dir = mkdtempSync(join(tmpdir(), 'kith-bench-log-'));

const payloadOf = (i: number) =>
  JSON.stringify({
    d: '5f0c8b2a1d3e4f0012345678',
    s: 'https://ns.adobe.com/tenant/schemas/abc123',
    x: `req-${i}`,
    e: {
      _id: `ev-${i}`,
      timestamp: '2026-01-01T12:00:00.000Z',
      eventType: 'commerce.purchases',
      identityMap: { Email: [{ id: `user${i % 5000}@example.com`, primary: true }], ECID: [{ id: '12345678901234567890123456789012345678' }] },
      commerce: { order: { priceTotal: 42.5, currencyCode: 'EUR', purchaseID: `o-${i}` }, purchases: { value: 1 } },
      productListItems: [{ SKU: 'SKU-1', name: 'Shoe', quantity: 1, priceTotal: 42.5 }],
      web: { webPageDetails: { URL: 'https://shop.example.com/checkout/thanks', name: 'Thanks' } },
    },
  });
const PAYLOADS = Array.from({ length: 1000 }, (_, i) => payloadOf(i));
const entryOf = (i: number): LogEntryInput => ({
  sandboxId: 'sb-prod',
  orgId: 'ORG@AdobeOrg',
  inletId: 'inlet-1',
  datasetId: '5f0c8b2a1d3e4f0012345678',
  kind: 'xdm',
  key: `Email:user${i % 5000}@example.com`,
  requestId: `req-${i}`,
  receivedAt: Date.now(),
  payload: PAYLOADS[i % PAYLOADS.length]!,
});

/** Keeps `inFlight` calls of `call(batchSize)` outstanding for SECONDS; returns entries/s and calls/s. */
async function closedLoop(call: (n: number) => Promise<unknown>, batchSize: number, inFlight: number) {
  const end = performance.now() + SECONDS * 1000;
  let entries = 0;
  let calls = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await call(batchSize);
        entries += batchSize;
        calls++;
      }
    }),
  );
  const s = (performance.now() - start) / 1000;
  return { entriesPerSec: Math.round(entries / s), callsPerSec: Math.round(calls / s), inFlight, batchSize };
}

async function logPhase(log: IngestLog, batchSize: number, inFlight: number) {
  let i = 0;
  return closedLoop((n) => log.append(Array.from({ length: n }, () => entryOf(i++))), batchSize, inFlight);
}

async function sqliteLog(sync: 'FULL' | 'NORMAL') {
  const d = join(dir, `log-${sync}`);
  const db = openSqlite(d, 'ingest-log', { synchronous: sync });
  const log = new SqliteIngestLog(db);
  const single = await logPhase(log, 1, 512);
  const single64 = sync === 'FULL' ? await logPhase(log, 1, 64) : undefined;
  const hundred = await logPhase(log, 100, 16);
  await log.close();
  db.close();
  return { single, ...(single64 ? { single64 } : {}), hundred };
}

/** The bare baseline: better-sqlite3, same rows, one transaction per call, calls issued one after the other. */
function bareSqlite(sync: 'FULL' | 'NORMAL', batchSize: number) {
  const db = new Database(join(dir, `bare-${sync}-${batchSize}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync}`);
  db.exec(`CREATE TABLE log (offset INTEGER PRIMARY KEY, sandbox_id TEXT NOT NULL, org_id TEXT NOT NULL, kind TEXT NOT NULL,
    received_at INTEGER NOT NULL, payload TEXT NOT NULL, inlet_id TEXT, dataset_id TEXT, key TEXT, request_id TEXT, meta TEXT)`);
  const ins = db.prepare('INSERT INTO log(sandbox_id,org_id,kind,received_at,payload,inlet_id,dataset_id,key,request_id) VALUES (?,?,?,?,?,?,?,?,?)');
  const tx = db.transaction((rows: LogEntryInput[]) => {
    for (const e of rows) ins.run(e.sandboxId, e.orgId, e.kind, e.receivedAt, e.payload, e.inletId, e.datasetId, e.key, e.requestId);
  });
  let i = 0;
  let entries = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    tx(Array.from({ length: batchSize }, () => entryOf(i++)));
    entries += batchSize;
  }
  const s = (performance.now() - start) / 1000;
  db.close();
  return { entriesPerSec: Math.round(entries / s), batchSize };
}

async function pgLog() {
  const schema = `bench_log_${process.pid}`;
  const pool = new pg.Pool({ connectionString: pgTestUrl(), max: 4, connectionTimeoutMillis: 2000 });
  let log: PgIngestLog | undefined;
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    log = await PgIngestLog.open({ pool, schema });
    const single = await logPhase(log, 1, 512);
    const hundred = await logPhase(log, 100, 16);
    return { single, hundred };
  } catch (e) {
    return { skipped: (e as Error).message };
  } finally {
    await log?.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

async function lakeAppender() {
  const lake = await Lake.open(join(dir, 'lake'));
  const CHUNK = 5000;
  let offset = 0;
  const now = Date.now();
  const rowOf = (i: number): LakeRow => ({
    sandboxId: 'sb-prod',
    table: 'purchases',
    id: `ev-${i}`,
    timestamp: now + i,
    batchId: 'B1',
    offset: i,
    ingestedAt: now,
    record: JSON.stringify((JSON.parse(PAYLOADS[i % PAYLOADS.length]!) as { e: unknown }).e),
  });
  const records = PAYLOADS.map((_, i) => rowOf(i).record);
  let rows = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    const chunk = Array.from({ length: CHUNK }, () => {
      const i = ++offset;
      return { ...rowOf(0), id: `ev-${i}`, offset: i, timestamp: now + i, record: records[i % records.length]! };
    });
    await lake.write('lake', offset, chunk);
    rows += CHUNK;
  }
  const s = (performance.now() - start) / 1000;
  const check = (await lake.query('sb-prod', 'SELECT count(*) AS n FROM purchases'))[0]!.n;
  await lake.close();
  return { rowsPerSec: Math.round(rows / s), chunk: CHUNK, rowsInLake: check };
}

try {
  const t0 = performance.now();
  const full = await sqliteLog('FULL');
  const normal = await sqliteLog('NORMAL');
  const baseline = {
    name: 'bare better-sqlite3 insert, one transaction per call, calls in sequence',
    full: { single: bareSqlite('FULL', 1), hundred: bareSqlite('FULL', 100) },
    normal: { single: bareSqlite('NORMAL', 1), hundred: bareSqlite('NORMAL', 100) },
  };
  const postgres = await pgLog();
  const lake = await lakeAppender();
  console.log(
    JSON.stringify(
      {
        name: 'ingest-log: durable single-entry appends, concurrent callers, group commit, SQLite synchronous=FULL',
        figure: full.single.entriesPerSec,
        unit: 'entries/s',
        hardware: hardware(),
        payloadBytes: Buffer.byteLength(PAYLOADS[0]!),
        secondsPerPhase: SECONDS,
        baseline,
        sqlite: { full, normal },
        postgres,
        lake,
        totalSeconds: Math.round((performance.now() - t0) / 100) / 10,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
