import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import client, { AggregatorRegistry } from 'prom-client';
import { threadMetrics } from './thread-metrics.js';
import { responses } from '../http/schemas.js';

/** How long a scrape waits for the other threads' metrics (then it answers with the API thread's alone). */
const OTHER_THREADS_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error('timeout')), ms)))]).finally(() => clearTimeout(t));
}

export interface ApiMetricsDeps {
  dataDir: string;
  /** The ingest log's head and a consumer's committed offset. */
  log: { head(): Promise<number>; committed(consumer: string): Promise<number>; read(after: number, max: number): Promise<Array<{ receivedAt: number }>> };
  consumers: readonly string[];
  /** The highest offset the processor has fully processed (undefined while it is not running). */
  position(): number | undefined;
  /** Metrics of the other threads, one promise per source (each a list of getMetricsAsJSON arrays); none when the pipeline runs on this thread. */
  otherThreads?: () => Array<Promise<unknown[]>>;
  now(): number;
}

/** SQLite WAL files (`*.db-wal`) and DuckDB's (`*.wal`) in the data directory, by file name. */
function walSizes(dataDir: string): Array<[string, number]> {
  try {
    return readdirSync(dataDir)
      .filter((f) => f.endsWith('-wal') || f.endsWith('.wal'))
      .map((f): [string, number] => {
        try {
          return [f, statSync(join(dataDir, f)).size];
        } catch {
          return [f, 0];
        }
      });
  } catch {
    return [];
  }
}

/**
 * `GET /metrics` in the Prometheus text format (prom-client): this thread's metrics (HTTP, acknowledgements, log
 * backlog, processor lag, WAL sizes, its CPU) and the other threads', gathered through typed RPC as JSON and merged
 * with prom-client's AggregatorRegistry (per-thread metrics carry a `thread` label, counters of one kind are summed).
 * Call before the routes are registered: the latency hook covers every route.
 */
export function registerMetrics(app: FastifyInstance, deps: ApiMetricsDeps): { acknowledged(kind: string, n: number): void } {
  const api = threadMetrics('api');
  // this server's own metrics: a registry per server (tests run several in one process)
  const registers = [new client.Registry()];
  const ingestAcknowledged = new client.Counter({
    name: 'kith_ingest_acknowledged_total',
    help: 'Messages acknowledged to senders (durably appended to the ingest log), by kind (xdm, raw, batch rows)',
    labelNames: ['kind'] as const,
    registers,
  });
  const httpRequests = new client.Counter({
    name: 'kith_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new client.Histogram({
    name: 'kith_http_request_duration_seconds',
    help: 'HTTP request latency (receipt to response sent), by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  // the process as a whole (RSS, open files, GC, event-loop lag of this thread): once, here
  if (!client.register.getSingleMetric('process_cpu_seconds_total')) client.collectDefaultMetrics();
  new client.Gauge({
    name: 'kith_ingest_log_backlog_entries',
    registers,
    help: 'Ingest-log entries appended and not yet committed by each processor consumer (lake, downstream)',
    labelNames: ['consumer'] as const,
    async collect() {
      const head = await deps.log.head();
      for (const c of deps.consumers) this.set({ consumer: c }, Math.max(0, head - (await deps.log.committed(c))));
    },
  });
  new client.Gauge({
    name: 'kith_processor_lag_entries',
    registers,
    help: 'Ingest-log entries the processor has not fully processed (lake and downstream)',
    async collect() {
      const pos = deps.position();
      if (pos !== undefined) this.set(Math.max(0, (await deps.log.head()) - pos));
    },
  });
  new client.Gauge({
    name: 'kith_processor_lag_seconds',
    registers,
    help: 'Age of the oldest acknowledged entry the processor has not fully processed (0 when caught up)',
    async collect() {
      const head = await deps.log.head();
      const pos = deps.position();
      if (pos === undefined) return;
      const next = pos < head ? (await deps.log.read(pos, 1))[0] : undefined;
      this.set(next ? Math.max(0, (deps.now() - next.receivedAt) / 1000) : 0);
    },
  });
  new client.Gauge({
    name: 'kith_wal_bytes',
    registers,
    help: 'Size of each write-ahead log file in the data directory (SQLite *.db-wal, the lake\'s DuckDB *.wal)',
    labelNames: ['file'] as const,
    collect() {
      this.reset();
      for (const [f, n] of walSizes(deps.dataDir)) this.set({ file: f }, n);
    },
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      config: { auth: 'none' },
      schema: { tags: ['Operations'], summary: 'Prometheus metrics (text format 0.0.4); see the README for each metric', response: responses({ 200: { type: 'string', description: 'Prometheus text exposition format' } }) },
    },
    async (_req, reply) => {
      // a thread being replaced answers once it is back: the scrape does not wait for it, and the others still count
      const others = (await Promise.all((deps.otherThreads?.() ?? []).map((p) => withTimeout(p, OTHER_THREADS_TIMEOUT_MS).catch(() => [])))).flat();
      const merged = AggregatorRegistry.aggregate([await registers[0]!.getMetricsAsJSON(), await api.json(), ...others] as object[]);
      return reply.type(client.register.contentType).send(await merged.metrics());
    },
  );
  return { acknowledged: (kind, n) => ingestAcknowledged.inc({ kind }, n) };
}
