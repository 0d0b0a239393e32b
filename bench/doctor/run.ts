/**
 * bench/doctor: the profile doctor's answer time for an identity with BENCH_RECORDS (default 10,000) records in the
 * lake, among BENCH_NOISE (default 200,000) records of other people (issue #21: target < 1 s).
 *
 * A real Kith (startTestKith: processor in its worker thread, the lake's DuckDB there) in this process, loaded through
 * /collection/batch: 10 profile records (CRM dataset) and BENCH_RECORDS - 10 web events naming the identity, the
 * noise spread over other emails, plus 50 events misrouted to the profile dataset (failed records to find). Then,
 * alternating, BENCH_RUNS (default 10) times each after 2 warm-ups:
 *  - the doctor: GET /data/foundation/kith/doctor/profile over HTTP (every check: lake scan, ingest log, failed and
 *    not-ingested records, catalog, graph and history, merge policy, the org's other sandbox, rejections, lag, consent);
 *  - the baseline: the plain lake scan for that identity, the same RPC into the same DuckDB: every record of the
 *    sandbox's three tables whose JSON contains the value (rows returned).
 * Prints one JSON object: p50/p90/max of both, their ratio, the record counts, hardware and the 1-min load.
 */
import os from 'node:os';
import { startTestKith } from '../../src/testing/test-kith.js';
import { hardware } from '../hardware.js';
import { envelope, setupProfileData } from '../profile/kith-setup.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000);
const NOISE = Number(process.env.BENCH_NOISE ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const TARGET = 'target@example.com';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(1));
};

async function main(): Promise<void> {
  const k = await startTestKith({ logLevel: 'silent' });
  try {
    const headers = k.headers();
    const setup = await setupProfileData({ url: k.baseUrl, headers });
    // a second sandbox, so check 7 has one to look in
    await fetch(`${k.baseUrl}/data/foundation/sandbox-management/sandboxes`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'stage', title: 'Stage', type: 'development' }) });
    const t0 = Date.UTC(2026, 10, 1);
    const event = (i: number, email: string) => envelope(setup.eventSchema, setup.dsEv, { _id: `ev-${i}`, timestamp: new Date(t0 + i * 1000).toISOString(), eventType: 'web.webpagedetails.pageViews', web: { webPageDetails: { name: `page ${i % 50}`, pageViews: { value: 1 } } }, identityMap: { Email: [{ id: email, primary: true }] } });
    const messages: string[] = [];
    for (let i = 0; i < 10; i++) messages.push(envelope(setup.profileSchema, setup.dsCRM, { personalEmail: { address: TARGET }, person: { name: { firstName: 'Tara', lastName: `Get${i}` } }, identityMap: { CRMID: [{ id: 'crm-target', primary: true }], Email: [{ id: TARGET }] } }));
    for (let i = 0; i < RECORDS - 10; i++) messages.push(event(i, TARGET));
    for (let i = 0; i < NOISE; i++) messages.push(event(RECORDS + i, `person${i % 20_000}@example.com`));
    for (let i = 0; i < 50; i++) messages.push(envelope(setup.profileSchema, setup.dsWeb, { _id: `mis-${i}`, timestamp: new Date(t0).toISOString(), eventType: 'commerce.purchases', identityMap: { Email: [{ id: TARGET, primary: true }] } }));
    // interleave the identity's records with the noise (as a real lake holds them)
    for (let i = messages.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [messages[i], messages[j]] = [messages[j]!, messages[i]!];
    }
    const loadStart = performance.now();
    const url = `${k.baseUrl}/collection/batch/${setup.inletId}`;
    const batches: string[] = [];
    for (let i = 0; i < messages.length; i += 100) batches.push(`{"messages":[${messages.slice(i, i + 100).join(',')}]}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < batches.length) {
          const body = batches[next++]!;
          const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          if (r.status !== 207 && r.status !== 200) throw new Error(`load: ${r.status} ${await r.text()}`);
          await r.arrayBuffer();
        }
      }),
    );
    await k.processor.drain();
    await k.processor.flushBatches();
    const loadSeconds = (performance.now() - loadStart) / 1000;

    const doctorUrl = `${k.baseUrl}/data/foundation/kith/doctor/profile?entityIdNS=Email&entityId=${encodeURIComponent(TARGET)}`;
    const doctor = async () => {
      const s = performance.now();
      const r = await fetch(doctorUrl, { headers });
      const json = (await r.json()) as { checks: Array<{ id: string; status: string; evidence: Record<string, unknown> }> };
      if (r.status !== 200) throw new Error(`doctor: ${r.status} ${JSON.stringify(json)}`);
      return { ms: performance.now() - s, json };
    };
    const tables = ['bench_crm', 'bench_web_profile', 'bench_web_events'];
    const needle = JSON.stringify(TARGET).replace(/'/g, "''");
    const scanSql = tables.map((t) => `SELECT _id, "timestamp", record FROM ${t} WHERE strpos(record::VARCHAR, '${needle}') > 0`).join(' UNION ALL ');
    const baseline = async () => {
      const s = performance.now();
      const rows = await k.queryLake(scanSql);
      return { ms: performance.now() - s, rows: rows.length };
    };
    for (let i = 0; i < 2; i++) {
      await doctor();
      await baseline();
    }
    const d: number[] = [];
    const b: number[] = [];
    let report: Awaited<ReturnType<typeof doctor>>['json'] | undefined;
    let rows = 0;
    for (let i = 0; i < RUNS; i++) {
      const x = await doctor();
      d.push(x.ms);
      report = x.json;
      const y = await baseline();
      b.push(y.ms);
      rows = y.rows;
    }
    const lake = report!.checks.find((c) => c.id === 'recordsReceived')!.evidence.lake as Array<{ records: number }>;
    const found = lake.reduce((n, l) => n + l.records, 0);
    const out = {
      bench: 'doctor',
      what: `GET /data/foundation/kith/doctor/profile for an identity with ${RECORDS} records in the lake among ${NOISE} others`,
      figure: pct(d, 50),
      unit: 'ms (p50)',
      doctor: { p50: pct(d, 50), p90: pct(d, 90), max: pct(d, 100), runs: RUNS },
      baseline: { what: 'plain lake scan for the identity (3 tables, rows returned), same RPC into the same DuckDB', p50: pct(b, 50), p90: pct(b, 90), max: pct(b, 100), rows },
      ratio: Number((pct(d, 50) / pct(b, 50)).toFixed(2)),
      target: '< 1000 ms',
      met: pct(d, 100) < 1000,
      found: { lakeRecords: found, failed: (report!.checks.find((c) => c.id === 'failedRecords')!.evidence.failed as Array<{ records: number }>).reduce((n, g) => n + g.records, 0), statuses: Object.fromEntries(report!.checks.map((c) => [c.id, c.status])) },
      load: { records: messages.length, seconds: Number(loadSeconds.toFixed(1)), loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)) },
      hardware: hardware(),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    await k.stop();
  }
}

await main();
