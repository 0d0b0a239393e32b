import { statfsSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

/** Bytes an unprivileged process may still write on the file system holding `dir`. */
export type FreeSpace = (dir: string) => number;

export const statfsFreeBytes: FreeSpace = (dir) => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

/** Seconds a client is told to wait when ingestion is refused for lack of disk. */
export const DISK_RETRY_AFTER_S = 30;

/**
 * Refuses ingestion before the data directory's disk fills: `low()` is true once free space drops under the
 * threshold. statfs is read at most once per `ttlMs` (a flood calls this on every request).
 */
export class DiskGuard {
  private checkedAt = -Infinity;
  private isLow = false;

  constructor(
    private readonly dir: string,
    private readonly minFreeBytes: number,
    private readonly free: FreeSpace = statfsFreeBytes,
    private readonly now: () => number = () => performance.now(),
    private readonly ttlMs = 1000,
  ) {}

  low(): boolean {
    if (this.minFreeBytes <= 0) return false;
    const t = this.now();
    if (t - this.checkedAt < this.ttlMs) return this.isLow;
    this.checkedAt = t;
    try {
      this.isLow = this.free(this.dir) < this.minFreeBytes;
    } catch {
      this.isLow = false; // an unreadable statfs must not stop ingestion; the write itself will fail if the disk is full
    }
    return this.isLow;
  }
}

/** The routes that write what clients send to disk (ingest log, staged batch files). */
const INGEST_ROUTES: RegExp[] = [
  /^\/collection\//,
  /^\/data\/foundation\/import\/batches\/:batchId(\/datasets\/:datasetId\/files\/:fileName)?$/,
  /^\/data\/foundation\/kith\/failed-records\/replay$/,
  /^\/data\/foundation\/kith\/sources\/shopify\/:connectionId\/reconcile$/,
  /^\/sources\/shopify\/:connectionId\/webhooks$/,
  /^\/v1\//,
  /^\/ee\//,
];
const WRITES = new Set(['POST', 'PUT', 'PATCH']);

export function isIngestRoute(method: string | string[], url: string): boolean {
  const methods = Array.isArray(method) ? method : [method];
  return methods.some((m) => WRITES.has(m.toUpperCase())) && INGEST_ROUTES.some((re) => re.test(url));
}

function refuse(reply: FastifyReply): FastifyReply {
  const message = 'The server is low on disk space; retry after the indicated delay';
  // in the shape the route's clients read (Segment's libraries; AEP's problem body everywhere else)
  const body =
    reply.request.routeOptions.config?.errorFormat === 'segment'
      ? { success: false, code: 'unavailable', message }
      : { type: 'http://ns.adobe.com/aep/errors/insufficient-storage', status: 503, title: 'Service Unavailable', detail: message, report: { message } };
  return reply.code(503).header('retry-after', String(DISK_RETRY_AFTER_S)).send(body);
}

/**
 * Adds the guard to every ingesting route registered after this call (an onRoute hook: call it before the routes).
 * It runs before the body is read, so a refused upload costs no disk and no memory.
 */
export function installDiskGuard(app: FastifyInstance, guard: DiskGuard): void {
  const check: onRequestAsyncHookHandler = async (_req: FastifyRequest, reply: FastifyReply) => {
    if (guard.low()) return refuse(reply);
  };
  app.addHook('onRoute', (route) => {
    if (!isIngestRoute(route.method, route.url ?? route.path)) return;
    const own = route.onRequest;
    route.onRequest = own === undefined ? [check] : [...(Array.isArray(own) ? own : [own]), check];
  });
}
