/**
 * Ingestion-to-visible latency on a real server (startTestKith in a child process, lake processor in its worker
 * thread): a paced mixed load of PROFILE_LATENCY_RATE messages/s (default 5,000) for PROFILE_LATENCY_SECONDS (default
 * 30) through /collection — half profile-record updates (CRM dataset, `person.name.firstName` + audit time), half
 * ExperienceEvents (web page views with a new `_id`); PROFILE_LATENCY_SINGLE_SHARE of the messages (default 0.3) as
 * single /collection/{inlet} posts, the rest in /collection/batch/{inlet} requests of 50 messages.
 * PROFILE_LATENCY_SAMPLES_PER_SEC of the messages (default 20/s) are tagged: from the moment their request is sent,
 * the entities API is polled every 5 ms until the new value (profile by CRMID) or the new event (events of the ECID,
 * time-filtered to the event's timestamp) is visible. Ingestion-to-visible = first visible answer - send time.
 * Baseline: the ack latency of the same requests (the message is durable in the ingest log when acked).
 * Before the run, PROFILE_LATENCY_N people (default 20,000) are written to the data directory (populate-real.ts).
 *   node --import tsx bench/profile/latency.ts
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { crm, ecid, envelope, pct, request, setupProfileData, startKithProcess, webEvent, type ProfileSetup } from './kith-setup.js';
import { openReal, populateReal } from './populate-real.js';

const N = Number(process.env.PROFILE_LATENCY_N ?? 20_000);
const RATE = Number(process.env.PROFILE_LATENCY_RATE ?? 5000);
const SECONDS = Number(process.env.PROFILE_LATENCY_SECONDS ?? 30);
const SINGLE_SHARE = Number(process.env.PROFILE_LATENCY_SINGLE_SHARE ?? 0.3);
const SAMPLES_PER_SEC = Number(process.env.PROFILE_LATENCY_SAMPLES_PER_SEC ?? 20);
/** Seconds of load before sampling starts (JIT, validator compilation, caches: steady state is what is measured). */
const WARMUP = Number(process.env.PROFILE_LATENCY_WARMUP_SECONDS ?? 3);
const BATCH = 50;
const POLL_MS = 5;
const GIVE_UP_MS = 10_000;

/** A message to send; sampled ones carry what to poll for. */
interface Msg { text: string; sampleKind?: 'record' | 'event'; i?: number; token?: string; ts?: number }

