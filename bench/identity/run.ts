/**
 * bench/identity: link throughput and graph lookups over a synthetic population (BENCH_PEOPLE, default 250,000
 * people ≈ 1M identities: CRMID, Email, 1–2 ECIDs, Phone for half; 3% of devices shared between two people; emails
 * written with random case; 1% of people typing "test@test.com"). Reports:
 *  - link ops/s through IdentityService.ingest (normalise, rules, history, SQLite persistence of the observations
 *    committed before ingest returns, periodic snapshot checkpoints), BENCH_REPEAT runs (default 3) on fresh files,
 *    with best and median and where the time went;
 *  - link ops/s of the bare GraphEngine (graph and rules only: XIDs computed beforehand, no persistence);
 *  - the baseline: a plain union-find over the same links (no rules, no history, no persistence);
 *  - restart time (snapshot load plus replay of the observations after it) and that it gives the same graphs;
 *  - graph lookup p50/p99, and the graph-size distribution without rules and with rules (CRMID unique).
 * A "link operation" is one record carrying two identities (here every record does): the service normalises both,
 * creates or refreshes the link between them, enforces the rules and logs the record durably.
 * BENCH_ONLY=service skips the engine-only run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { hardware } from '../hardware.js';
import { GraphEngine } from '../../src/identity/graph-engine.js';
import type { LinkObservation } from '../../src/identity/graph-types.js';
import { DEFAULT_RULES } from '../../src/identity/linking-rules.js';
import { IdentityService, type IngestItem } from '../../src/identity/identity-service.js';
import { SqliteIdentityStore } from '../../src/identity/sqlite-identity-store.js';
import { NamespaceService } from '../../src/identity/namespaces.js';
import { openSqlite, type SqliteDb } from '../../src/store/sqlite/open.js';
import { SqliteResourceStore } from '../../src/store/sqlite/sqlite-resource-store.js';
import { systemClock } from '../../src/shared/clock.js';
import { xidOf } from '../../src/identity/xid.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 250_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const BATCH = 1000;
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const ecid = (n: number) => String(10n ** 37n + BigInt(n)).padStart(38, '1');
const typeOf: Record<string, string> = { CRMID: 'CROSS_DEVICE', Email: 'EMAIL', ECID: 'COOKIE', Phone: 'PHONE' };
const RULES = { ...DEFAULT_RULES, uniqueNamespaces: ['CRMID'] };

function population(): Array<Array<[string, string]>> {
  const records: Array<Array<[string, string]>> = [];
  let nextEcid = 0;
  const ecids: number[] = [];
  for (let p = 0; p < PEOPLE; p++) {
    const crm = `crm-${p}`;
    const email = rnd() < 0.01 ? 'test@test.com' : `person${p}@example.com`;
    const mixed = email.replace(/./g, (c) => (rnd() < 0.2 ? c.toUpperCase() : c));
    const devices = [nextEcid++];
    if (rnd() < 0.5) devices.push(nextEcid++);
    if (rnd() < 0.03 && ecids.length) devices.push(ecids[Math.floor(rnd() * ecids.length)]!); // shared device
    ecids.push(devices[0]!);
    for (const d of devices) records.push([['CRMID', crm], ['ECID', ecid(d)]]);
    records.push([['Email', mixed], ['CRMID', crm]]);
    if (rnd() < 0.5) records.push([['CRMID', crm], ['Phone', `+1415${String(5_000_000 + p).padStart(7, '0')}`]]);
  }
  // shuffle within windows so links of one person interleave with others
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.max(0, i - Math.floor(rnd() * 1000));
    [records[i], records[j]] = [records[j]!, records[i]!];
  }
  return records;
}

const bucketOf = (n: number) => (n === 1 ? '1' : n <= 5 ? '2-5' : n <= 10 ? '6-10' : n <= 50 ? '11-50' : '51+');
function sizes(counts: Iterable<number>): Record<string, number> {
  const buckets: Record<string, number> = { '1': 0, '2-5': 0, '6-10': 0, '11-50': 0, '51+': 0 };
  let max = 0;
  let graphs = 0;
  for (const n of counts) {
    graphs++;
    max = Math.max(max, n);
    buckets[bucketOf(n)]!++;
  }
  return { graphs, ...buckets, max };
}
function distribution(g: GraphEngine): Record<string, number> {
  const seen = new Set<string>();
  const out: number[] = [];
  for (const x of g.nodes.keys()) {
    if (seen.has(x)) continue;
    const c = g.component(x);
    c.forEach((y) => seen.add(y));
    out.push(c.length);
  }
  return sizes(out);
}
/** Garbage collection pauses of the main thread: [start, duration, minor?]. */
const gcPauses: Array<[number, number, boolean]> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push([e.startTime, e.duration, ((e as unknown as { detail?: { kind?: number } }).detail)?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR]);
}).observe({ entryTypes: ['gc'] });
async function gcBetween(from: number, to: number) {
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 10)); // the observer reports asynchronously
  const g = { minor: 0, minorS: 0, major: 0, majorS: 0 };
  for (const [t, d, minor] of gcPauses)
    if (t >= from && t <= to) {
      if (minor) (g.minor++, (g.minorS += d / 1000));
      else (g.major++, (g.majorS += d / 1000));
    }
  return { gcMinor: g.minor, gcMinorS: +g.minorS.toFixed(2), gcMajor: g.major, gcMajorS: +g.majorS.toFixed(2) };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function openService(dir: string): Promise<{ svc: IdentityService; dbs: SqliteDb[] }> {
  const control = openSqlite(dir, 'control');
  const idDb = openSqlite(dir, 'identity');
  const resources = new SqliteResourceStore(control);
  const svc = new IdentityService(new SqliteIdentityStore(idDb), resources, new NamespaceService(resources, systemClock), systemClock);
  return { svc, dbs: [control, idDb] };
}

