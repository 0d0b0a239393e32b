/**
 * Profile benchmark. Prints one JSON object with three parts:
 *  1. in-process merged read (figure): N profiles (PROFILE_BENCH_N, default 100,000), each a CRMID + ECID graph with
 *     3 fragments from 2 datasets (CRM record in dsCRM and dsWeb, ECID record in dsWeb) and 20 events;
 *     ProfileService.getProfile (graph lookup, default merge policy, fragments of both identities, timestampOrdered
 *     merge) against a bare baseline (a plain SQLite point read + JSON.parse of one pre-merged row per profile);
 *  2. `http` (bench/profile/http.ts; PROFILE_BENCH_HTTP=0 skips): the entities GET over HTTP on a real server whose
 *     profile services run in the processor's worker thread, paced at 2,000 req/s, and closed-loop with wrk;
 *  3. `ingestionToVisible` (bench/profile/latency.ts; PROFILE_BENCH_LATENCY=0 skips): a mixed 5,000 messages/s
 *     /collection load; time from sending a message until the entities API shows it, vs the ack latency.
 * Then bench/profile/event-write.ts (storing an event) and heavy-profile.ts (one more event for a profile at the
 * events cap) print their own objects.
 *   PROFILE_BENCH_N=10000 node --import tsx bench/profile/run.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteResourceStore } from '../../src/store/sqlite/sqlite-resource-store.js';
import { systemClock } from '../../src/shared/clock.js';
import { createProfileContext, type ProfileContext } from '../../src/profile/wiring.js';
import type { BatchItem, RecordInput } from '../../src/profile/profile-service.js';
import { InMemoryIdentityResolver } from '../../src/profile/testing/in-memory-resolver.js';
import type { SandboxRef } from '../../src/profile/merge-policy-service.js';
import { httpBench } from './http.js';
import { latencyBench } from './latency.js';
import { sqliteProfileStoreAt } from '../../src/profile/testing/sqlite-profile-store-at.js';

const N = Number(process.env.PROFILE_BENCH_N ?? 100_000);
const READS = Number(process.env.PROFILE_BENCH_READS ?? 50_000);
const EVENTS = 20;
const SB: SandboxRef = { orgId: 'BENCH@AdobeOrg', sandbox: { id: 'sb-bench', name: 'prod', type: 'production', isDefault: true } };

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(4));
};
const crm = (i: number) => ({ namespace: 'CRMID', id: `crm-${i}` });
const ecid = (i: number) => ({ namespace: 'ECID', id: `ecid-${String(i).padStart(12, '0')}` });
const now = Date.now();

async function populate(ctx: ProfileContext, ids: InMemoryIdentityResolver, sandboxId: string, n: number): Promise<number> {
  const t0 = performance.now();
  const CHUNK = 1000;
  for (let s = 0; s < n; s += CHUNK) {
    const items: BatchItem[] = [];
    const record = (input: RecordInput) => items.push({ sandboxId, kind: 'record', input });
    for (let i = s; i < Math.min(n, s + CHUNK); i++) {
      const c = crm(i), e = ecid(i);
      ids.link(sandboxId, c, e);
      record({ datasetId: 'dsCRM', batchId: 'b1', primary: c, eventTime: now - 5000, record: {
        person: { name: { firstName: `First${i}`, lastName: `Last${i}` }, birthDate: '1980-01-01', gender: 'female' },
        personalEmail: { address: `u${i}@example.com` }, loyalty: { tier: 'gold', points: i % 1000 },
        homeAddress: { city: 'Paris', country: 'FR', postalCode: '75001' }, identityMap: { CRMID: [{ id: c.id, primary: true }] } } });
      record({ datasetId: 'dsWeb', batchId: 'b2', primary: c, eventTime: now - 1000, record: {
        loyalty: { tier: 'platinum' }, preferences: { language: 'fr', newsletter: true } } });
      record({ datasetId: 'dsWeb', batchId: 'b2', primary: e, eventTime: now - 2000, record: {
        device: { type: 'mobile', os: 'iOS' }, identityMap: { ECID: [{ id: e.id }] } } });
      for (let k = 0; k < EVENTS; k++) {
        const ts = now - (EVENTS - k) * 60_000;
        items.push({ sandboxId, kind: 'event', input: { datasetId: 'dsEv', batchId: 'b3', primary: e, eventTime: ts, event: {
          _id: `ev-${i}-${k}`, timestamp: new Date(ts).toISOString(), eventType: 'web.webpagedetails.pageViews',
          web: { webPageDetails: { name: `page-${k}`, pageViews: { value: 1 } } }, identityMap: { ECID: [{ id: e.id }] } } } });
      }
    }
    await ctx.profiles.applyBatch(items);
  }
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-profile-'));
  try {
    const resources = new SqliteResourceStore(openSqlite(dir, 'resources'));
    const ids = new InMemoryIdentityResolver();
    const ctx = createProfileContext({ store: sqliteProfileStoreAt(dir), ownsStore: true, resources, clock: systemClock, identities: ids });
    const loadSeconds = await populate(ctx, ids, SB.sandbox.id, N);

    // in-process merged read
    const lat: number[] = [];
    for (let w = 0; w < 2000; w++) await ctx.profiles.getProfile(SB, crm(w % N));
    for (let r = 0; r < READS; r++) {
      const i = (r * 7919) % N;
      const t = performance.now();
      const p = await ctx.profiles.getProfile(SB, r % 2 ? crm(i) : ecid(i));
      lat.push(performance.now() - t);
      if (!p.ok || (p.value.entity as { loyalty?: { tier?: string } }).loyalty?.tier !== 'platinum') throw new Error('bad merge');
    }

    // baseline: one pre-merged JSON row per profile, point read + parse
    const bdb = openSqlite(dir, 'baseline');
    bdb.exec('CREATE TABLE p (id TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID');
    const ins = bdb.prepare('INSERT INTO p VALUES (?, ?)');
    bdb.transaction(() => {
      for (let i = 0; i < N; i++) {
        const r = await_free_entity(i);
        ins.run(`crm-${i}`, JSON.stringify(r));
      }
    })();
    const sel = bdb.prepare('SELECT doc FROM p WHERE id = ?');
    const blat: number[] = [];
    for (let r = 0; r < READS; r++) {
      const i = (r * 7919) % N;
      const t = performance.now();
      JSON.parse((sel.get(`crm-${i}`) as { doc: string }).doc);
      blat.push(performance.now() - t);
    }
    bdb.close();
    ctx.close();
    await resources.close();

    // real server (startTestKith in a child process, processor in its worker thread): entities GET over HTTP, then
    // ingestion-to-visible latency under a mixed /collection load
    let httpRun: Record<string, unknown> | undefined;
    if (process.env.PROFILE_BENCH_HTTP !== '0') httpRun = await httpBench();
    let latency: Record<string, unknown> | undefined;
    if (process.env.PROFILE_BENCH_LATENCY !== '0') latency = await latencyBench();

    console.log(JSON.stringify({
      name: 'profile merged read (in-process, timestampOrdered + pdg, 2-identity graph, 3 fragments / 2 datasets)',
      figure: pct(lat, 99),
      unit: 'ms p99',
      hardware: hardware(),
      profiles: N, fragmentsPerProfile: 3, datasets: 2, eventsPerProfile: EVENTS, reads: READS,
      loadSeconds: Number(loadSeconds.toFixed(1)),
      inProcess: { p50ms: pct(lat, 50), p99ms: pct(lat, 99), target: 'p99 <= 0.3 ms' },
      baseline: { name: 'bare SQLite point read + JSON.parse of one pre-merged row', p50ms: pct(blat, 50), p99ms: pct(blat, 99) },
      http: httpRun,
      ingestionToVisible: latency,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The merged document the baseline stores (same shape as the merged entity). */
function await_free_entity(i: number): Record<string, unknown> {
  return {
    person: { name: { firstName: `First${i}`, lastName: `Last${i}` }, birthDate: '1980-01-01', gender: 'female' },
    personalEmail: { address: `u${i}@example.com` }, loyalty: { tier: 'platinum', points: i % 1000 },
    homeAddress: { city: 'Paris', country: 'FR', postalCode: '75001' }, preferences: { language: 'fr', newsletter: true },
    device: { type: 'mobile', os: 'iOS' }, identityMap: { CRMID: [{ id: `crm-${i}`, primary: true }], ECID: [{ id: ecid(i).id }] },
  };
}

await main();
// more JSON objects: the cost of storing an event (event-write.ts) and of one more for a profile at the events cap
// (heavy-profile.ts)
for (const script of ['event-write.ts', 'heavy-profile.ts'])
  spawnSync(process.execPath, ['--import', 'tsx', new URL(script, import.meta.url).pathname], { stdio: 'inherit' });
