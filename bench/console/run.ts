/**
 * The 360 page of a person with 5,000 events, opened in Debian's Chromium (puppeteer-core) against a real `kith start`:
 * time from navigation start to the page settled (every panel rendered, the first page of events shown), over
 * BENCH_RUNS navigations (a reload each: the session is the tab's, the assets come from the browser cache as for an
 * agent who opened the console before). Baseline, in the same run and the same browser: the bare API calls the page
 * made (recorded from one navigation), all sent at once with fetch.
 *
 *   node --import tsx bench/console/run.ts          (npm run build first: the server runs dist/ when it exists)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HTTPRequest } from 'puppeteer-core';
import { hardware } from '../hardware.js';
import { REPO_ROOT } from '../lib/bench-root.js';
import { startKithChild } from '../query/kith-child.js';
import { loadDemo, waitForIngest } from '../../src/console/demo/demo-loader.js';
import { demoCustomer } from '../../src/console/demo/demo-data.js';
import { buildConsole, launchChromium, pickSandbox, signIn } from '../../src/console/testing/console-browser.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const WARMUP = 5;
const EVENTS = 5000;
const BUDGET_MS = 300;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
};
const stats = (xs: number[]) => ({ p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99), max: pct(xs, 100), n: xs.length });

async function main() {
  if (!existsSync(join(REPO_ROOT, 'dist/console-app/index.html'))) await buildConsole(join(REPO_ROOT, 'dist/console-app'));
  const dataDir = mkdtempSync(join(tmpdir(), 'kith-bench-console-'));
  const kith = await startKithChild(dataDir, { lakeThreads: 1 });
  const browser = await launchChromium();
  try {
    const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { apiKey: string; clientSecret: string; accessToken: string; orgId: string };
    const target = { baseUrl: kith.url, headers: { authorization: `Bearer ${creds.accessToken}`, 'x-api-key': creds.apiKey, 'x-gw-ims-org-id': creds.orgId }, sandbox: 'demo' };
    const tLoad = performance.now();
    await loadDemo(target, { customers: 50, eventsPerCustomer: 20, heavyEvents: EVENTS - 20 });
    if (!(await waitForIngest(target, 300_000))) throw new Error('the demo data was not processed in 5 minutes');
    const loadS = (performance.now() - tLoad) / 1000;
    const person = demoCustomer(0);
    const hash = `#/person?ns=Email&id=${encodeURIComponent(person.email)}`;

    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await signIn(page, kith.url, creds.apiKey, creds.clientSecret);
    await pickSandbox(page, 'demo');

    // settled: the person rendered, the first page of events shown, no panel still loading
    const settle = async (i: number): Promise<number> => {
      await page.goto(`${kith.url}/?run=${i}${hash}`, { waitUntil: 'domcontentloaded' });
      const h = await page.waitForFunction(
        () => {
          const d = (globalThis as any).document; // a page function (the bench's tsconfig has no DOM types)
          const p = d.querySelector('.person[data-ready]');
          if (!p || !d.querySelector('#events tbody tr') || !d.querySelector('#audiences table') || /Loading/.test(p.innerText)) return false;
          return performance.now();
        },
        { polling: 'mutation', timeout: 30_000 },
      );
      return (await h.jsonValue()) as number;
    };

    // the calls the page makes, recorded from one navigation
    const calls: Array<{ url: string; method: string; headers: Record<string, string>; body?: string }> = [];
    const record = (r: HTTPRequest) => {
      if (r.resourceType() === 'fetch' || r.resourceType() === 'xhr') calls.push({ url: r.url(), method: r.method(), headers: r.headers(), body: r.postData() });
    };
    page.on('request', record);
    await settle(-1);
    page.off('request', record);
    const eventsShown = await page.$$eval('#events tbody tr', (rows) => rows.length);
    // where the time goes in one navigation (Resource Timing): the document, the script, the API calls, the render
    const breakdown = async () =>
      page.evaluate(() => {
        const perf = (globalThis as any).performance;
        const nav = perf.getEntriesByType('navigation')[0];
        const res = perf.getEntriesByType('resource') as Array<{ name: string; initiatorType: string; startTime: number; responseEnd: number }>;
        const api = res.filter((r) => r.initiatorType === 'fetch');
        const script = res.find((r) => r.initiatorType === 'script');
        // no named helpers in here: tsx wraps them in __name(), which the page does not have
        return {
          documentMs: Math.round(nav.responseEnd),
          scriptLoadedMs: script ? Math.round(script.responseEnd) : null,
          domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
          firstApiCallMs: api.length ? Math.round(Math.min(...api.map((a) => a.startTime))) : null,
          lastApiAnswerMs: api.length ? Math.round(Math.max(...api.map((a) => a.responseEnd))) : null,
          slowestCall: api.length ? api.map((a) => ({ call: new URL(a.name).pathname, ms: Math.round(a.responseEnd - a.startTime) })).sort((a, b) => b.ms - a.ms)[0] : null,
          apiCalls: api.length,
        };
      });

    const baseline = async (): Promise<number> =>
      page.evaluate(async (cs) => {
        const t0 = performance.now();
        await Promise.all(cs.map(async (c) => (await fetch(c.url, { method: c.method, headers: c.headers, body: c.body })).text()));
        return performance.now() - t0;
      }, calls);

    for (let i = 0; i < WARMUP; i++) {
      await settle(i);
      await baseline();
    }
    const pageMs: number[] = [];
    const baseMs: number[] = [];
    const phases: Array<Awaited<ReturnType<typeof breakdown>>> = [];
    for (let i = 0; i < RUNS; i++) {
      pageMs.push(await settle(1000 + i));
      phases.push(await breakdown());
      baseMs.push(await baseline());
    }
    const median = (f: (p: (typeof phases)[number]) => number | null) => pct(phases.map(f).filter((x): x is number => x !== null), 50);
    const page360 = stats(pageMs);
    process.stdout.write(
      JSON.stringify(
        {
          bench: 'console-360-page',
          figure: page360.p95,
          unit: 'ms from navigation start to the 360 page settled, p95',
          budgetMs: BUDGET_MS,
          met: page360.p95 < BUDGET_MS,
          page: page360,
          baseline: { what: `the page's ${calls.length} API calls sent at once by fetch in the same tab`, ...stats(baseMs) },
          calls: calls.map((c) => `${c.method} ${new URL(c.url).pathname}`),
          medianPhasesMs: {
            document: median((p) => p.documentMs),
            scriptLoaded: median((p) => p.scriptLoadedMs),
            domContentLoaded: median((p) => p.domContentLoadedMs),
            firstApiCall: median((p) => p.firstApiCallMs),
            lastApiAnswer: median((p) => p.lastApiAnswerMs),
            settled: page360.p50,
          },
          slowestCalls: phases.map((p) => p.slowestCall?.call).filter(Boolean).reduce((m: Record<string, number>, c) => ((m[c!] = (m[c!] ?? 0) + 1), m), {}),
          person: { events: EVENTS, eventsShown },
          dataset: { customers: 50, events: 49 * 20 + EVENTS, loadSeconds: Math.round(loadS * 10) / 10 },
          browser: await browser.version(),
          loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
          hardware: hardware(),
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await browser.close();
    await kith.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
