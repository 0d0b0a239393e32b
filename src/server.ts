import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { baseUrlOf, type KithConfig } from './config/config.js';
import { openSqlite, type SqliteDb } from './store/sqlite/open.js';
import { SqliteResourceStore } from './store/sqlite/sqlite-resource-store.js';
import type { ResourceStore } from './store/resource-store.js';
import { CredentialService } from './auth/credentials.js';
import { SandboxService } from './sandbox/sandbox-service.js';
import { systemClock, type Clock } from './shared/clock.js';
import { buildApp } from './http/app.js';
import { registerSandboxRoutes } from './sandbox/routes.js';
import { registerAuthRoutes } from './auth/routes.js';

export interface LocalCredentials {
  baseUrl: string;
  orgId: string;
  sandbox: string;
  apiKey: string;
  clientSecret?: string;
  accessToken: string;
  tenantId: string;
}

/** The composition root: every service of a running Kith, wired once. */
export interface Kith {
  config: KithConfig;
  app: FastifyInstance;
  clock: Clock;
  resources: ResourceStore;
  credentials: CredentialService;
  sandboxes: SandboxService;
  local: LocalCredentials;
  baseUrl: string;
  /** Flushes and closes every store; idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  listen?: boolean;
  clock?: Clock;
  /** Tests register extra routes here (before the server starts listening). */
  extraRoutes?: (app: FastifyInstance, kith: Omit<Kith, 'local' | 'baseUrl'>) => void | Promise<void>;
}

const BOOTSTRAP_TOKEN_TTL_MS = 365 * 24 * 60 * 60 * 1000;

function generateOrgId(): string {
  return `${randomBytes(12).toString('hex').toUpperCase()}@AdobeOrg`;
}

/** First start: default org, `prod` sandbox, a local API credential and token, written to credentials.json. */
async function bootstrap(cfg: KithConfig, creds: CredentialService, sandboxes: SandboxService, baseUrl: string): Promise<LocalCredentials> {
  const file = join(cfg.dataDir, 'credentials.json');
  let saved: LocalCredentials | undefined;
  if (existsSync(file)) {
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as LocalCredentials;
    } catch {
      saved = undefined;
    }
  }
  const orgs = await creds.listOrgs();
  const orgId = cfg.orgId ?? saved?.orgId ?? orgs[0]?.orgId ?? generateOrgId();
  let org = await creds.getOrg(orgId);
  if (!org) org = await creds.createOrg(orgId, cfg.tenantId);
  if (!(await sandboxes.resolve(orgId, 'prod'))) {
    const r = await sandboxes.create(orgId, { name: 'prod', title: 'Production', type: 'production' }, 'kith', { isDefault: true });
    if (!r.ok) throw new Error(`cannot create prod sandbox: ${JSON.stringify(r.error.body)}`);
  }
  if (saved && saved.orgId === orgId && (await creds.verifyToken(saved.accessToken)) && (await creds.credentialByApiKey(saved.apiKey))) {
    const local = { ...saved, baseUrl, tenantId: org.tenantId };
    writeFileSync(file, JSON.stringify(local, null, 2) + '\n', { mode: 0o600 });
    return local;
  }
  const issued = await creds.createCredential(orgId, 'local');
  const accessToken = await creds.issueToken(issued.credential, BOOTSTRAP_TOKEN_TTL_MS);
  const local: LocalCredentials = {
    baseUrl,
    orgId,
    sandbox: 'prod',
    apiKey: issued.apiKey,
    clientSecret: issued.clientSecret,
    accessToken,
    tenantId: org.tenantId,
  };
  mkdirSync(cfg.dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(local, null, 2) + '\n', { mode: 0o600 });
  return local;
}

/** Opens the stores, wires the services and routes, and (by default) listens. */
export async function startKith(cfg: KithConfig, opts: StartOptions = {}): Promise<Kith> {
  const clock = opts.clock ?? systemClock;
  const dbs: SqliteDb[] = [];
  const controlDb = openSqlite(cfg.dataDir, 'control');
  dbs.push(controlDb);
  const resources = new SqliteResourceStore(controlDb);
  const credentials = new CredentialService(resources, clock);
  const sandboxes = new SandboxService(resources, clock);

  const app = await buildApp({ logLevel: cfg.logLevel, apiBodyLimit: cfg.apiBodyLimit, credentials, sandboxes });
  let ready = false;
  app.get('/health', { config: { auth: 'none' }, schema: { tags: ['Operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get('/ready', { config: { auth: 'none' }, schema: { tags: ['Operations'], summary: 'Readiness: stores open and processors running' } }, async (_req, reply) =>
    ready ? { status: 'ready' } : reply.code(503).send({ status: 'starting' }),
  );
  registerAuthRoutes(app, credentials);
  registerSandboxRoutes(app, sandboxes);
  if (opts.extraRoutes) await opts.extraRoutes(app, { config: cfg, app, clock, resources, credentials, sandboxes, close: async () => {} });

  if (opts.listen !== false) await app.listen({ port: cfg.port, host: cfg.host });
  else await app.ready();
  const addr = app.server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : cfg.port;
  const baseUrl = baseUrlOf(cfg, boundPort);
  const local = await bootstrap(cfg, credentials, sandboxes, baseUrl);

  let closed = false;
  const kith: Kith = {
    config: cfg,
    app,
    clock,
    resources,
    credentials,
    sandboxes,
    local,
    baseUrl,
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      await app.close();
      await resources.close();
      for (const db of dbs) db.close();
    },
  };
  ready = true;
  return kith;
}
