import type { IdentityRef } from '../profile/identity-resolver.js';

/**
 * The key of a person within a journey: `namespace:id`, the namespace lower-cased (namespace codes compare
 * case-insensitively: `Email` in a definition, `email` in an identityMap).
 */
export function personKey(ref: IdentityRef): string {
  return `${ref.namespace.toLowerCase()}:${ref.id}`;
}

/** The identity of a key made by `personKey` (the namespace as lower-cased). */
export function identityOfKey(key: string): IdentityRef {
  const i = key.indexOf(':');
  return { namespace: key.slice(0, i), id: key.slice(i + 1) };
}
