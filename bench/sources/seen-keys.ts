/**
 * The sources' dedupe keys (Segment messageIds, Shopify deliveries): CPU to remember a request's 100 keys with the
 * expiry index that lets expired keys be deleted in bounded steps, against the same table without the index (the
 * baseline: what remember cost before expiry ran), and the time of one 500-key expiry step (the API thread waits for it). Prints JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { cpuUs, round2 } from '../lib/load.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteSourceStateStore } from '../../src/sources/http/sqlite-source-state-store.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000), PER = 100, STORED = Number(process.env.BENCH_STORED ?? 500_000);
const dir = mkdtempSync(join(tmpdir(), 'kith-seen-keys-'));

async function remembering(withIndex: boolean): Promise<{ usPerRequest: number; expiryStepMs: number }> {
  const db = openSqlite(dir, withIndex ? 'with-index' : 'without-index');
  const s = new SqliteSourceStateStore(db);
  if (!withIndex) db.exec('DROP INDEX seen_keys_expiry');
  for (let i = 0; i < STORED; i += 10_000) await s.remember(Array.from({ length: 10_000 }, (_, j) => `stored-${i + j}`), i, 1_000);
  const us = await cpuUs(async () => {
    for (let r = 0; r < REQUESTS; r++) await s.remember(Array.from({ length: PER }, (_, j) => `m-${r}-${j}`), 1e12, 7 * 86_400_000);
  });
  let expiryStepMs = NaN;
  if (withIndex) {
    const t = performance.now();
    await s.expire(STORED, 500);
    expiryStepMs = performance.now() - t;
  }
  db.close();
  return { usPerRequest: us / REQUESTS, expiryStepMs };
}

const base = await remembering(false);
const indexed = await remembering(true);
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      name: 'source-dedupe-keys',
      figure: round2(indexed.usPerRequest),
      unit: `µs of CPU to remember a request's ${PER} keys with the expiry index (${STORED} stored)`,
      baseline: { name: 'the same table without the expiry index', usPerRequest: round2(base.usPerRequest) },
      ratio: round2(indexed.usPerRequest / base.usPerRequest),
      expiryStepMs: round2(indexed.expiryStepMs),
      hardware: hardware(),
    },
    null,
    1,
  ),
);