export async function latencyBench(processor?: { streamingBatchMaxAgeMs?: number; idleMs?: number }): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-profile-latency-'));
  try {
    let k = await startKithProcess(dir, processor);
    const s: ProfileSetup = await setupProfileData(k);
    await k.stop();
    const real = openReal(dir);
    const loadSeconds = await populateReal(real, s, 0, N);
    await real.close();
    k = await startKithProcess(dir, processor);
    try {
      return { profiles: N, loadSeconds: Number(loadSeconds.toFixed(1)), ...(await run(k.url, k.headers, s)) };
    } finally {
      await k.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(baseUrl: string, headers: Record<string, string>, s: ProfileSetup) {
  const u = new URL(baseUrl);
  const ingestAgent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const pollAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const ackSingle: number[] = [], ackBatch: number[] = [];
  const visRecord: number[] = [], visEvent: number[] = [];
  let sent = 0, acked = 0, ackErrors = 0, inFlight = 0, timedOut = 0, polls = 0;
  const pending = new Set<Promise<void>>();
  const half = Math.floor(N / 2);
  let nextSamplePerson = half; // sampled messages use people nobody else writes to during the run
  const sampleEvery = Math.max(1, Math.round(RATE / SAMPLES_PER_SEC));

  const poll = async (t0: number, path: string, visible: (body: string) => boolean, into: number[]) => {
    for (;;) {
      polls++;
      const r = await request(pollAgent, u, 'GET', path, headers);
      if (r.status === 200 && visible(r.body)) return void into.push(performance.now() - t0);
      if (performance.now() - t0 > GIVE_UP_MS) return void timedOut++;
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
  };

  let samples = 0;
  const message = (n: number): Msg => {
    const sampled = n >= WARMUP * RATE && n % sampleEvery === 0;
    const kind = sampled ? (samples++ % 2 === 0 ? 'record' : 'event') : n % 2 === 0 ? 'record' : 'event';
    const i = sampled ? nextSamplePerson++ % N : (n * 7919) % half;
    const now = Date.now();
    if (kind === 'record') {
      const token = `F${n}`;
      const text = envelope(s.profileSchema, s.dsCRM, {
        person: { name: { firstName: token } }, extSourceSystemAudit: { lastUpdatedDate: new Date(now).toISOString() }, identityMap: { CRMID: [{ id: crm(i).id, primary: true }] },
      });
      return sampled ? { text, sampleKind: 'record', i, token } : { text };
    }
    const id = `lat-${n}`;
    const text = envelope(s.eventSchema, s.dsEv, webEvent(i, id, now, `p${n % 50}`));
    return sampled ? { text, sampleKind: 'event', i, token: id, ts: now } : { text };
  };

  const startPoll = (m: Msg, t0: number) => {
    if (!m.sampleKind) return;
    const p =
      m.sampleKind === 'record'
        ? poll(t0, `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${crm(m.i!).id}&entityIdNS=CRMID&fields=person.name`, (b) => b.includes(`"firstName":"${m.token}"`), visRecord)
        : poll(t0, `/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=${ecid(m.i!).id}&relatedEntityIdNS=ECID&startTime=${m.ts}&endTime=${m.ts! + 1}`, (b) => b.includes(`"entityId":"${m.token}"`), visEvent);
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const send = (path: string, body: string, msgs: number, into: number[], samples: Msg[]) => {
    const t0 = performance.now();
    inFlight++;
    for (const m of samples) startPoll(m, t0);
    const p = request(ingestAgent, u, 'POST', path, {}, body).then(
      (r) => {
        inFlight--;
        into.push(performance.now() - t0);
        if (r.status === 200 || r.status === 207) acked += msgs;
        else ackErrors += msgs;
      },
      () => {
        inFlight--;
        ackErrors += msgs;
      },
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  // processor lag while the load runs: log head minus the processor's committed offset
  let maxBacklog = 0;
  const backlog: number[] = [];
  const lag = setInterval(() => {
    void request(pollAgent, u, 'GET', '/data/foundation/kith/ingest/status', headers).then((r) => {
      const b = r.status === 200 ? (JSON.parse(r.body) as { logHead: number; downstreamOffset: number }) : undefined;
      if (b) (backlog.push(b.logHead - b.downstreamOffset), (maxBacklog = Math.max(maxBacklog, b.logHead - b.downstreamOffset)));
    }, () => undefined);
  }, 500);
  let batch: Msg[] = [];
  const start = performance.now();
  const end = start + (WARMUP + SECONDS) * 1000;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.floor(((Math.min(now, end) - start) / 1000) * RATE);
      while (sent < due) {
        const n = sent++;
        const m = message(n);
        if ((n * 37) % 100 < SINGLE_SHARE * 100) send(`/collection/${s.inletId}`, m.text, 1, ackSingle, [m]);
        else {
          batch.push(m);
          if (batch.length === BATCH) {
            send(`/collection/batch/${s.inletId}`, `{"messages":[${batch.map((x) => x.text).join(',')}]}`, BATCH, ackBatch, batch);
            batch = [];
          }
        }
      }
      if (now < end) setTimeout(tick, 2);
      else resolve();
    };
    tick();
  });
  const elapsed = (performance.now() - start) / 1000;
  while (pending.size) await Promise.all([...pending]);
  clearInterval(lag);
  ingestAgent.destroy();
  pollAgent.destroy();
  for (const a of [ackSingle, ackBatch, visRecord, visEvent]) a.sort((x, y) => x - y);
  const all = [...visRecord, ...visEvent].sort((x, y) => x - y);
  const acks = [...ackSingle, ...ackBatch].sort((x, y) => x - y);
  const sum = (xs: number[]) => ({ n: xs.length, p50ms: pct(xs, 50), p90ms: pct(xs, 90), p99ms: pct(xs, 99), maxms: Number((xs[xs.length - 1] ?? NaN).toFixed(1)) });
  return {
    load: { targetMsgsPerSec: RATE, seconds: SECONDS, warmupSeconds: WARMUP, sentMessages: sent, ackedMessages: acked, ackErrors, achievedMsgsPerSec: Math.round(acked / elapsed), singleShare: SINGLE_SHARE, batchSize: BATCH, mix: '50% profile record updates, 50% ExperienceEvents', pollEveryMs: POLL_MS, polls, processorBacklog: { max: maxBacklog, samples: backlog.length, last: backlog[backlog.length - 1] } },
    visible: { ...sum(all), record: sum(visRecord), event: sum(visEvent), timedOut },
    baseline: { name: 'ack latency of the same requests (durable in the ingest log)', all: sum(acks), single: sum(ackSingle), batch50: sum(ackBatch) },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await latencyBench();
  const vis = r.visible as { p50ms: number; p99ms: number };
  console.log(JSON.stringify({ name: 'profile ingestion-to-visible latency (real server, /collection mixed load, entities API polling)', figure: vis.p99ms, unit: `ms p99 at ${RATE} messages/s`, hardware: hardware(), target: 'p99 <= 200 ms at 5,000 messages/s', ...r }));
}
