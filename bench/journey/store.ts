/**
 * bench/journey/store: the journey state port alone, as the engine's two heavy loads use it. Batch entry: BENCH_INSTANCES
 * instances (default 100,000) started in units of BENCH_UNIT (default 5,000; each instance and its entrance step event).
 * Timers: every one of them fired (`due(now, BENCH_UNIT)`, then one unit ending them with a step event each). Also the
 * cost of one single-instance unit (an engine step that is not batched). SQLite in a temp dir (journey.db), then
 * PostgreSQL in a schema of its own on KITH_TEST_POSTGRES_URL (default: the tests' server); BENCH_KIND=sqlite|postgres
 * runs one.
 *   node --import tsx bench/journey/store.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { hardware } from '../hardware.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { pgTestUrl } from '../../src/store/postgres/pg-test-url.js';
import { SqliteJourneyStore } from '../../src/journey/store/sqlite-journey-store.js';
import { PgJourneyStore } from '../../src/journey/store/pg-journey-store.js';
import type { JourneyStore } from '../../src/journey/store/journey-store.js';
import type { JourneyInstance, StepEvent } from '../../src/journey/journey-types.js';

const N = Number(process.env.BENCH_INSTANCES ?? 100_000);
const UNIT = Number(process.env.BENCH_UNIT ?? 5000);
const SINGLE = 2000;
const KIND = process.env.BENCH_KIND;
const T0 = Date.UTC(2026, 0, 2);

const instance = (n: number, due: number): JourneyInstance => ({
  id: `${n.toString(36)}-${crypto.randomUUID()}`, sandboxId: 'sb', journeyId: 'j-welcome', versionId: 'v-welcome-1', personKey: `Email:p${n}@bench.example`,
  identity: { namespace: 'Email', id: `p${n}@bench.example` }, status: 'waiting', nodeId: 'wait-1d', wait: { kind: 'timer', due }, instanceType: 'batch',
  inTest: false, enteredAt: T0, updatedAt: T0, steps: 1, trigger: { segmentId: 'seg-gold', status: 'realized', _id: `t-${n}` },
});
const step = (i: JourneyInstance, index: number, ended: boolean): StepEvent => ({
  id: `${i.id}:${index}`, sandboxId: i.sandboxId, timestamp: T0 + index, journeyId: i.journeyId, journeyVersionId: i.versionId, journeyVersionName: 'Welcome',
  journeyVersion: '1.0', instanceId: i.id, instanceType: i.instanceType, identity: i.identity, nodeId: i.nodeId, nodeName: 'Wait a day', nodeType: 'wait',
  stepStatus: ended ? 'ended' : 'transitions', entrance: index === 0, instanceEnded: ended, inTest: false, eventID: ended ? 'timer' : 'audience', processingTime: 1,
});

async function run(kind: string, s: JourneyStore) {
  let t = performance.now();
  for (let b = 0; b < N; b += UNIT) {
    const is = Array.from({ length: Math.min(UNIT, N - b) }, (_, k) => instance(b + k, T0 + ((b + k) % 10_000)));
    await s.commit({ instances: is, stepEvents: is.map((i) => step(i, 0, false)) });
  }
  const started = N / ((performance.now() - t) / 1000);

  t = performance.now();
  for (let k = 0; k < SINGLE; k++) {
    const i = instance(N + k, T0 + 1e9);
    await s.commit({ instances: [i], stepEvents: [step(i, 0, false)], cursors: { bench: k } });
  }
  const singleUs = ((performance.now() - t) * 1000) / SINGLE;

  t = performance.now();
  let scanMs = 0;
  let fired = 0;
  for (;;) {
    const t1 = performance.now();
    const due = await s.due(T0 + 10_000, UNIT);
    scanMs += performance.now() - t1;
    if (due.length === 0) break;
    await s.commit({ instances: due.map((i) => ({ ...i, status: 'ended' as const, wait: undefined, endedAt: T0 + 1, steps: 2 })), stepEvents: due.map((i) => step(i, 1, true)) });
    fired += due.length;
  }
  const firedPerS = fired / ((performance.now() - t) / 1000);
  const scans = Math.ceil(fired / UNIT);
  console.log(JSON.stringify({
    name: `journey-store-${kind}`,
    figure: Math.round(firedPerS),
    unit: `timers fired per second (due(now, ${UNIT}) then one unit ending them, each with a step event)`,
    instancesStartedPerS: Math.round(started),
    dueScanMsPer5000: Number((scanMs / scans).toFixed(1)),
    singleInstanceUnitUs: Number(singleUs.toFixed(0)),
    instances: N,
    unitSize: UNIT,
    hardware: hardware(),
  }, null, 1));
}

if (KIND !== 'postgres') {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-journey-'));
  const db = openSqlite(dir, 'journey');
  try {
    await run('sqlite', new SqliteJourneyStore(db));
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
if (KIND !== 'sqlite') {
  // as the processor thread's pool (runtime/storage.ts): its commits replay from the ingest log, so no WAL flush wait
  const pool = new pg.Pool({ connectionString: pgTestUrl(), max: 2, options: '-c synchronous_commit=off' });
  const schema = `bench_journey_${process.pid}`;
  await pool.query(`CREATE SCHEMA ${schema}`);
  try {
    await run('postgres', await PgJourneyStore.open({ pool, schema }));
  } finally {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  }
}
