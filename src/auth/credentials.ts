import { randomBytes } from 'node:crypto';
import { sha256Hex, uuid } from '../shared/ids.js';
import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';

/**
 * Orgs, API credentials (client id = x-api-key, client secret) and bearer tokens.
 * Secrets are stored only as SHA-256 hashes; a token or key is shown once, when created.
 */
export interface Org {
  orgId: string;
  tenantId: string;
  createdAt: number;
}

export interface Credential {
  id: string;
  orgId: string;
  name: string;
  /** sha256 of the API key (client id). */
  apiKeyHash: string;
  /** sha256 of the client secret. */
  secretHash: string;
  /** First characters of the key, for display. */
  apiKeyPrefix: string;
  revoked: boolean;
  createdAt: number;
}

export interface Token {
  orgId: string;
  credentialId: string;
  expiresAt: number;
  revoked: boolean;
  createdAt: number;
}

export interface IssuedCredential {
  credential: Credential;
  apiKey: string;
  clientSecret: string;
}

const GLOBAL = 'global';
const orgScope = (orgId: string) => `org:${orgId}`;
const secret = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * How long a verdict on a token stands before its token and credential are read again (ms): a revoke made by this
 * process counts at once, one made by another process (`kith admin … revoke`) within this (bench/auth/verify-token.ts).
 */
export const TOKEN_RECHECK_MS = 1000;

export class CredentialService {
  /** Tokens verified in the last `recheckMs`: token hash -> the token and until when the verdict stands. */
  private readonly verified = new Map<string, { token: Token; until: number }>();

  constructor(
    private readonly store: ResourceStore,
    private readonly clock: Clock,
    private readonly recheckMs: number = TOKEN_RECHECK_MS,
  ) {}

  async getOrg(orgId: string): Promise<Org | undefined> {
    return (await this.store.get<Org>('org', GLOBAL, orgId))?.doc;
  }

  async listOrgs(): Promise<Org[]> {
    return (await this.store.list<Org>('org', GLOBAL)).map((r) => r.doc);
  }

  async createOrg(orgId: string, tenantId: string): Promise<Org> {
    const org: Org = { orgId, tenantId, createdAt: this.clock.now() };
    await this.store.put('org', GLOBAL, orgId, org);
    return org;
  }

  async createCredential(orgId: string, name: string): Promise<IssuedCredential> {
    const apiKey = secret('kith_ak_');
    const clientSecret = secret('kith_cs_');
    const credential: Credential = {
      id: uuid(),
      orgId,
      name,
      apiKeyHash: sha256Hex(apiKey),
      secretHash: sha256Hex(clientSecret),
      apiKeyPrefix: apiKey.slice(0, 12),
      revoked: false,
      createdAt: this.clock.now(),
    };
    await this.store.put('credential', orgScope(orgId), credential.id, credential, { uniqueKey: credential.apiKeyHash });
    // global index so the gateway can find the org of an api key
    await this.store.put('apikey', GLOBAL, credential.apiKeyHash, { orgId, credentialId: credential.id });
    return { credential, apiKey, clientSecret };
  }

  async listCredentials(orgId: string): Promise<Credential[]> {
    return (await this.store.list<Credential>('credential', orgScope(orgId))).map((r) => r.doc);
  }

  async revokeCredential(orgId: string, id: string): Promise<boolean> {
    const cur = await this.store.get<Credential>('credential', orgScope(orgId), id);
    if (!cur) return false;
    await this.store.put('credential', orgScope(orgId), id, { ...cur.doc, revoked: true }, { uniqueKey: cur.doc.apiKeyHash });
    this.verified.clear();
    return true;
  }

  /** Finds the live credential of an API key. */
  async credentialByApiKey(apiKey: string): Promise<Credential | undefined> {
    const hash = sha256Hex(apiKey);
    const idx = await this.store.get<{ orgId: string; credentialId: string }>('apikey', GLOBAL, hash);
    if (!idx) return undefined;
    const c = await this.store.get<Credential>('credential', orgScope(idx.doc.orgId), idx.doc.credentialId);
    return c && !c.doc.revoked ? c.doc : undefined;
  }

