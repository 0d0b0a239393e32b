import { ok, err, type Result } from '../../shared/result.js';
import type { Problem } from '../../shared/problem.js';
import { MAX_BATCH_BYTES, badRequestSegment, invalidJson, tooLarge } from './responses.js';
import { exceedsDepth, MAX_JSON_DEPTH } from '../../shared/json-depth.js';

/**
 * Parses a Segment request body. Content-Type is not trusted: analytics.js sends JSON as `text/plain` (no CORS
 * preflight), analytics-node as `application/json`. Bodies over 500 KB or that are not a JSON object → 400.
 */
export function readSegmentBody(raw: Buffer | string, _contentType?: string): Result<Record<string, unknown>, Problem> {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (bytes > MAX_BATCH_BYTES) return err(tooLarge('Request body', MAX_BATCH_BYTES));
  const text = (typeof raw === 'string' ? raw : raw.toString('utf8')).replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return err(invalidJson((e as Error).message));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return err(invalidJson('body must be a JSON object'));
  // a batch message sits two levels down: the body may nest that much more than a message
  if (exceedsDepth(parsed, MAX_JSON_DEPTH + 2)) return err(badRequestSegment(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels`));
  return ok(parsed as Record<string, unknown>);
}
