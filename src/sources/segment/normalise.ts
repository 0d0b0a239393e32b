import { ok, err, type Result } from '../../shared/result.js';
import type { Problem } from '../../shared/problem.js';
import { isRecord } from '../shared/xdm-helpers.js';
import { correctTimestamp } from './clock-skew.js';
import { MAX_MESSAGE_BYTES, badRequestSegment, tooLarge } from './responses.js';

export type SegmentType = 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';
export const SEGMENT_TYPES: readonly SegmentType[] = ['identify', 'track', 'page', 'screen', 'group', 'alias'];

/** A validated message with `timestamp` corrected for clock skew (`originalTimestamp` keeps the device value). */
export interface SegmentMessage {
  type: SegmentType;
  messageId: string;
  timestamp: string;
  originalTimestamp?: string;
  receivedAt: string;
  sentAt?: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  context?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
  groupId?: string;
  previousId?: string;
  [k: string]: unknown;
}

export interface RejectedMessage {
  index: number;
  messageId?: string;
  reason: string;
  /** The message as received (for the failed-records store). */
  raw: unknown;
}

export interface NormalisedPayload {
  messages: SegmentMessage[];
  /** Invalid messages are dropped (Segment still answers 200); reported for the failed-records store. */
  rejected: RejectedMessage[];
}

/** `/v1/<x>` path (with or without the `/v1` prefix and trailing slash) → endpoint kind. */
const PATHS: Record<string, SegmentType | 'batch'> = {
  batch: 'batch',
  b: 'batch',
  import: 'batch',
  identify: 'identify',
  i: 'identify',
  track: 'track',
  t: 'track',
  page: 'page',
  p: 'page',
  screen: 'screen',
  s: 'screen',
  group: 'group',
  g: 'group',
  alias: 'alias',
  a: 'alias',
};

export function segmentEndpoint(path: string): SegmentType | 'batch' | undefined {
  const last = path.split('?')[0]!.replace(/\/+$/, '').split('/').pop() ?? '';
  return PATHS[last];
}

const idString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** Validates one message; returns a reason when invalid. */
export function validateSegmentMessage(m: Record<string, unknown>): string | undefined {
  const type = m.type;
  if (typeof type !== 'string' || !(SEGMENT_TYPES as readonly string[]).includes(type)) return `unknown or missing type '${String(type)}'`;
  if (type === 'alias') {
    if (!idString(m.previousId) || !idString(m.userId)) return 'alias requires previousId and userId';
    return undefined;
  }
  if (!idString(m.userId) && !idString(m.anonymousId)) return 'userId or anonymousId is required';
  if (type === 'track' && (typeof m.event !== 'string' || m.event === '')) return 'track requires event';
  if (type === 'group' && !idString(m.groupId)) return 'group requires groupId';
  return undefined;
}

/**
 * Turns any Segment endpoint body into validated messages. `/v1/batch` and `/v1/b` take `{batch:[…], context?,
 * integrations?, sentAt?}` (top-level context/integrations are merged under each message's own); single-message
 * endpoints take the message itself and the type comes from the path. Oversize messages (>32 KB) fail the request
 * with 400, as Segment does; messages failing validation are dropped into `rejected`.
 * A missing `messageId` defaults to `kith-<receivedAt>-<index>` (dedupe cannot apply to such messages).
 */
export function normaliseSegmentPayload(path: string, body: Record<string, unknown>, opts: { receivedAt: number }): Result<NormalisedPayload, Problem> {
  const kind = segmentEndpoint(path);
  if (!kind) return err(badRequestSegment(`Unknown Segment endpoint ${path}`));
  let raw: unknown[];
  if (kind === 'batch') {
    if (!Array.isArray(body.batch)) return err(badRequestSegment('batch must be an array'));
    raw = body.batch;
  } else {
    raw = [{ ...body, type: kind }];
  }
  const receivedAtIso = new Date(opts.receivedAt).toISOString();
  const out: NormalisedPayload = { messages: [], rejected: [] };
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    if (!isRecord(r)) {
      out.rejected.push({ index: i, reason: 'message must be an object', raw: r });
      continue;
    }
    if (Buffer.byteLength(JSON.stringify(r)) > MAX_MESSAGE_BYTES) return err(tooLarge(`Message ${i}`, MAX_MESSAGE_BYTES));
    const reason = validateSegmentMessage(r);
    if (reason) {
      out.rejected.push({ index: i, messageId: idString(r.messageId), reason, raw: r });
      continue;
    }
    const { writeKey: _wk, ...msg } = r;
    const context = kind === 'batch' && isRecord(body.context) ? { ...body.context, ...(isRecord(r.context) ? r.context : {}) } : r.context;
    const integrations = kind === 'batch' && isRecord(body.integrations) ? { ...body.integrations, ...(isRecord(r.integrations) ? r.integrations : {}) } : r.integrations;
    const sentAt = r.sentAt ?? body.sentAt;
    const m: SegmentMessage = {
      ...(msg as Record<string, unknown>),
      type: r.type as SegmentType,
      messageId: idString(r.messageId) ?? `kith-${opts.receivedAt}-${i}`,
      timestamp: correctTimestamp(r.timestamp, sentAt, opts.receivedAt),
      receivedAt: receivedAtIso,
    };
    if (typeof r.timestamp === 'string') m.originalTimestamp = r.timestamp;
    if (typeof sentAt === 'string') m.sentAt = sentAt;
    if (isRecord(context)) m.context = context;
    if (isRecord(integrations)) m.integrations = integrations;
    for (const k of ['userId', 'anonymousId', 'groupId', 'previousId'] as const) {
      const v = idString(r[k]);
      if (v === undefined) delete m[k];
      else m[k] = v;
    }
    out.messages.push(m);
  }
  return ok(out);
}

/** Keys for `messageId` dedupe, scoped by source (write key resolution happens in the HTTP layer). */
export const segmentDedupeKey = (sourceId: string, m: SegmentMessage): string => `segment:${sourceId}:${m.messageId}`;
