import { resolve } from 'node:path';

/** Runtime configuration: environment variables, overridden by matching CLI flags. */
export interface KithConfig {
  port: number;
  host: string;
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
}

/** Flag name -> env var name, value parser. */
const OPTIONS: Record<string, { env: string; key: keyof KithConfig; kind: 'int' | 'string'; help: string }> = {
  port: { env: 'KITH_PORT', key: 'port', kind: 'int', help: 'HTTP port (default 8080)' },
  host: { env: 'KITH_HOST', key: 'host', kind: 'string', help: 'bind address (default 127.0.0.1)' },
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
};

export const DEFAULTS: KithConfig = {
  port: 8080,
  host: '127.0.0.1',
  dataDir: './data',
  tenantId: 'kith',
  collectionBodyLimit: 1024 * 1024,
  apiBodyLimit: 256 * 1024 * 1024,
  logLevel: 'info',
  ingestLogRetentionMinutes: 60,
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
  return { ok: true, config: cfg, rest };
}

export function baseUrlOf(cfg: KithConfig, boundPort?: number): string {
  if (cfg.baseUrl) return cfg.baseUrl.replace(/\/$/, '');
  const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${boundPort ?? cfg.port}`;
}
