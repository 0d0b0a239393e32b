/**
 * The three statements through the Query Service's PostgreSQL wire endpoint, as AEP users connect: user = IMS org id,
 * password = the access token, dbname `prod:all`. Clients: the `pg` npm client (simple query protocol, rows as arrays,
 * every value read; (c) streamed row by row with `pg.Query` 'row' events, nothing accumulated) and Debian's `psql` (C
 * libpq; its output to /dev/null) for (c).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import pg from 'pg';
import { timed, type Timing } from './baseline.js';
import type { BenchQueries } from './queries.js';

export class QueryEndpointUnavailable extends Error {}

export interface WireTarget {
  port: number;
  orgId: string;
  accessToken: string;
}

/** A connected `pg` client, or QueryEndpointUnavailable (nothing listening, or the handshake fails). */
export async function connectWire(t: WireTarget, timeoutMs = 60_000): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: t.port, user: t.orgId, password: t.accessToken, database: 'prod:all', ssl: false, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new QueryEndpointUnavailable(`query endpoint not available on 127.0.0.1:${t.port} (KITH_QUERY_PORT): ${(e as Error).message}`);
  }
  client.on('error', () => undefined); // a dropped connection fails the running query; the bench reports that
  return client;
}

async function readAll(client: pg.Client, sql: string): Promise<number> {
  const r = await client.query({ text: sql, rowMode: 'array' });
  let touched = 0;
  for (const row of r.rows as unknown[][]) for (const v of row) if (v !== undefined) touched++;
  return touched === 0 ? 0 : r.rows.length;
}

/** Rows as they arrive (the client never holds the whole result). */
function streamAll(client: pg.Client, sql: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    let touched = 0;
    // rowMode is honoured by pg.Query; its typings only list it on client.query's config
    const q = client.query(new pg.Query({ text: sql, rowMode: 'array' } as pg.QueryConfig));
    q.on('row', (row: unknown[]) => {
      rows++;
      for (const v of row) if (v !== undefined) touched++;
    });
    q.on('error', reject);
    q.on('end', () => resolve(touched === 0 ? 0 : rows));
  });
}

/** `psql -c sql` with the output to /dev/null; resolves with the wall time (ms) of the whole process. */
function psqlOnce(t: WireTarget, sql: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('psql', [`host=127.0.0.1 port=${t.port} user=${t.orgId} dbname=prod:all sslmode=disable`, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PGPASSWORD: t.accessToken },
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`psql exited ${code}: ${err.slice(0, 500)}`))));
  });
}

export interface WireResult {
  client: string;
  /** The first statement on each table (the server may build its typed tables then), seconds. */
  firstQuerySeconds: number;
  eventRows: number;
  perTypePerDay: Timing;
  purchasesByTier: Timing;
  stream: { pg: Timing; psql: { ms: number; runsMs: number[]; connectMs: number; note: string } };
}

export async function runWire(t: WireTarget, q: BenchQueries, tables: { events: string; profiles: string }, runs: number): Promise<WireResult> {
  const client = await connectWire(t);
  try {
    const t0 = performance.now();
    const eventRows = Number((await client.query(`SELECT count(*) AS n FROM ${tables.events}`)).rows[0].n);
    await client.query(`SELECT count(*) FROM ${tables.profiles}`);
    const firstQuerySeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
    const perTypePerDay = await timed(runs, () => readAll(client, q.perTypePerDay));
    const purchasesByTier = await timed(runs, () => readAll(client, q.purchasesByTier));
    const pgStream = await timed(runs, () => streamAll(client, q.stream));
    // psql: a process per run; its connection setup (measured with SELECT 1) is part of its figure, reported apart
    const connect = await timed(runs, async () => (await psqlOnce(t, 'SELECT 1'), 1));
    const psql = await timed(runs, async () => (await psqlOnce(t, q.stream), 0));
    return {
      client: `pg ${pgVersion()} (simple query protocol, rowMode array)`,
      firstQuerySeconds,
      eventRows,
      perTypePerDay,
      purchasesByTier,
      stream: { pg: pgStream, psql: { ms: psql.ms, runsMs: psql.runsMs, connectMs: connect.ms, note: 'whole psql process (start, connect, result to /dev/null); connectMs: the same for SELECT 1' } },
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `sql` back to back on a connection of its own (connected before this resolves) until `stop()`. */
export async function startQueryLoop(t: WireTarget, sql: string): Promise<{ connectMs: number; stop(): Promise<{ runs: number; medianMs: number | null; errors: string[] }> }> {
  const c0 = performance.now();
  const client = await connectWire(t);
  const connectMs = Number((performance.now() - c0).toFixed(1));
  let stopping = false;
  const times: number[] = [];
  const errors: string[] = [];
  const done = (async () => {
    try {
      while (!stopping) {
        const t0 = performance.now();
        try {
          await readAll(client, sql);
          times.push(performance.now() - t0);
        } catch (e) {
          errors.push((e as Error).message);
          if (errors.length > 5) break;
        }
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return {
    connectMs,
    stop: async () => {
      stopping = true;
      await done;
      const s = [...times].sort((a, b) => a - b);
      return { runs: s.length, medianMs: s.length ? Number(s[Math.floor(s.length / 2)]!.toFixed(1)) : null, errors };
    },
  };
}

function pgVersion(): string {
  return (createRequire(import.meta.url)('pg/package.json') as { version: string }).version;
}
