/**
 * bench/profile/heavy-profile: the cost of one more event for a profile that already holds the most events a profile
 * keeps (the guardrail, 5,000: each new event ages the oldest out) against the same events for profiles that hold
 * few (baseline). The store once counted a profile's events at every insert, so a heavy profile cost ~9x per event.
 *   node --import tsx bench/profile/heavy-profile.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hardware } from '../hardware.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteProfileStore } from '../../src/profile/sqlite-profile-store.js';
import { DEFAULT_GUARDRAILS } from '../../src/profile/profile-service.js';

const CAP = DEFAULT_GUARDRAILS.maxEventsPerProfile;
const HEAVY_PROFILES = Number(process.env.BENCH_HEAVY_PROFILES ?? 20);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const CHUNK = 500; // events per transaction, as a processor chunk

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-heavy-'));
const store = new SqliteProfileStore(openSqlite(dir, 'profile'));
let seq = 0;
const ev = (profile: string) => {
  const i = seq++;
  return { eventId: `e-${i}`, namespace: 'Email', id: profile, datasetId: 'events', batchId: 'b', ts: 1.7e12 + i, event: { _id: `e-${i}`, eventType: 'commerce.productViews', timestamp: new Date(1.7e12 + i).toISOString() }, ingestedAt: 0 };
};
/** µs per event for EVENTS events spread over `profiles`, in transactions of CHUNK. */
const run = (profiles: (i: number) => string): number => {
  const t0 = performance.now();
  for (let done = 0; done < EVENTS; done += CHUNK)
    store.transaction(() => {
      for (let i = done; i < done + CHUNK; i++) store.addEvent('sb', ev(profiles(i)), CAP);
    });
  return ((performance.now() - t0) * 1000) / EVENTS;
};
// fill HEAVY_PROFILES profiles to the cap
for (let h = 0; h < HEAVY_PROFILES; h++)
  store.transaction(() => {
    for (let i = 0; i < CAP; i++) store.addEvent('sb', ev(`heavy${h}@bench.example`), CAP);
  });
const light = run((i) => `light${i}@bench.example`);
const heavy = run((i) => `heavy${i % HEAVY_PROFILES}@bench.example`);
console.log(JSON.stringify({
  name: 'profile-event-write-at-cap',
  figure: Number(heavy.toFixed(1)),
  unit: `µs per event written to a profile holding ${CAP} events (the oldest ages out)`,
  events: EVENTS,
  heavyProfiles: HEAVY_PROFILES,
  hardware: hardware(),
  baseline: { name: 'the same events written to profiles holding none', perEventUs: Number(light.toFixed(1)) },
}, null, 1));
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
