import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { startTestKith, type TestKith } from '../../src/testing/test-kith.js';
import { chromiumAvailable, CHROMIUM_PATH } from '../../src/sources/edge/testing/alloy-page.js';
import { axeViolations, buildConsole, launchChromium, pickSandbox, seriousOf, signIn } from '../../src/console/testing/console-browser.js';
import { loadDemo, waitForIngest } from '../../src/console/demo/demo-loader.js';
import { demoCustomer } from '../../src/console/demo/demo-data.js';
import { eventually } from '../helpers/platform.js';


/** Where the test leaves its screenshots of the main pages (KITH_SCREENSHOT_DIR, else a temp folder). */
const SHOTS = process.env.KITH_SCREENSHOT_DIR ?? join(tmpdir(), 'kith-console-screenshots');
const SIZES = [
  { name: 'desktop', width: 1280, height: 800, isMobile: false },
  { name: 'phone', width: 390, height: 844, isMobile: true },
] as const;

describe('the console in Chromium (sign in, 360 page, SQL, replay, accessibility, phone width)', { skip: chromiumAvailable() ? false : `no Chromium at ${CHROMIUM_PATH} (.ci/run installs it)` }, () => {
  let k: TestKith;
  let browser: Browser;
  let page: Page;
  let consoleDir: string;
  let base: string;
  const ann = demoCustomer(0);
  const headers = () => ({ authorization: `Bearer ${k.local.accessToken}`, 'x-api-key': k.local.apiKey, 'x-gw-ims-org-id': k.local.orgId });
  const api = async (path: string) => (await fetch(base + path, { headers: { ...headers(), 'x-sandbox-name': 'demo' } })).json() as Promise<any>;

  before(async () => {
    consoleDir = await buildConsole();
    k = await startTestKith({}, { consoleDir });
    base = k.baseUrl;
    const target = { baseUrl: base, headers: headers(), sandbox: 'demo' };
    await loadDemo(target, { customers: 30, eventsPerCustomer: 20 });
    assert.ok(await waitForIngest(target, 60_000), 'the demo data is processed');
    // memberships are evaluated after the profile step: wait for the gold member to be in "Gold members"
    await eventually(async () => {
      const p = await api(`/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(ann.email)}&entityIdNS=Email&withCA=true`);
      const ups = Object.values(p as Record<string, any>)[0]?.entity?.segmentMembership?.ups ?? {};
      return Object.keys(ups).length > 0;
    }, 'audience memberships', 30_000);
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.setBypassCSP(true); // axe-core is injected as an inline script, which the console's CSP refuses
    await page.setViewport({ width: 1280, height: 800 });
  });
  after(async () => {
    await browser?.close();
    await k?.stop();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
  const textOf = (sel: string) => page.$eval(sel, (e) => (e as unknown as { innerText: string }).innerText);
  const goto = async (hash: string, ready: string) => {
    await page.evaluate((h) => ((globalThis as any).location.hash = h), hash);
    await page.waitForSelector(ready, { timeout: 30_000 });
  };

  it('refuses a wrong secret with the reason, then signs in with the API key and secret', async () => {
    await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
    assert.deepEqual(seriousOf(await axeViolations(page)), [], 'the sign-in page passes axe');
    await shot('sign-in-desktop');
    await page.type('input[name=apiKey]', k.local.apiKey);
    await page.type('input[name=secret]', 'kith_cs_wrong');
    await page.click('button[type=submit]');
    await page.waitForSelector('.notice.error');
    assert.match(await textOf('.notice.error'), /do not match/);
    await page.evaluate(() => (globalThis as any).sessionStorage.clear());
    await signIn(page, base, k.local.apiKey, k.local.clientSecret!);
    const stored = await page.evaluate(() => ((globalThis as any).sessionStorage.getItem('kith.console.session') ?? '') as string);
    assert.ok(stored.includes(k.local.orgId) && !stored.includes(k.local.clientSecret!), 'the token is kept for the session, the secret is not');
  });

  it('an empty sandbox offers the demo store: the button loads it through the API and opens its sample customer', async () => {
    await page.waitForSelector('main .panel button.primary');
    assert.match(await textOf('main .panel'), /This sandbox is empty/);
    await page.click('main .panel button.primary');
    await page.waitForSelector('.person[data-ready]', { timeout: 120_000 });
    assert.equal(await textOf('.person h1'), `${ann.firstName} ${ann.lastName}`);
    assert.equal(await page.$eval('header .sandbox select', (e) => (e as unknown as { value: string }).value), 'demo');
    await pickSandbox(page, 'demo');
    await goto('#/search', 'form.search input[name=q]');
  });

  it('finds a person by email and opens the 360 page: attributes, events, audiences, computed attributes, identities, consent', async () => {
    await page.type('form.search input[name=q]', ann.email);
    await Promise.all([page.waitForSelector('.person[data-ready]', { timeout: 15_000 }), page.click('form.search button[type=submit]')]);
    assert.equal(await textOf('.person h1'), `${ann.firstName} ${ann.lastName}`);
    await page.waitForSelector('#events tbody tr');
    const events = await page.$$eval('#events tbody tr', (rows) => rows.map((r) => (r as unknown as { innerText: string }).innerText));
    assert.equal(events.length, 20, 'the first page of the 20 events');
    const times = events.map((e) => e.split('\t')[0]!);
    assert.deepEqual([...times].sort().reverse(), times, 'newest first');
    assert.match(await textOf('#audiences'), /Gold members[\s\S]*realized/);
    assert.match(await textOf('#computed'), /Spend, 90 days/);
    assert.match(await textOf('#identities'), new RegExp(ann.crmId));
    assert.match(await textOf('#consent'), /marketing\.email/);
    assert.match(await textOf('#attributes'), new RegExp(`loyalty\\.tier\\s+${ann.tier}\\s+Demo Customers\\s+Email:${ann.email.replace(/\./g, '\\.')}`), 'each value with the dataset and identity it came from');
    // orders, by type
    await page.select('#events select', 'commerce.purchases');
    await page.waitForFunction(() => {
      const rows = [...(globalThis as any).document.querySelectorAll('#events tbody tr')] as Array<{ innerText: string }>;
      return rows.length > 0 && rows.every((r) => r.innerText.includes('commerce.purchases'));
    });
    assert.match(await textOf('#events'), /Order ORD-1-\d+ · [\d,]+ KRW/);
    // why are these one person?
    await page.click('#identities tbody button');
    await page.waitForSelector('.explain ol li');
    assert.match(await textOf('.explain'), /were seen together in Demo/);
    await page.screenshot({ path: join(SHOTS, 'person-360-full.png'), fullPage: true });
  });

  it('offers near identities for a typo, and the profile doctor when nothing matches', async () => {
    const typo = ann.email.replace('example', 'exmaple');
    await goto(`#/search?q=${encodeURIComponent(typo)}`, '.results');
    assert.match(await textOf('.results'), /Did you mean/);
    assert.ok((await textOf('.results')).includes(ann.email));
    assert.ok(await page.$('.results a[href^="#/doctor"]'), 'a link to the profile doctor');
  });

  it('runs a SQL query on the Query Service and shows the rows', async () => {
    await goto('#/admin/sql', 'textarea[name=sql]');
    await page.$eval('textarea[name=sql]', (e) => ((e as unknown as { value: string }).value = ''));
    await page.type('textarea[name=sql]', 'SELECT count(*) AS customers FROM demo_customers');
    await page.click('form button[type=submit]');
    await page.waitForSelector('main table tbody tr', { timeout: 30_000 });
    assert.equal((await textOf('main table tbody tr')).trim(), '30');
    assert.match(await textOf('.notice.ok'), /1 row/);
    await shot('sql-desktop');
  });

  it('replays a failed record and states the result', async () => {
    await goto('#/admin/failed', 'main section tbody tr input[type=checkbox]');
    const before = (await page.$$('main section:first-of-type tbody tr')).length;
    assert.equal(before, 2, 'the demo store sends two orders without a numeric total');
    await shot('failed-records-desktop');
    await page.click('main section:first-of-type tbody tr input[type=checkbox]');
    await page.click('main section:first-of-type .panel-actions button');
    await page.waitForFunction(() => /Replayed 1 record/.test((globalThis as any).document.querySelector('main section .notice.ok')?.innerText ?? ''));
  });

  it('evaluates the audiences in a batch job, showing its progress and then its result', async () => {
    await goto('#/admin/audiences', 'main tbody tr');
    await page.click('main .panel-actions button');
    await page.waitForFunction(() => /Evaluated 4 audiences in batch over \d+ profiles/.test((globalThis as any).document.querySelector('main .notice.ok')?.innerText ?? ''), { timeout: 60_000 });
  });

  const PAGES: Array<[string, string, string]> = [
    ['search', '#/search', 'form.search'],
    ['person-360', `#/person?ns=Email&id=${encodeURIComponent(ann.email)}`, '#events tbody tr'],
    ['datasets', '#/admin/datasets', 'main tbody tr'],
    ['sources', '#/admin/sources', 'main tbody tr'],
    ['failed-records', '#/admin/failed', 'main .panel'],
    ['identity-settings', '#/admin/identity', 'textarea'],
    ['audiences', '#/admin/audiences', 'main tbody tr'],
    ['journeys', '#/admin/journeys', 'main select'],
    ['sql', '#/admin/sql', 'textarea[name=sql]'],
    ['doctor', `#/doctor?ns=Email&id=${encodeURIComponent(ann.email)}`, 'main .notice, main .panel'],
    ['credentials', '#/admin/credentials', 'main tbody tr'],
  ];
  for (const size of SIZES) {
    it(`every main page at ${size.width}px: no serious or critical axe violation, nothing wider than the screen, a screenshot`, async () => {
      await page.setViewport({ width: size.width, height: size.height, isMobile: size.isMobile, hasTouch: size.isMobile });
      const problems: string[] = [];
      for (const [name, hash, ready] of PAGES) {
        await goto(hash, ready);
        await page.evaluate(() => new Promise((r) => (globalThis as any).requestAnimationFrame(() => (globalThis as any).requestAnimationFrame(r))));
        for (const v of seriousOf(await axeViolations(page))) problems.push(`${name}: ${v.impact} ${v.id} (${v.help}) at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
        const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth);
        if (overflow > 1) problems.push(`${name}: the page is ${overflow}px wider than the ${size.width}px screen`);
        await shot(`${name}-${size.name}`);
      }
      assert.deepEqual(problems, []);
    });
  }
});
