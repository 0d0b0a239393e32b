import { resolve } from 'node:path';

/** Runtime configuration: environment variables, overridden by matching CLI flags. */
export interface KithConfig {
  port: number;
  host: string;
  /** PostgreSQL wire port of the Query Service (bound to `host`, TLS with the HTTP certificate; 0: any free port). */
  queryPort: number;
  dataDir: string;
  /** Org created on first start (format XXXX@AdobeOrg); generated when unset. */
  orgId?: string;
  /** Schema tenant id reported by /stats (tenant namespace is `_${tenantId}`). */
  tenantId: string;
  /** Public base URL used in inletUrl and credentials.json; derived from host/port when unset. */
  baseUrl?: string;
  /** Body limit on collection endpoints (bytes). */
  collectionBodyLimit: number;
  /** Body limit on other APIs (bytes), e.g. batch file uploads. */
  apiBodyLimit: number;
  logLevel: string;
  /** Minutes an ingest-log entry is kept once every consumer has committed it (0: deleted as soon as consumed). */
  ingestLogRetentionMinutes: number;
  /** Time a client has to send the request line and headers (ms); 408 after it. */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request body on every route but file uploads (ms); 408 after it. */
  bodyTimeoutMs: number;
  /** Time a client has to send a batch file upload (ms), and the hard cap on any request. */
  uploadTimeoutMs: number;
  /** A request body that makes no progress for this long is dropped and its connection closed (ms; 0: never). */
  idleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long (ms). */
  keepAliveTimeoutMs: number;
  /** Streaming ingestion answers 429 once the processor is this many ingest-log entries behind. */
  maxBacklog: number;
  /** Ingesting routes answer 503 once the data directory's file system has less free space than this (MiB; 0: off). */
  minFreeDiskMb: number;
  /** PEM certificate and key files: with both, the server listens with HTTPS. */
  tlsCert?: string;
  tlsKey?: string;
  /** postgres:// or postgresql:// URL: all state on PostgreSQL (the lake stays in dataDir); unset: SQLite files in dataDir. */
  databaseUrl?: string;
  /** Connections per thread's pool when databaseUrl is set. */
  databasePoolMax: number;
  /** Schema of Kith's tables on PostgreSQL (created when missing); unset: the connection's search_path (public). */
  databaseSchema?: string;
  /** smtp:// or smtps:// URL of the server journeys' email actions send through (nodemailer URL options pass through); unset: email actions fail `noSmtp`. */
  smtpUrl?: string;
}

