import { createHmac, timingSafeEqual } from 'node:crypto';

/** base64(HMAC-SHA256(secret, rawBody)): the value Shopify sends in `X-Shopify-Hmac-Sha256`. */
export function signShopifyBody(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/**
 * Verifies a webhook signature over the RAW body bytes (call before any JSON parsing). Constant-time compare of the
 * decoded digests; false for a missing/malformed header or an empty secret.
 */
export function verifyShopifyHmac(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !secret) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const trimmed = header.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return false;
  const given = Buffer.from(trimmed, 'base64');
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}

/** Checks a signature against several secrets (secret rotation): true if any matches. */
export function verifyShopifyHmacAny(rawBody: Buffer, header: string | undefined, secrets: readonly string[]): boolean {
  let ok = false;
  for (const s of secrets) ok = verifyShopifyHmac(rawBody, header, s) || ok; // no early exit: same work per secret
  return ok;
}
