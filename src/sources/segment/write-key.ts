import { headerValue, type HeaderBag } from '../shopify/headers.js';
import { isRecord } from '../shared/xdm-helpers.js';

/**
 * The Segment write key of a request: HTTP Basic auth with the key as username and an empty password
 * (`Authorization: Basic base64(writeKey + ":")`), else the body's `writeKey`. Undefined when neither is present.
 * The HTTP layer resolves it to a source bound to datasets and answers 401 when unknown.
 */
export function parseWriteKey(headers: HeaderBag, body: unknown): string | undefined {
  const auth = headerValue(headers, 'authorization');
  if (auth) {
    const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(auth);
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const idx = decoded.indexOf(':');
      const key = idx < 0 ? decoded : decoded.slice(0, idx);
      if (key) return key;
    }
  }
  if (isRecord(body) && typeof body.writeKey === 'string' && body.writeKey !== '') return body.writeKey;
  return undefined;
}

/** The Basic header analytics clients send. */
export const basicAuthFor = (writeKey: string): string => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