  /** The org's live credential whose client secret this is (the Query Service takes a client secret as password). */
  async verifySecret(orgId: string, clientSecret: string): Promise<Credential | undefined> {
    const hash = sha256Hex(clientSecret);
    return (await this.listCredentials(orgId)).find((c) => !c.revoked && c.secretHash === hash);
  }

  /** client_credentials grant: checks client id and secret, issues a token. */
  async exchangeClientCredentials(
    clientId: string,
    clientSecret: string,
    ttlMs = TOKEN_TTL_MS,
  ): Promise<{ accessToken: string; expiresIn: number } | undefined> {
    const cred = await this.credentialByApiKey(clientId);
    if (!cred || cred.secretHash !== sha256Hex(clientSecret)) return undefined;
    return { accessToken: await this.issueToken(cred, ttlMs), expiresIn: Math.floor(ttlMs / 1000) };
  }

  async issueToken(cred: Credential, ttlMs = TOKEN_TTL_MS): Promise<string> {
    const token = secret('kith_at_');
    const now = this.clock.now();
    const doc: Token = { orgId: cred.orgId, credentialId: cred.id, expiresAt: now + ttlMs, revoked: false, createdAt: now };
    await this.store.put('token', GLOBAL, sha256Hex(token), doc);
    return token;
  }

  async revokeToken(token: string): Promise<boolean> {
    const id = sha256Hex(token);
    const cur = await this.store.get<Token>('token', GLOBAL, id);
    if (!cur) return false;
    await this.store.put('token', GLOBAL, id, { ...cur.doc, revoked: true });
    this.verified.delete(id);
    return true;
  }

  /**
   * Why a bearer token is not live (for the gateway's rejection log; only read on the refusal path): unknown,
   * expired, revoked, or its credential revoked; with the org and credential when the token is known.
   */
  async tokenProblem(token: string): Promise<{ problem: 'unknown' | 'expired' | 'revoked' | 'credentialRevoked'; orgId?: string; credentialId?: string }> {
    const t = (await this.store.get<Token>('token', GLOBAL, sha256Hex(token)))?.doc;
    if (!t) return { problem: 'unknown' };
    const who = { orgId: t.orgId, credentialId: t.credentialId };
    if (t.revoked) return { problem: 'revoked', ...who };
    const cred = await this.store.get<Credential>('credential', orgScope(t.orgId), t.credentialId);
    if (!cred || cred.doc.revoked) return { problem: 'credentialRevoked', ...who };
    return { problem: 'expired', ...who };
  }

  /** The credential of an API key whether revoked or not (the gateway's rejection log tells a revoked key from an unknown one). */
  async anyCredentialByApiKey(apiKey: string): Promise<Credential | undefined> {
    const idx = await this.store.get<{ orgId: string; credentialId: string }>('apikey', GLOBAL, sha256Hex(apiKey));
    return idx ? (await this.store.get<Credential>('credential', orgScope(idx.doc.orgId), idx.doc.credentialId))?.doc : undefined;
  }

  /** Returns the live token record, or undefined if unknown, expired, revoked, or its credential is revoked or gone. */
  async verifyToken(token: string): Promise<Token | undefined> {
    const id = sha256Hex(token);
    const now = this.clock.now();
    const v = this.verified.get(id);
    if (v && v.until > now) return v.token.expiresAt > now ? v.token : undefined;
    this.verified.delete(id);
    const t = (await this.store.get<Token>('token', GLOBAL, id))?.doc;
    if (!t || t.revoked || t.expiresAt <= now) return undefined;
    const cred = await this.store.get<Credential>('credential', orgScope(t.orgId), t.credentialId);
    if (!cred || cred.doc.revoked) return undefined;
    if (this.recheckMs > 0) {
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(id, { token: t, until: now + this.recheckMs });
    }
    return t;
  }
}
