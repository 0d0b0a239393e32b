/**
 * bench/profile/pg-event-write: the cost of storing one ExperienceEvent in the PostgreSQL profile store, in units of
 * work of a processor chunk (load what the chunk touches, apply batched, one transaction), BENCH_EVENTS events over
 * BENCH_PROFILES profiles in random order, into a schema of its own on KITH_TEST_POSTGRES_URL (default: the tests'
 * server). The SQLite figure of the same load is bench/profile/event-write.ts.
 *   node --import tsx bench/profile/pg-event-write.ts
 */
import pg from 'pg';
import { hardware } from '../hardware.js';
import { PgProfileStore } from '../../src/profile/pg-profile-store.js';
import { DEFAULT_GUARDRAILS } from '../../src/profile/profile-service.js';
import { pgTestUrl } from '../../src/store/postgres/pg-test-url.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const PROFILES = Number(process.env.BENCH_PROFILES ?? 20_000);
const CHUNK = 1000;
const CAP = DEFAULT_GUARDRAILS.maxEventsPerProfile;
const pool = new pg.Pool({ connectionString: pgTestUrl(), max: 2 });
const schema = `bench_profile_${process.pid}`;
await pool.query(`CREATE SCHEMA ${schema}`);
try {
  const store = await PgProfileStore.open({ pool, schema });
  let seq = 0;
  const t0 = performance.now();
  for (let c = 0; c < EVENTS / CHUNK; c++) {
    const evs = Array.from({ length: CHUNK }, () => {
      const p = Math.floor(Math.random() * PROFILES);
      const id = `e-${seq++}`;
      const ts = 1.7e12 + seq;
      return { eventId: id, namespace: 'Email', id: `p${p}@bench.example`, datasetId: 'ds-events', batchId: `b-${Math.floor(seq / 5000)}`, ts, event: { _id: id, eventType: 'commerce.purchases', timestamp: new Date(ts).toISOString(), commerce: { order: { priceTotal: 12 } } }, ingestedAt: ts };
    });
    await store.write(evs.map((e) => ({ sandboxId: 'sb', ref: e, event: { eventId: e.eventId, cap: CAP } })), (w) => {
      for (const e of evs) w.addEvent('sb', e, CAP);
    });
  }
  const us = ((performance.now() - t0) * 1000) / EVENTS;
  console.log(JSON.stringify({ name: 'profile-event-write-postgres', figure: Number(us.toFixed(1)), unit: 'µs per event stored (units of work of 1,000 events)', events: EVENTS, profiles: PROFILES, hardware: hardware() }, null, 1));
} finally {
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
}