/** Flag name -> env var name, value parser. */
const OPTIONS: Record<string, { env: string; key: keyof KithConfig; kind: 'int' | 'string'; help: string }> = {
  port: { env: 'KITH_PORT', key: 'port', kind: 'int', help: 'HTTP port (default 8080)' },
  host: { env: 'KITH_HOST', key: 'host', kind: 'string', help: 'bind address (default 127.0.0.1)' },
  'query-port': { env: 'KITH_QUERY_PORT', key: 'queryPort', kind: 'int', help: 'Query Service port, PostgreSQL wire protocol (default 5433)' },
  'data-dir': { env: 'KITH_DATA_DIR', key: 'dataDir', kind: 'string', help: 'data directory (default ./data)' },
  'org-id': { env: 'KITH_ORG_ID', key: 'orgId', kind: 'string', help: 'IMS org id of the default org' },
  'tenant-id': { env: 'KITH_TENANT_ID', key: 'tenantId', kind: 'string', help: 'schema tenant id (default kith)' },
  'base-url': { env: 'KITH_BASE_URL', key: 'baseUrl', kind: 'string', help: 'public base URL (default http://host:port)' },
  'collection-body-limit': {
    env: 'KITH_COLLECTION_BODY_LIMIT',
    key: 'collectionBodyLimit',
    kind: 'int',
    help: 'max request body on /collection endpoints in bytes (default 1048576)',
  },
  'api-body-limit': { env: 'KITH_API_BODY_LIMIT', key: 'apiBodyLimit', kind: 'int', help: 'max body elsewhere (default 268435456)' },
  'log-level': { env: 'KITH_LOG_LEVEL', key: 'logLevel', kind: 'string', help: 'pino log level (default info)' },
  'ingest-log-retention-minutes': {
    env: 'KITH_INGEST_LOG_RETENTION_MINUTES',
    key: 'ingestLogRetentionMinutes',
    kind: 'int',
    help: 'minutes a consumed ingest-log entry is kept (default 60; 0: deleted once consumed)',
  },
  'headers-timeout-ms': { env: 'KITH_HEADERS_TIMEOUT_MS', key: 'headersTimeoutMs', kind: 'int', help: 'time to send request headers, ms (default 10000)' },
  'body-timeout-ms': { env: 'KITH_BODY_TIMEOUT_MS', key: 'bodyTimeoutMs', kind: 'int', help: 'time to send a request body, ms, file uploads excepted (default 30000)' },
  'upload-timeout-ms': { env: 'KITH_UPLOAD_TIMEOUT_MS', key: 'uploadTimeoutMs', kind: 'int', help: 'time to send a batch file upload, ms; cap on any request (default 3600000)' },
  'idle-timeout-ms': { env: 'KITH_IDLE_TIMEOUT_MS', key: 'idleTimeoutMs', kind: 'int', help: 'drop a request body that makes no progress this long, ms (default 60000; 0: never)' },
  'keep-alive-timeout-ms': { env: 'KITH_KEEP_ALIVE_TIMEOUT_MS', key: 'keepAliveTimeoutMs', kind: 'int', help: 'close an idle keep-alive connection after, ms (default 72000)' },
  'max-backlog': { env: 'KITH_MAX_BACKLOG', key: 'maxBacklog', kind: 'int', help: 'ingest-log entries behind the processor before /collection answers 429 (default 500000)' },
  'min-free-disk-mb': { env: 'KITH_MIN_FREE_DISK_MB', key: 'minFreeDiskMb', kind: 'int', help: 'free MiB on the data dir below which ingestion answers 503 (default 1024; 0: off)' },
  'tls-cert': { env: 'KITH_TLS_CERT', key: 'tlsCert', kind: 'string', help: 'PEM certificate file: listen with HTTPS (with --tls-key)' },
  'tls-key': { env: 'KITH_TLS_KEY', key: 'tlsKey', kind: 'string', help: 'PEM private key file for --tls-cert' },
  'database-url': { env: 'KITH_DATABASE_URL', key: 'databaseUrl', kind: 'string', help: 'postgres://… URL: all state on PostgreSQL (default: SQLite files in the data dir)' },
  'database-pool-max': { env: 'KITH_DATABASE_POOL_MAX', key: 'databasePoolMax', kind: 'int', help: 'PostgreSQL connections per thread (default 10)' },
  'database-schema': { env: 'KITH_DATABASE_SCHEMA', key: 'databaseSchema', kind: 'string', help: "PostgreSQL schema of Kith's tables (default: the search_path, public)" },
  'smtp-url': { env: 'KITH_SMTP_URL', key: 'smtpUrl', kind: 'string', help: 'smtp://host:port/?ignoreTLS=true …: where journey email actions are sent (default: none)' },
};

export const DEFAULTS: KithConfig = {
  port: 8080,
  host: '127.0.0.1',
  queryPort: 5433,
  dataDir: './data',
  tenantId: 'kith',
  collectionBodyLimit: 1024 * 1024,
  apiBodyLimit: 256 * 1024 * 1024,
  logLevel: 'info',
  ingestLogRetentionMinutes: 60,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  uploadTimeoutMs: 3_600_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000, // Fastify's default: longer than common load balancers' idle timeouts (60 s), so they close first
  // ~13 s of a 39k msg/s flood (~0.7 GB of log): reachable before the disk fills, far above a healthy processor's lag
  maxBacklog: 500_000,
  minFreeDiskMb: 1024,
  databasePoolMax: 10,
};

