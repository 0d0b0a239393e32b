import type { FastifyInstance } from 'fastify';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The console's built assets (`npm run build` → dist/console-app, by Vite from console/). Resolved from this file, so
 * it is the same folder whether Kith runs from src/ (tsx) or from dist/.
 */
export const DEFAULT_CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../dist/console-app');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Everything the page loads comes from Kith itself: no CDN, no inline script. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface Asset {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) filesUnder(p, out);
    else out.push(p);
  }
  return out;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kith console</title></head>
<body><main><h1>Kith console</h1><p>The console is not built. Run <code>npm run build</code> (or <code>npm ci</code>) and restart Kith.
The API is at <a href="/docs">/docs</a>.</p></main></body></html>`;

/**
 * Serves the console at `/` (index.html) and its hashed assets under `/assets/`, from memory (read once at start,
 * gzipped when the client accepts it). Public routes: the page signs in through the API like any client.
 */
export function registerConsoleAssets(app: FastifyInstance, dir: string = DEFAULT_CONSOLE_DIR): void {
  const assets = new Map<string, Asset>();
  if (existsSync(join(dir, 'index.html'))) {
    for (const file of filesUnder(dir)) {
      const url = '/' + relative(dir, file).split(sep).join('/');
      const body = readFileSync(file);
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      const compressible = /text|javascript|json|svg/.test(type) && body.length > 1024;
      assets.set(url, {
        body,
        gzip: compressible ? gzipSync(body) : undefined,
        type,
        etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`,
        immutable: url.startsWith('/assets/'),
      });
    }
  } else {
    const body = Buffer.from(NOT_BUILT);
    assets.set('/index.html', { body, type: TYPES['.html']!, etag: '"not-built"', immutable: false });
  }
  const index = assets.get('/index.html')!;
  const routes: Array<[string, Asset]> = [['/', index], ...[...assets].filter(([u]) => u !== '/index.html')];
  for (const [url, a] of routes) {
    app.get(url, { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
      reply.header('content-type', a.type).header('etag', a.etag).header('x-content-type-options', 'nosniff');
      reply.header('cache-control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (a === index) reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
      if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
      if (a.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').send(a.gzip);
      return reply.send(a.body);
    });
  }
}
