import * as crypto from 'node:crypto';

/** One-shot hashing (`crypto.hash`, Node ≥ 20.12) is ~2.5× faster than createHash for short inputs; same digest. */
const sha256b64url: (s: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (s) => (crypto as unknown as { hash(alg: string, data: string, enc: string): string }).hash('sha256', s, 'base64url')
    : (s) => crypto.createHash('sha256').update(s).digest('base64url');

/**
 * XID: an opaque, deterministic id for one (namespace, normalised value) pair: the first 30 characters of the
 * base64url SHA-256 of `<NAMESPACE CODE upper-cased>\0<value>`. The same identity has the same XID in every
 * sandbox and across restarts; it reveals nothing about the value.
 */
export function xidOf(namespace: string, id: string): string {
  return sha256b64url(`${namespace.toUpperCase()}\u0000${id}`).slice(0, 30);
}
