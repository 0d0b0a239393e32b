import type { Problem } from '../../shared/problem.js';

/**
 * Segment's tracking API answers 200 `{"success":true}` for everything except oversize payloads and bad JSON (400).
 * Clients treat <400 as success, drop on 400, and retry 429/5xx. Unknown write keys: 401 (dropped by the clients).
 */
export const SEGMENT_SUCCESS = { success: true } as const;

export const MAX_MESSAGE_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;

export function segmentError(status: number, code: string, message: string): Problem {
  return { status, body: { success: false, code, message } };
}

export const invalidJson = (detail: string) => segmentError(400, 'invalid_json', `Invalid JSON: ${detail}`);
export const tooLarge = (what: string, limit: number) => segmentError(400, 'payload_too_large', `${what} exceeds ${limit} bytes`);
export const badRequestSegment = (message: string) => segmentError(400, 'invalid_request', message);
export const unauthorizedSegment = () => segmentError(401, 'invalid_write_key', 'Missing or unknown write key');
