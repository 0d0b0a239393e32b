import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Browser, Page, HTTPRequest } from 'puppeteer-core';
import { corsHeaders } from '../cors.js';

/** Debian's Chromium; the alloy browser tests skip when it is absent. */
export const CHROMIUM_PATH = process.env.KITH_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH);

export interface EdgeCall {
  method: string;
  /** Path after the host, e.g. `/ee/v1/interact`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
}

export interface EdgeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface AlloyPageOptions {
  orgId: string;
  datastreamId: string;
  /** Answers every request alloy sends to the fake edge domain (interception mode). */
  handle: (call: EdgeCall) => Promise<EdgeReply> | EdgeReply;
  edgeDomain?: string;
  executablePath?: string;
}

export interface AlloyPage {
  page: Page;
  pageOrigin: string;
  /** `alloy("sendEvent", options)` in the page; resolves with alloy's result. */
  sendEvent(options: Record<string, unknown>): Promise<unknown>;
  getIdentity(): Promise<unknown>;
  setConsent(options: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

/** node_modules/@adobe/alloy/dist/alloy.js (the package's exports hide package.json, so resolve from the repo root). */
export const ALLOY_JS = join(dirname(fileURLToPath(import.meta.url)), '../../../../node_modules/@adobe/alloy/dist/alloy.js');

function pageHtml(o: { orgId: string; datastreamId: string; edgeDomain: string }): string {
  return `<!doctype html><html><head><title>home</title>
<script>!function(n,o){o.forEach(function(o){n[o]||((n.__alloyNS=n.__alloyNS||[]).push(o),n[o]=function(){var u=arguments;return new Promise(function(i,l){n[o].q.push([i,l,u])})},n[o].q=[])})}(window,["alloy"]);</script>
<script src="/alloy.js" async></script>
<script>alloy("configure", ${JSON.stringify({ datastreamId: o.datastreamId, orgId: o.orgId, edgeDomain: o.edgeDomain, thirdPartyCookiesEnabled: false, clickCollectionEnabled: false })});</script>
</head><body>kith alloy test page</body></html>`;
}

/**
 * Serves a page with the real `@adobe/alloy` bundle on 127.0.0.1:0 and drives it with puppeteer-core + Debian Chromium.
 * Requests to `https://<edgeDomain>/…` are intercepted and answered by `handle` (with CORS headers for the page origin),
 * so the test exercises the same parse/map/respond functions the HTTP layer uses.
 */
export async function openAlloyPage(o: AlloyPageOptions): Promise<AlloyPage> {
  const edgeDomain = o.edgeDomain ?? 'edge.cdp.test';
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/alloy.js')) {
      res.writeHead(200, { 'content-type': 'application/javascript' });
      return res.end(readFileSync(ALLOY_JS));
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(pageHtml({ orgId: o.orgId, datastreamId: o.datastreamId, edgeDomain }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const pageOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { default: puppeteer } = await import('puppeteer-core');
  const browser: Browser = await puppeteer.launch({ executablePath: o.executablePath ?? CHROMIUM_PATH, headless: true, args: ['--no-sandbox'] });
  const page = await browser.newPage();
  await page.setRequestInterception(true);
  page.on('request', (req: HTTPRequest) => {
    const url = new URL(req.url());
    if (url.hostname !== edgeDomain) return void req.continue();
    const cors = corsHeaders(req.headers().origin ?? pageOrigin);
    if (req.method() === 'OPTIONS') return void req.respond({ status: 204, headers: { ...cors, 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'content-type' } });
    void (async () => {
      const reply = await o.handle({ method: req.method(), path: url.pathname, query: url.searchParams, headers: req.headers(), body: req.postData() ?? '' });
      await req.respond({
        status: reply.status,
        headers: { ...cors, ...(reply.headers ?? {}) },
        contentType: 'application/json',
        body: reply.body === undefined ? '' : JSON.stringify(reply.body),
      });
    })();
  });
  await page.goto(`${pageOrigin}/page.html`);
  const call = (cmd: string, options?: Record<string, unknown>) =>
    page.evaluate((c: string, opt: unknown) => (globalThis as unknown as { alloy: (c: string, o?: unknown) => Promise<unknown> }).alloy(c, opt), cmd, options ?? {});
  return {
    page,
    pageOrigin,
    sendEvent: (options) => call('sendEvent', options),
    getIdentity: () => call('getIdentity', { namespaces: ['ECID'] }),
    setConsent: (options) => call('setConsent', options),
    async close() {
      await browser.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
