/**
 * Profile lookups while events stream in (issue #18: reads never wait for writes). A real server (startTestKith in a
 * child process, processor in its worker thread) over LOOKUP_N people (default 200,000; populate-real.ts: a CRMID+ECID
 * graph, 3 fragments and LOOKUP_EVENTS_PER_PROFILE events each), then, in the same run:
 *  - baseline: LOOKUP_RATE GET /access/entities by CRMID/s (default 2,000) of random known people on the quiet server;
 *  - under load: the same lookups while another process streams LOOKUP_INGEST_RATE messages/s (default 4,000) through
 *    /collection (half profile-record updates, half ExperienceEvents; 30% single posts, the rest batches of 50, as
 *    latency.ts), after LOOKUP_WARMUP_SECONDS of load.
 * Each phase lasts LOOKUP_SECONDS (default 20). Prints one JSON line.
 * KITH_DATABASE_URL (+ KITH_DATABASE_SCHEMA): the server keeps its state on PostgreSQL; the people are written
 * embedded as always, then moved there with `kith export` / `kith import` (what an operator would do).
 *   node --import tsx bench/profile/lookup-under-load.ts
 */
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { crm, envelope, request, setupProfileData, startKithProcess, webEvent, type ProfileSetup } from './kith-setup.js';
import { openReal, populateReal } from './populate-real.js';
import { paced } from './paced.js';

const N = Number(process.env.LOOKUP_N ?? 200_000);
const LOOKUP_RATE = Number(process.env.LOOKUP_RATE ?? 2000);
const INGEST_RATE = Number(process.env.LOOKUP_INGEST_RATE ?? 4000);
const SECONDS = Number(process.env.LOOKUP_SECONDS ?? 20);
const WARMUP = Number(process.env.LOOKUP_WARMUP_SECONDS ?? 3);
const BATCH = 50;
const SINGLE_SHARE = 0.3;

/** Random people, the same sequence in every run (a small LCG). */
function people(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) % N);
}

const lookupPath = (i: number) => `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${crm(i).id}&entityIdNS=CRMID`;

async function lookups(url: string, headers: Record<string, string>, seed: number) {
  const next = people(seed);
  return paced({ url, rate: LOOKUP_RATE, seconds: SECONDS, headers, path: () => lookupPath(next()), maxInFlight: 512, check: (status, body) => status === 200 && body.includes('"entityId"') });
}

/** The ingest load, in its own process (its own event loop: it does not delay the lookups' timing). */
async function ingestLoad(url: string, headers: Record<string, string>, s: ProfileSetup, seconds: number, people: number): Promise<void> {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  let sent = 0, acked = 0, errors = 0;
  const pending = new Set<Promise<void>>();
  const message = (n: number): string => {
    const i = (n * 7919) % people;
    const now = Date.now();
    if (n % 2 === 0)
      return envelope(s.profileSchema, s.dsCRM, { person: { name: { firstName: `F${n}` } }, extSourceSystemAudit: { lastUpdatedDate: new Date(now).toISOString() }, identityMap: { CRMID: [{ id: crm(i).id, primary: true }] } });
    return envelope(s.eventSchema, s.dsEv, webEvent(i, `lul-${n}`, now, `p${n % 50}`));
  };
  const send = (path: string, body: string, msgs: number) => {
    const p = request(agent, u, 'POST', path, {}, body).then(
      (r) => void (r.status === 200 || r.status === 207 ? (acked += msgs) : (errors += msgs)),
      () => void (errors += msgs),
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  let batch: string[] = [];
  const start = performance.now();
  let end = start + seconds * 1000;
  // SIGTERM: stop sending now, report what was sent
  process.on('SIGTERM', () => (end = Math.min(end, performance.now())));
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.floor(((Math.min(now, end) - start) / 1000) * INGEST_RATE);
      while (sent < due) {
        const n = sent++;
        const m = message(n);
        if ((n * 37) % 100 < SINGLE_SHARE * 100) send(`/collection/${s.inletId}`, m, 1);
        else if (batch.push(m) === BATCH) {
          send(`/collection/batch/${s.inletId}`, `{"messages":[${batch.join(',')}]}`, BATCH);
          batch = [];
        }
      }
      if (now < end) setTimeout(tick, 2);
      else resolve();
    };
    tick();
  });
  const elapsed = (Math.min(performance.now(), end) - start) / 1000;
  while (pending.size) await Promise.all([...pending]);
  agent.destroy();
  process.stdout.write(`INGEST ${JSON.stringify({ sent, acked, errors, achievedMsgsPerSec: Math.round(acked / elapsed) })}\n`);
}