async function main() {
  const records = population();
  const identities = new Set(records.flat().map(([ns, id]) => `${ns}:${id.toLowerCase()}`)).size;
  const result: Record<string, unknown> = {
    name: 'identity',
    hardware: hardware(),
    people: PEOPLE,
    identities,
    linkOps: records.length,
    linkOpDefinition: 'one record carrying two identities: normalise both, create or refresh the link, enforce the rules, log the record durably',
  };

  // baseline: plain union-find, same links
  {
    const parent = new Map<string, string>();
    const find = (x: string): string => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      let c = x;
      while (parent.get(c) !== r) {
        const n = parent.get(c)!;
        parent.set(c, r);
        c = n;
      }
      return r;
    };
    const t0 = performance.now();
    for (const r of records) {
      const xs = r.map(([ns, id]) => `${ns}:${id.toLowerCase()}`);
      for (const x of xs) if (!parent.has(x)) parent.set(x, x);
      for (let i = 1; i < xs.length; i++) parent.set(find(xs[i]!), find(xs[0]!));
    }
    const s = (performance.now() - t0) / 1000;
    result.baseline = { what: 'plain union-find over the same links (no rules, history or persistence)', opsPerSec: Math.round(records.length / s) };
    // what the graphs look like with no protection at all: plain connectivity
    const counts = new Map<string, number>();
    for (const x of parent.keys()) counts.set(find(x), (counts.get(find(x)) ?? 0) + 1);
    result.withoutRules = { graphSizes: sizes(counts.values()) };
  }

  // the bare engine with rules: graph only (XIDs computed beforehand, changes drained as a checkpoint would)
  if (process.env.BENCH_ONLY !== 'service') {
    const observations: LinkObservation[] = records.map((r, i) => ({ t: i, dataset: 'd', batch: 'b', record: String(i), identities: r.map(([ns, id]) => ({ ns, id: ns === 'Email' ? id.toLowerCase() : id, type: typeOf[ns]!, xid: xidOf(ns, ns === 'Email' ? id.toLowerCase() : id) })) }));
    const g = new GraphEngine(RULES);
    const t0 = performance.now();
    observations.forEach((o, i) => {
      g.apply(o);
      if (i % 10_000 === 0) g.takeChanges();
    });
    const opsPerSec = Math.round(records.length / ((performance.now() - t0) / 1000));
    result.engine = { what: 'bare GraphEngine.apply with rules (no normalisation, hashing or persistence)', opsPerSec };
    result.withRules = { rules: 'CRMID unique, size limit 50, link limit 50, default blocked values', graphSizes: distribution(g) };
  }

  // the real service: normalisation, rules, persistence to SQLite, in calls of 1,000 records (as the processor hands them over)
  // the records of one call, as the processor's identity sink builds them (not timed: the caller's work)
  const call = (i: number): IngestItem[] => records.slice(i, i + BATCH).map((r, j) => ({ identities: r.map(([ns, id]) => ({ namespace: ns, id, primary: false })), eventTime: i + j, datasetId: 'd', batchId: 'b', recordRef: String(i + j) }));
  const runs: Array<Record<string, number>> = [];
  let last: { svc: IdentityService; dir: string; dbs: SqliteDb[] } | undefined;
  for (let run = 0; run < REPEAT; run++) {
    if (last) {
      last.dbs.forEach((d) => d.close());
      rmSync(last.dir, { recursive: true, force: true });
    }
    const dir = mkdtempSync(join(tmpdir(), 'kith-idbench-'));
    const { svc, dbs } = await openService(dir);
    await svc.setRules('sb', RULES);
    await svc.namespaces.create('sb', { name: 'CRMID', code: 'CRMID', idType: 'CROSS_DEVICE' });
    let ms = 0;
    let cpu = 0;
    const runStart = performance.now();
    for (let i = 0; i < records.length; i += BATCH) {
      const items = call(i);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await svc.ingest('sb', items);
      const c = process.cpuUsage(c0);
      ms += performance.now() - t0;
      cpu += (c.user + c.system) / 1000;
    }
    const s = ms / 1000;
    const gcs = await gcBetween(runStart, performance.now());
    const st = svc.stats;
    runs.push({
      opsPerSec: Math.round(records.length / s),
      seconds: +s.toFixed(2),
      // CPU time of the process during the calls (includes V8's GC helper threads): less sensitive to a shared machine
      cpuSeconds: +(cpu / 1000).toFixed(2),
      normaliseS: +(st.normaliseMs / 1000).toFixed(2),
      graphS: +(st.graphMs / 1000).toFixed(2),
      logS: +(st.logMs / 1000).toFixed(2),
      checkpointS: +(st.checkpointMs / 1000).toFixed(2),
      checkpoints: st.checkpoints,
      checkpointRows: st.checkpointRows,
      ...gcs,
      cacheHitRate: +(svc.normalised.hits / (svc.normalised.hits + svc.normalised.misses)).toFixed(3),
    });
    last = { svc, dir, dbs };
  }
  const { svc, dir, dbs } = last!;
  const ops = runs.map((r) => r.opsPerSec!);
  // lookups: graph members of random identities
  const lat: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const p = Math.floor(rnd() * PEOPLE);
    const x = xidOf('CRMID', `crm-${p}`);
    const s = performance.now();
    await svc.members('sb', x);
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  // graphs as the service holds them, then a restart (snapshot load plus replay) must give the same
  const live = await svc.graphs('sb');
  const liveSizes = sizes(live.map((m) => m.length));
  dbs.forEach((d) => d.close());
  const reopened = await openService(dir);
  const r0 = performance.now();
  await reopened.svc.knows('sb', xidOf('CRMID', 'crm-0'));
  const restartMs = Math.round(performance.now() - r0);
  const again = await reopened.svc.graphs('sb');
  const same = JSON.stringify(again.map((m) => m.map((x) => x.xid).sort()).sort()) === JSON.stringify(live.map((m) => m.map((x) => x.xid).sort()).sort());
  reopened.dbs.forEach((d) => d.close());
  rmSync(dir, { recursive: true, force: true });

  result.service = {
    what: 'IdentityService.ingest: normalise + rules + history + observations committed to SQLite before it returns + snapshot checkpoints every 250k observations',
    opsPerSec: { best: Math.max(...ops), median: median(ops), runs },
    lookupP50ms: +lat[Math.floor(lat.length * 0.5)]!.toFixed(4),
    lookupP99ms: +lat[Math.floor(lat.length * 0.99)]!.toFixed(4),
    restart: { ms: restartMs, sameGraphs: same, what: 'time to the first answer after reopening identity.db: load the snapshot, replay the observations after it; then every graph compared with the live ones' },
    graphSizes: liveSizes,
  };
  result.figures = [
    { figure: median(ops), unit: `link ops/s, median of ${REPEAT} (IdentityService.ingest at ${identities.toLocaleString('en')} identities)`, best: Math.max(...ops), target: 50000 },
    { figure: (result.service as { lookupP99ms: number }).lookupP99ms, unit: 'ms graph lookup p99', target: 1 },
  ];
  result.figure = median(ops);
  result.unit = 'link ops/s (IdentityService.ingest, median)';
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
