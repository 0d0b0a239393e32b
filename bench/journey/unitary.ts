/**
 * Unitary journeys under load: a journey `event → condition → custom HTTP action → end` entered by 1,000 people/s
 * (BENCH_ENTRY_RATE) while 2,000 other events/s (BENCH_OTHER_RATE) stream in, for BENCH_SECONDS (default 20).
 * Figure: time from the triggering event's ack (the /collection answer) to the action's request arriving at the
 * sink (another process), p50/p99 (target p99 ≤ 500 ms); step events written per second. Baseline: the same HTTP
 * calls (same body, global fetch like the action) made by a plain loop at the entry rate, send → arrival.
 *   node --import tsx bench/journey/unitary.ts
 */
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hardware } from '../hardware.js';
import { envelope, ecid, pct, request, setupProfileData, startKithProcess } from '../profile/kith-setup.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ENTRY_RATE = Number(process.env.BENCH_ENTRY_RATE ?? 1000);
const OTHER_RATE = Number(process.env.BENCH_OTHER_RATE ?? 2000);
const ROOT = new URL('../../', import.meta.url).pathname;
const epochNow = () => performance.timeOrigin + performance.now();

function startSink(): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bench/journey/http-sink.ts`], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /SINK (\d+)/.exec(out);
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}`, child });
    });
    child.on('exit', (c) => reject(new Error(`sink exited ${c}`)));
  });
}

async function arrivals(sink: string): Promise<Map<string, number>> {
  return new Map(Object.entries((await (await fetch(`${sink}/arrivals`)).json()) as Record<string, number>));
}
const count = async (sink: string) => (await (await fetch(`${sink}/count`)).json()) as { requests: number; keys: number };

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Calls `fn(i)` `rate` times a second for `seconds` (open loop); resolves when every call settled. */
async function openLoop(rate: number, seconds: number, fn: (i: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  const total = Math.round(rate * seconds);
  const pending: Array<Promise<void>> = [];
  let i = 0;
  while (i < total) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (i < Math.min(due, total)) pending.push(fn(i++).catch(() => undefined));
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  return total;
}

const latencies = (sent: Map<string, number>, arrived: Map<string, number>) => {
  const l: number[] = [];
  for (const [k, t] of sent) {
    const a = arrived.get(k);
    if (a !== undefined) l.push(a - t);
  }
  return l.sort((a, b) => a - b);
};

async function baseline(): Promise<Record<string, unknown>> {
  const sink = await startSink();
  try {
    const sent = new Map<string, number>();
    await openLoop(ENTRY_RATE, SECONDS, async (i) => {
      const key = `b-${i}`;
      sent.set(key, epochNow());
      const r = await fetch(`${sink.url}/hook`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ key, person: `p${i}` }) });
      await r.arrayBuffer();
    });
    const l = latencies(sent, await arrivals(sink.url));
    return { calls: sent.size, arrived: l.length, p50ms: pct(l, 50), p99ms: pct(l, 99) };
  } finally {
    sink.child.kill('SIGTERM');
  }
}

async function kith(): Promise<Record<string, unknown>> {
  const sink = await startSink();
  const dataDir = mkdtempSync(join(tmpdir(), 'kith-bench-journey-'));
  const k = await startKithProcess(dataDir);
  try {
    const setup = await setupProfileData(k);
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(k.url + path, { method, headers: { ...k.headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    const created = await api('POST', '/ajo/journeys', {
      name: 'bench unitary',
      entry: { type: 'event', eventType: 'commerce.checkouts', namespace: 'ECID', next: 'check' },
      nodes: [
        { id: 'check', name: 'Checkout page', type: 'condition', branches: [{ name: 'checkout', condition: 'event.web.webPageDetails.name = "checkout"', next: 'call' }], otherwise: 'done' },
        { id: 'call', name: 'Notify', type: 'action', action: { kind: 'http', method: 'POST', url: `${sink.url}/hook`, body: '{"key":"{{event._id}}","person":"{{identity.id}}"}', timeoutMs: 5000, retries: 2 }, next: 'done' },
        { id: 'done', type: 'end' },
      ],
    });
    const journeyId = created.journey.id as string;
    const versionId = created.version.id as string;
    await api('POST', `/ajo/journeys/${journeyId}/versions/${versionId}/publish`);

    const u = new URL(k.url);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
    const path = `/collection/${setup.inletId}`;
    const acked = new Map<string, number>();
    const send = async (body: string) => {
      const r = await request(agent, u, 'POST', path, k.headers, body);
      if (r.status >= 300) throw new Error(`collection ${r.status}`);
    };
    const entryEvent = (i: number) => {
      const id = `e-${i}`;
      return { id, body: envelope(setup.eventSchema, setup.dsEv, { _id: id, timestamp: new Date().toISOString(), eventType: 'commerce.checkouts', web: { webPageDetails: { name: 'checkout' } }, identityMap: { ECID: [{ id: ecid(i).id, primary: true }] } }) };
    };
    const otherEvent = (i: number) =>
      envelope(setup.eventSchema, setup.dsEv, { _id: `o-${i}`, timestamp: new Date().toISOString(), eventType: 'web.webpagedetails.pageViews', web: { webPageDetails: { name: 'home', pageViews: { value: 1 } } }, identityMap: { ECID: [{ id: ecid(1_000_000 + (i % 50_000)).id, primary: true }] } });
    const t0 = epochNow();
    const [entries] = await Promise.all([
      openLoop(ENTRY_RATE, SECONDS, async (i) => {
        const e = entryEvent(i);
        await send(e.body);
        acked.set(e.id, epochNow());
      }),
      openLoop(OTHER_RATE, SECONDS, (i) => send(otherEvent(i))),
    ]);
    // every acked entry's request arrived (retries are counted apart), or a minute passed
    await waitFor(async () => (await count(sink.url)).keys >= acked.size, 60_000);
    const arrived = await arrivals(sink.url);
    const l = latencies(acked, arrived);
    const lastArrival = Math.max(...arrived.values());
    const { requests } = await count(sink.url);
    const report = await api('GET', `/ajo/journeys/${journeyId}/versions/${versionId}/report`);
    const steps = (report.nodes as Array<{ count: number }>).reduce((a, n) => a + n.count, 0);
    // the steps of the instances entered, over the time from the first entry to the last request at the sink
    const seconds = (lastArrival - t0) / 1000;
    agent.destroy();
    return { entries, acked: acked.size, arrived: l.length, requests, p50ms: pct(l, 50), p99ms: pct(l, 99), maxms: l.at(-1), stepEvents: steps, stepEventsPerSec: Math.round(steps / seconds) };
  } finally {
    await k.stop();
    sink.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const loadavg = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const loadBefore = loadavg();
const base = await baseline();
const ours = await kith();
process.stdout.write(
  JSON.stringify({
    bench: 'journey/unitary',
    figure: ours.p99ms,
    unit: 'ms from the event ack to the action request at the sink, p99',
    loadavg: { before: loadBefore, after: loadavg() },
    hardware: hardware(),
    load: { entryPerSec: ENTRY_RATE, otherEventsPerSec: OTHER_RATE, seconds: SECONDS },
    kith: ours,
    baseline: { what: 'the same HTTP calls from a plain loop (global fetch), send → arrival', ...base },
    target: { p99ms: 500, met: typeof ours.p99ms === 'number' && ours.p99ms <= 500 },
  }) + '\n',
);