/** The ingest load in another process, for `seconds` or until stopped; `result` is what it sent and got acknowledged. */
export function startIngestProcess(url: string, headers: Record<string, string>, s: ProfileSetup, seconds: number, people = N): { result: Promise<Record<string, unknown>>; stop(): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--ingest', JSON.stringify({ url, headers, s, seconds, people })], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const result = new Promise<Record<string, unknown>>((resolve, reject) =>
    child.on('exit', (code) => {
      const m = /^INGEST (.*)$/m.exec(out);
      if (m) resolve(JSON.parse(m[1]!) as Record<string, unknown>);
      else reject(new Error(`ingest load exited ${code}: ${out}`));
    }),
  );
  return { result, stop: () => void child.kill('SIGTERM') };
}

/** The server's ingest backlog (log head minus the downstream offset). */
async function backlog(url: string, headers: Record<string, string>): Promise<number> {
  const r = await fetch(`${url}/data/foundation/kith/ingest/status`, { headers });
  const b = (await r.json()) as { logHead: number; downstreamOffset: number };
  return b.logHead - b.downstreamOffset;
}

/** Runs `kith <args>` of this checkout (sources) with `env`; throws with its output when it fails. */
function kith(args: string[], env: NodeJS.ProcessEnv): void {
  const r = spawnSync(process.execPath, [new URL('../../bin/kith.js', import.meta.url).pathname, ...args], { env: { ...env, KITH_FROM_SOURCE: '1' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kith ${args[0]} failed (${r.status}): ${r.stderr}${r.stdout}`);
}

export async function lookupUnderLoadBench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-lookup-load-'));
  const database = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('KITH_DATABASE_')));
  // the population is written embedded (populate-real.ts writes the SQLite files); PostgreSQL gets it by import
  for (const name of Object.keys(database)) delete process.env[name];
  try {
    let k = await startKithProcess(dir);
    const s = await setupProfileData(k);
    await k.stop();
    const real = openReal(dir);
    const loadSeconds = await populateReal(real, s, 0, N);
    await real.close();
    if (database.KITH_DATABASE_URL) {
      kith(['export', '--data-dir', dir, '--out', join(dir, 'dump')], process.env);
      kith(['import', '--in', join(dir, 'dump'), '--data-dir', dir], { ...process.env, ...database });
      Object.assign(process.env, database);
    }
    k = await startKithProcess(dir);
    try {
      // a short warm-up of the lookup path (JIT, caches), then the quiet baseline
      await paced({ url: k.url, rate: LOOKUP_RATE, seconds: 2, headers: k.headers, path: (i) => lookupPath((i * 7919) % N) });
      const quiet = await lookups(k.url, k.headers, 1);
      const ingest = startIngestProcess(k.url, k.headers, s, WARMUP + SECONDS + 1);
      await new Promise((r) => setTimeout(r, WARMUP * 1000));
      const loaded = await lookups(k.url, k.headers, 2);
      const backlogAfter = await backlog(k.url, k.headers);
      const load = await ingest.result;
      return { storage: database.KITH_DATABASE_URL ? 'postgres' : 'embedded', profiles: N, populateSeconds: Number(loadSeconds.toFixed(1)), lookupRate: LOOKUP_RATE, ingestRate: INGEST_RATE, seconds: SECONDS, underLoad: loaded, quiet, ingest: { ...load, backlogAfterLookups: backlogAfter } };
    } finally {
      await k.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--ingest') {
  const a = JSON.parse(process.argv[3]!) as { url: string; headers: Record<string, string>; s: ProfileSetup; seconds: number; people: number };
  await ingestLoad(a.url, a.headers, a.s, a.seconds, a.people);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await lookupUnderLoadBench();
  const u = r.underLoad as { p99ms: number };
  console.log(JSON.stringify({ name: 'profile lookups under ingest load (real server, GET /access/entities by CRMID while /collection streams)', figure: u.p99ms, unit: `ms p99 at ${LOOKUP_RATE} lookups/s with ${INGEST_RATE} events/s`, target: 'p99 <= 10 ms', hardware: hardware(), ...r }));
}
