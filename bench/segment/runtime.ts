/**
 * bench/segment/runtime: throughput of the streaming segmentation runtime alone (one thread, no HTTP, no worker
 * hops): BENCH_EVENTS ExperienceEvents over BENCH_PROFILES profiles applied to a file-backed profile store with the
 * 49 definitions of bench/segment/streaming (+1 probe) subscribed, evaluated as the processor would hand them over
 * (units of up to 200 profiles). Figure: segmentation CPU per event = (time with segmentation − time of the same
 * profile writes without it) / events. Baseline: the profile writes alone (µs per event).
 *   node --import tsx bench/segment/runtime.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hardware } from '../hardware.js';
import { systemClock } from '../../src/shared/clock.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteResourceStore } from '../../src/store/sqlite/sqlite-resource-store.js';
import { createProfileContext } from '../../src/profile/wiring.js';
import { InMemoryIdentityResolver } from '../../src/profile/testing/in-memory-resolver.js';
import { createSegmentContext } from '../../src/segment/wiring.js';
import type { SandboxRef } from '../../src/segment/definition-service.js';
import { benchDefinitions, EVENT_TYPES, PROBE_PQL } from './definitions.js';
import { sqliteProfileStoreAt } from '../../src/profile/testing/sqlite-profile-store-at.js';
import { sqliteSegmentStoreAt } from '../../src/segment/testing/sqlite-segment-store-at.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 60_000);
const PROFILES = Number(process.env.BENCH_PROFILES ?? 20_000);
const CHUNK = 250; // events per processor chunk
const SB: SandboxRef = { orgId: 'ORG@AdobeOrg', sandbox: { id: 'sb-1', name: 'prod', type: 'production', isDefault: true } } as SandboxRef;

async function run(withSegments: boolean): Promise<{ ms: number; members: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-segrt-'));
  const clock = systemClock;
  const resources = new SqliteResourceStore(openSqlite(dir, 'resources'));
  const ctx = createProfileContext({ store: sqliteProfileStoreAt(dir), ownsStore: true, resources, clock, identities: new InMemoryIdentityResolver() });
  const seg = withSegments ? createSegmentContext({ dataDir: dir, store: sqliteSegmentStoreAt(dir), ownsStore: true, resources, clock, profile: ctx, tickMs: 0 }) : undefined;
  if (seg) {
    for (const [i, pql] of [...benchDefinitions(), PROBE_PQL].entries()) {
      const r = await seg.definitions.create(SB, { name: `bench ${i}`, schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: pql } });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
    }
    await seg.api.drain();
  }
  let seq = 0;
  const t0 = performance.now();
  for (let done = 0; done < EVENTS; done += CHUNK) {
    const items = Array.from({ length: CHUNK }, () => {
      const p = Math.floor(Math.random() * PROFILES);
      seq++;
      return { kind: 'event' as const, sandboxId: SB.sandbox.id, input: { datasetId: 'events', batchId: 'b', primary: { namespace: 'Email', id: `p${p}@bench.example` }, event: { _id: `e-${seq}`, timestamp: new Date().toISOString(), eventType: EVENT_TYPES[seq % EVENT_TYPES.length]!, identityMap: { Email: [{ id: `p${p}@bench.example`, primary: true }] }, commerce: { order: { priceTotal: (seq % 200) + 1 } } } } };
    });
    await ctx.profiles.applyBatch(items);
    if (seg) await seg.runtime.caughtUp(2 * CHUNK);
  }
  if (seg) await seg.api.drain();
  const ms = performance.now() - t0;
  const members = seg ? [...(await seg.store.counts(SB.sandbox.id)).values()].reduce((n, c) => n + (c.realized ?? 0) + (c.existing ?? 0), 0) : 0;
  await seg?.close();
  ctx.close();
  await resources.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { ms, members };
}

const base = await run(false);
const full = await run(true);
const perEvent = ((full.ms - base.ms) * 1000) / EVENTS;
console.log(JSON.stringify({
  name: 'segment-streaming-runtime-cost',
  figure: Number(perEvent.toFixed(1)),
  unit: 'µs of segmentation per event (50 streaming definitions, one thread)',
  eventsPerSecondOneCore: Math.round(1e6 / perEvent),
  events: EVENTS,
  profiles: PROFILES,
  members: full.members,
  totalMs: Math.round(full.ms),
  hardware: hardware(),
  baseline: { name: 'the same events written to the profile store without segmentation', perEventUs: Number(((base.ms * 1000) / EVENTS).toFixed(1)) },
}, null, 1));
