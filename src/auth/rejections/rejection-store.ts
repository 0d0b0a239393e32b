import { isInt, isText, type RowShape } from '../../store/transfer.js';

/** Why the gateway refused a request (AEP's gateway errors, with Kith's finer cause where it knows one). */
export const REJECTION_REASONS = [
  'missingToken',
  'invalidToken',
  'expiredToken',
  'revokedToken',
  'missingApiKey',
  'invalidApiKey',
  'revokedApiKey',
  'missingOrg',
  'wrongOrg',
  'missingSandbox',
  'unknownSandbox',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** One refused request, as the gateway saw it. */
export interface GatewayRejection {
  /** The org the request belongs to: the token's or API key's org when known, else the `x-gw-ims-org-id` it named ('' when neither). */
  orgId: string;
  /** The client id (x-api-key) as shown: its first characters only, never the whole key ('' when none was sent). */
  clientId: string;
  reason: RejectionReason;
  /** AEP's gateway error code answered (`403003`, `401013`, …). */
  errorCode: string;
  /** The x-sandbox-name sent ('' when none). */
  sandboxName: string;
  /** What was wrong, in words (the org or sandbox named, the credential id of a revoked key…). */
  detail: string;
}

/** Rejections of one kind (org, client id, reason, sandbox) aggregated: how many, first and last time. */
export interface RejectionRow extends GatewayRejection {
  count: number;
  firstAt: number;
  lastAt: number;
}

export interface RejectionQuery {
  /** Rows of this org only. */
  orgId?: string;
  /** Rows whose last rejection is at or after this time (epoch ms). */
  since?: number;
  limit: number;
}

/**
 * Gateway rejections, bounded: one row per (org, client id, reason, sandbox) with its count and times, and at most
 * `maxRows` rows (the rows whose last rejection is oldest go first). Every adapter runs `rejectionStoreContract`.
 */
export interface GatewayRejectionStore {
  /** Adds counts to their rows (created when new; `detail` and `errorCode` take the latest), then trims to the bound. */
  record(items: ReadonlyArray<GatewayRejection & { count: number; at: number }>): Promise<void>;
  /** Newest last rejection first. */
  list(q: RejectionQuery): Promise<RejectionRow[]>;
  close(): Promise<void>;
}

/** Rows kept by default (a flood of made-up client ids can never grow the store beyond this). */
export const DEFAULT_MAX_REJECTION_ROWS = 10_000;

/** Longest text kept per field (a client may send anything in a header). */
export const MAX_FIELD_CHARS = { orgId: 128, clientId: 32, errorCode: 16, sandboxName: 64, detail: 300 } as const;

/** A rejection with every field cut to its bound. */
export function bounded<T extends GatewayRejection>(r: T): T {
  return {
    ...r,
    orgId: r.orgId.slice(0, MAX_FIELD_CHARS.orgId),
    clientId: r.clientId.slice(0, MAX_FIELD_CHARS.clientId),
    errorCode: r.errorCode.slice(0, MAX_FIELD_CHARS.errorCode),
    sandboxName: r.sandboxName.slice(0, MAX_FIELD_CHARS.sandboxName),
    detail: r.detail.slice(0, MAX_FIELD_CHARS.detail),
  };
}

/** Items with the same key added up (one upsert per key per call). */
export function mergeByKey(items: ReadonlyArray<GatewayRejection & { count: number; at: number }>): Array<GatewayRejection & { count: number; firstAt: number; lastAt: number }> {
  const by = new Map<string, GatewayRejection & { count: number; firstAt: number; lastAt: number }>();
  for (const raw of items) {
    if (!(raw.count > 0)) continue;
    const i = bounded(raw);
    const k = rejectionKey(i);
    const cur = by.get(k);
    if (!cur) by.set(k, { ...i, count: i.count, firstAt: i.at, lastAt: i.at });
    else {
      cur.count += i.count;
      cur.firstAt = Math.min(cur.firstAt, i.at);
      if (i.at >= cur.lastAt) Object.assign(cur, { lastAt: i.at, detail: i.detail, errorCode: i.errorCode });
    }
  }
  return [...by.values()];
}

export const rejectionKey = (r: Pick<GatewayRejection, 'orgId' | 'clientId' | 'reason' | 'sandboxName'>): string => JSON.stringify([r.orgId, r.clientId, r.reason, r.sandboxName]);

/** A rejection row in a dump (store 'gateway-rejections'): RejectionRow as it is. */
export const REJECTION_ROW: RowShape = {
  orgId: isText,
  clientId: isText,
  reason: (v) => typeof v === 'string' && (REJECTION_REASONS as readonly string[]).includes(v),
  errorCode: isText,
  sandboxName: isText,
  detail: isText,
  count: (v) => isInt(v) && v > 0,
  firstAt: isInt,
  lastAt: isInt,
};
