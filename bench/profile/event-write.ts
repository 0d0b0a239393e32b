/**
 * bench/profile/event-write: the cost of storing one ExperienceEvent in the profile store (insert in processor-sized
 * transactions, plus the WAL checkpoint that copies the pages it dirtied), BENCH_EVENTS events over BENCH_PROFILES
 * profiles in random order. Baseline: the same store on the events table of files from before session 5, with a
 * second identity-keyed index (primary key on (sandbox, ns, id, event_id)): each such index dirties a random page
 * per event, written to the WAL and again by the checkpoint.
 *   node --import tsx bench/profile/event-write.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hardware } from '../hardware.js';
import { openSqlite, type SqliteDb } from '../../src/store/sqlite/open.js';
import { SqliteProfileStore } from '../../src/profile/sqlite-profile-store.js';
import { DEFAULT_GUARDRAILS } from '../../src/profile/profile-service.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const PROFILES = Number(process.env.BENCH_PROFILES ?? 20_000);
const CHUNK = 1000; // events per transaction, as a processor chunk
const CHECKPOINT_EVERY = 5; // chunks (the checkpointer thread's pace at 5,000 events/s)
const SANDBOX = 'a3c1f9e2-5b7d-4c8a-9e1f-2d3b4c5a6e7f';
const OLDER_LAYOUT = `CREATE TABLE profile_event (
  sandbox TEXT NOT NULL, ns TEXT NOT NULL, ns_code TEXT NOT NULL, id TEXT NOT NULL, event_id TEXT NOT NULL,
  ts INTEGER NOT NULL, dataset TEXT NOT NULL, batch TEXT NOT NULL, body TEXT NOT NULL, ingested_at INTEGER NOT NULL,
  PRIMARY KEY (sandbox, ns, id, event_id));
  CREATE INDEX profile_event_ts ON profile_event (sandbox, ns, id, ts, event_id);`;

async function run(older: boolean): Promise<{ insertUs: number; checkpointUs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-evwrite-'));
  const db: SqliteDb = openSqlite(dir, 'profile');
  if (older) db.exec(OLDER_LAYOUT);
  const store = new SqliteProfileStore(db);
  db.pragma('wal_autocheckpoint = 0'); // checkpoints timed apart, as the checkpointer thread runs them
  let seq = 0;
  let checkpointMs = 0;
  const t0 = performance.now();
  for (let c = 0; c < EVENTS / CHUNK; c++) {
    await store.write([], (w) => {
      for (let i = 0; i < CHUNK; i++) {
        const p = Math.floor(Math.random() * PROFILES);
        const id = `e-${seq++}`;
        const ts = 1.7e12 + seq;
        w.addEvent(SANDBOX, { eventId: id, namespace: 'Email', id: `p${p}@bench.example`, datasetId: 'ds-events', batchId: `b-${Math.floor(seq / 5000)}`, ts, event: { _id: id, eventType: 'commerce.purchases', timestamp: new Date(ts).toISOString(), commerce: { order: { priceTotal: 12 } } }, ingestedAt: ts }, DEFAULT_GUARDRAILS.maxEventsPerProfile);
      }
    });
    if ((c + 1) % CHECKPOINT_EVERY === 0) {
      const t1 = performance.now();
      db.pragma('wal_checkpoint(PASSIVE)');
      checkpointMs += performance.now() - t1;
    }
  }
  const totalMs = performance.now() - t0;
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { insertUs: Number((((totalMs - checkpointMs) * 1000) / EVENTS).toFixed(1)), checkpointUs: Number(((checkpointMs * 1000) / EVENTS).toFixed(1)) };
}

const baseline = await run(true);
const current = await run(false);
console.log(JSON.stringify({
  name: 'profile-event-write',
  figure: Number((current.insertUs + current.checkpointUs).toFixed(1)),
  unit: 'µs per event stored (insert + checkpoint of the pages it dirtied)',
  ...current,
  events: EVENTS,
  profiles: PROFILES,
  hardware: hardware(),
  baseline: { name: 'the same store on the events table of older files (a second identity-keyed index)', ...baseline, perEventUs: Number((baseline.insertUs + baseline.checkpointUs).toFixed(1)) },
}, null, 1));