export function configHelp(): string {
  return Object.entries(OPTIONS)
    .map(([flag, o]) => `  --${flag.padEnd(24)} ${o.env.padEnd(28)} ${o.help}`)
    .join('\n');
}

export type ConfigResult = { ok: true; config: KithConfig; rest: string[] } | { ok: false; error: string };

/** Reads env, then flags (`--port 9000` or `--port=9000`). Unknown flags are returned in `rest`. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const cfg: KithConfig = { ...DEFAULTS };
  const set = (o: (typeof OPTIONS)[string], raw: string): string | undefined => {
    if (o.kind === 'int') {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) return `${o.env}/--${o.key}: expected a non-negative integer, got "${raw}"`;
      (cfg as unknown as Record<string, unknown>)[o.key] = n;
    } else (cfg as unknown as Record<string, unknown>)[o.key] = raw;
    return undefined;
  };
  for (const o of Object.values(OPTIONS)) {
    const v = env[o.env];
    if (v !== undefined && v !== '') {
      const e = set(o, v);
      if (e) return { ok: false, error: e };
    }
  }
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    const o = m ? OPTIONS[m[1]!] : undefined;
    if (!m || !o) {
      rest.push(a);
      continue;
    }
    const raw = m[2] ?? argv[++i];
    if (raw === undefined) return { ok: false, error: `--${m[1]} needs a value` };
    const e = set(o, raw);
    if (e) return { ok: false, error: e };
  }
  cfg.dataDir = resolve(cfg.dataDir);
  if ((cfg.tlsCert === undefined) !== (cfg.tlsKey === undefined)) return { ok: false, error: 'KITH_TLS_CERT/--tls-cert and KITH_TLS_KEY/--tls-key go together' };
  if (cfg.headersTimeoutMs === 0 || cfg.bodyTimeoutMs === 0 || cfg.uploadTimeoutMs === 0)
    return { ok: false, error: 'the headers, body and upload timeouts must be positive' };
  if (cfg.headersTimeoutMs > cfg.uploadTimeoutMs || cfg.bodyTimeoutMs > cfg.uploadTimeoutMs)
    return { ok: false, error: 'KITH_UPLOAD_TIMEOUT_MS caps every request: it must be at least the headers and body timeouts' };
  if (cfg.databaseUrl !== undefined && !isPostgresUrl(cfg.databaseUrl))
    return { ok: false, error: `KITH_DATABASE_URL/--database-url: expected a postgres:// or postgresql:// URL, got "${redactUrl(cfg.databaseUrl)}"` };
  if (cfg.databasePoolMax < 1) return { ok: false, error: 'KITH_DATABASE_POOL_MAX/--database-pool-max: at least 1 connection' };
  if (cfg.databaseSchema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(cfg.databaseSchema))
    return { ok: false, error: `KITH_DATABASE_SCHEMA/--database-schema: expected a lower-case SQL identifier, got "${cfg.databaseSchema}"` };
  if (cfg.databaseUrl === undefined && cfg.databaseSchema !== undefined) return { ok: false, error: 'KITH_DATABASE_SCHEMA/--database-schema needs KITH_DATABASE_URL/--database-url' };
  return { ok: true, config: cfg, rest };
}

function isPostgresUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && (u.hostname !== '' || u.searchParams.has('host'));
  } catch {
    return false;
  }
}

/** The URL as it may be logged: its password replaced (also when the URL does not parse). */
export function redactUrl(s: string): string {
  try {
    const u = new URL(s);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return s.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

export function baseUrlOf(cfg: KithConfig, boundPort?: number): string {
  if (cfg.baseUrl) return cfg.baseUrl.replace(/\/$/, '');
  const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
  return `${cfg.tlsCert ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${boundPort ?? cfg.port}`;
}
