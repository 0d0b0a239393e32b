import { createHash } from 'node:crypto';

/**
 * XID: an opaque, deterministic id for one (namespace, normalised value) pair: the first 30 characters of the
 * base64url SHA-256 of `<NAMESPACE CODE upper-cased>\0<value>`. The same identity has the same XID in every
 * sandbox and across restarts; it reveals nothing about the value.
 */
export function xidOf(namespace: string, id: string): string {
  return createHash('sha256').update(`${namespace.toUpperCase()}\u0000${id}`).digest('base64url').slice(0, 30);
}
