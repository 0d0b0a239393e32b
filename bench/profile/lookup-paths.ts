/**
 * The two paths of a profile lookup side by side, in one server process and at the same moments (robust to a noisy
 * machine): the processor thread's ProfileService (`processor.remote.profiles`, the path before the reader thread)
 * and the reader thread's (`reader.remote.profiles`, what the entities API uses now), calls alternating, quiet and
 * while another process streams LOOKUP_INGEST_RATE messages/s (default 4,000) through /collection. No HTTP on the
 * lookup side: the figure is the thread hop plus the lookup. LOOKUP_N people (default 20,000), LOOKUP_CALLS calls per
 * path and phase (default 3,000).
 *   node --import tsx bench/profile/lookup-paths.ts
 */
import { hardware } from '../hardware.js';
import { startTestKith } from '../../src/testing/test-kith.js';
import { crm, pct, setupProfileData } from './kith-setup.js';
import { openReal, populateReal } from './populate-real.js';
import { startIngestProcess } from './lookup-under-load.js';

const N = Number(process.env.LOOKUP_N ?? 20_000);
const CALLS = Number(process.env.LOOKUP_CALLS ?? 3000);
const WARMUP = Number(process.env.LOOKUP_WARMUP_SECONDS ?? 3);

const k = await startTestKith({}, { processor: { inline: false } });
try {
  const s = await setupProfileData({ url: k.baseUrl, headers: k.headers() });
  const real = openReal(k.dataDir);
  await populateReal(real, s, 0, N);
  await real.close();
  const sb = (await k.sandboxes.list(k.local.orgId)).find((x) => x.name === 'prod')!;
  const ref = { orgId: k.local.orgId, sandbox: { id: sb.id, name: sb.name, type: sb.type, isDefault: sb.isDefault } };
  const paths = { processor: k.processor.remote.profiles, reader: k.reader.remote.profiles };
  const phase = async (calls: number) => {
    const lat: Record<keyof typeof paths, number[]> = { processor: [], reader: [] };
    for (let i = 0; i < calls; i++)
      for (const name of ['processor', 'reader'] as const) {
        const t0 = performance.now();
        const r = await paths[name].getProfile(ref, crm((i * 7919) % N));
        if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
        lat[name].push(performance.now() - t0);
      }
    const sum = (xs: number[]) => (xs.sort((a, b) => a - b), { n: xs.length, p50ms: pct(xs, 50), p90ms: pct(xs, 90), p99ms: pct(xs, 99), maxms: pct(xs, 100) });
    return { processor: sum(lat.processor), reader: sum(lat.reader) };
  };
  await phase(500); // JIT, caches, the replica's first load
  const quiet = await phase(CALLS);
  const ingest = startIngestProcess(k.baseUrl, k.headers(), s, 3600, N);
  await new Promise((r) => setTimeout(r, WARMUP * 1000));
  const loaded = await phase(CALLS);
  ingest.stop();
  console.log(JSON.stringify({ name: 'profile lookup: processor thread vs reader thread, same process, same moments', figure: loaded.reader.p99ms, unit: 'ms p99 of reader lookups under load', hardware: hardware(), profiles: N, underLoad: loaded, quiet, ingest: await ingest.result }));
} finally {
  await k.stop();
}
