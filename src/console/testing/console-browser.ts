import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { CHROMIUM_PATH } from '../../sources/edge/testing/alloy-page.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const AXE_JS = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Builds the console (Vite, console/vite.config.ts) into a fresh temp folder, so a test serves what it tests. */
export async function buildConsole(outDir = mkdtempSync(join(tmpdir(), 'kith-console-'))): Promise<string> {
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'console/vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return outDir;
}

/** Debian's Chromium, headless, through puppeteer-core (the same binary and policy as the alloy tests). */
export async function launchChromium(): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** axe-core's violations on the page as it is now (WCAG 2 A/AA rules and best practices). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // page functions: this tsconfig has no DOM types, so the page's globals are reached through globalThis
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE_JS });
  return page.evaluate(async () => {
    const g = globalThis as any;
    const r = (await g.axe.run(g.document, { resultTypes: ['violations'] })) as { violations: AxeViolation[] };
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
}

/** The serious and critical ones, described for an assertion message. */
export const seriousOf = (vs: AxeViolation[]) => vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');

/** Signs in through the console's own form (API key and secret), and waits for the search page. */
export async function signIn(page: Page, baseUrl: string, apiKey: string, secret: string): Promise<void> {
  await page.goto(`${baseUrl}/`, { waitUntil: 'networkidle0' });
  await page.type('input[name=apiKey]', apiKey);
  await page.type('input[name=secret]', secret);
  await Promise.all([page.waitForSelector('form.search input[name=q]'), page.click('button[type=submit]')]);
}

/** Sets the session's sandbox (the header's picker) and waits for the search page to come back. */
export async function pickSandbox(page: Page, name: string): Promise<void> {
  await page.waitForFunction((n) => [...(globalThis as any).document.querySelectorAll('header .sandbox option')].some((o: { value: string }) => o.value === n), {}, name);
  await page.select('header .sandbox select', name);
  await page.waitForFunction((n) => (globalThis as any).document.querySelector('header .sandbox select')?.value === n, {}, name);
}
