/**
 * bench/identity: link throughput and graph lookups over a synthetic population (BENCH_PEOPLE, default 250,000
 * people ≈ 1M identities: CRMID, Email, 1–2 ECIDs, Phone for half; 3% of devices shared between two people; emails
 * written with random case; 1% of people typing "test@test.com"). Reports:
 *  - link ops/s through IdentityService (normalise, rules, SQLite persistence) and through the bare GraphEngine,
 *  - the bare baseline: a plain union-find over the same links (no rules, no history, no persistence),
 *  - graph lookup p50/p99, and the graph-size distribution without rules and with rules (CRMID unique).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { GraphEngine, type LinkObservation } from '../../src/identity/graph-engine.js';
import { DEFAULT_RULES, type LinkingRules } from '../../src/identity/linking-rules.js';
import { IdentityService, type IngestItem } from '../../src/identity/identity-service.js';
import { IdentityStore } from '../../src/identity/identity-store.js';
import { NamespaceService } from '../../src/identity/namespaces.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteResourceStore } from '../../src/store/sqlite/sqlite-resource-store.js';
import { systemClock } from '../../src/shared/clock.js';
import { xidOf } from '../../src/identity/xid.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 250_000);
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const ecid = (n: number) => String(10n ** 37n + BigInt(n)).padStart(38, '1');
const typeOf: Record<string, string> = { CRMID: 'CROSS_DEVICE', Email: 'EMAIL', ECID: 'COOKIE', Phone: 'PHONE' };

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

function distribution(g: GraphEngine): Record<string, number> {
  const seen = new Set<string>();
  const buckets: Record<string, number> = { '1': 0, '2-5': 0, '6-10': 0, '11-50': 0, '51+': 0 };
  let max = 0;
  for (const x of g.nodes.keys()) {
    if (seen.has(x)) continue;
    const c = g.component(x);
    c.forEach((y) => seen.add(y));
    max = Math.max(max, c.length);
    buckets[c.length === 1 ? '1' : c.length <= 5 ? '2-5' : c.length <= 10 ? '6-10' : c.length <= 50 ? '11-50' : '51+']!++;
  }
  return { ...buckets, max };
}

async function main() {
  const records = population();
  const identities = new Set(records.flat().map(([ns, id]) => `${ns}:${id.toLowerCase()}`)).size;
  const result: Record<string, unknown> = { name: 'identity', hardware: hardware(), people: PEOPLE, identities, linkOps: records.length };

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
    const sizes = new Map<string, number>();
    for (const x of parent.keys()) sizes.set(find(x), (sizes.get(find(x)) ?? 0) + 1);
    const buckets: Record<string, number> = { '1': 0, '2-5': 0, '6-10': 0, '11-50': 0, '51+': 0 };
    let max = 0;
    for (const n of sizes.values()) {
      max = Math.max(max, n);
      buckets[n === 1 ? '1' : n <= 5 ? '2-5' : n <= 10 ? '6-10' : n <= 50 ? '11-50' : '51+']!++;
    }
    result.withoutRules = { graphSizes: { ...buckets, max } };
  }

  // bare engine without rules (what the graph looks like unprotected) and with rules
  const engineRun = (rules: LinkingRules) => {
    const g = new GraphEngine(rules);
    const t0 = performance.now();
    records.forEach((r, i) => {
      const o: LinkObservation = { t: i, dataset: 'd', batch: 'b', record: String(i), identities: r.map(([ns, id]) => ({ ns, id: ns === 'Email' ? id.toLowerCase() : id, type: typeOf[ns]! })) };
      g.apply(o);
      if (i % 10_000 === 0) g.takeChanges();
    });
    return { g, opsPerSec: Math.round(records.length / ((performance.now() - t0) / 1000)) };
  };
  const ruled = engineRun({ ...DEFAULT_RULES, uniqueNamespaces: ['CRMID'] });
  result.withRules = { rules: 'CRMID unique, size limit 50, link limit 50, default blocked values', engineOpsPerSec: ruled.opsPerSec, graphSizes: distribution(ruled.g) };

  // the real service: normalisation, rules, persistence to SQLite, in batches of 1,000 records
  const dir = mkdtempSync(join(tmpdir(), 'kith-idbench-'));
  const resources = new SqliteResourceStore(openSqlite(dir, 'control'));
  const svc = new IdentityService(new IdentityStore(openSqlite(dir, 'identity')), resources, new NamespaceService(resources, systemClock), systemClock);
  await resources.put('identity-settings', 'sb', 'rules', { ...DEFAULT_RULES, uniqueNamespaces: ['CRMID'] });
  await resources.put('namespace', 'sb', '10018776', { id: 10018776, code: 'CRMID', name: 'CRMID', description: '', idType: 'CROSS_DEVICE', status: 'ACTIVE', custom: true, createTime: 0, updateTime: 0 });
  const t0 = performance.now();
  for (let i = 0; i < records.length; i += 1000) {
    const items: IngestItem[] = records.slice(i, i + 1000).map((r, j) => ({ identities: r.map(([ns, id]) => ({ namespace: ns, id, primary: false })), eventTime: i + j, datasetId: 'd', batchId: 'b', recordRef: String(i + j) }));
    await svc.ingest('sb', items);
  }
  const serviceOps = Math.round(records.length / ((performance.now() - t0) / 1000));
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
  result.service = { opsPerSec: serviceOps, lookupP50ms: +lat[Math.floor(lat.length * 0.5)]!.toFixed(4), lookupP99ms: +lat[Math.floor(lat.length * 0.99)]!.toFixed(4) };
  result.figures = [
    { figure: serviceOps, unit: 'link ops/s (IdentityService: normalise + rules + SQLite persistence)', target: 50000 },
    { figure: (result.service as { lookupP99ms: number }).lookupP99ms, unit: 'ms graph lookup p99', target: 1 },
  ];
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
