import type { IdentityDescriptorInfo } from '../schema/schema-lookup.js';

export interface ExtractedIdentity {
  namespace: string;
  id: string;
  primary: boolean;
  authenticatedState?: string;
}

/** Identities of one record: every identityMap item, plus every field named by an identity descriptor. */
export function extractIdentities(record: Record<string, unknown>, descriptors: IdentityDescriptorInfo[]): ExtractedIdentity[] {
  const out: ExtractedIdentity[] = [];
  const map = record.identityMap;
  if (typeof map === 'object' && map !== null && !Array.isArray(map))
    for (const [ns, items] of Object.entries(map as Record<string, unknown>))
      if (Array.isArray(items))
        for (const it of items) {
          const i = it as { id?: unknown; primary?: unknown; authenticatedState?: unknown };
          if (typeof i?.id === 'string' || typeof i?.id === 'number')
            out.push({ namespace: ns, id: String(i.id), primary: i.primary === true, authenticatedState: typeof i.authenticatedState === 'string' ? i.authenticatedState : undefined });
        }
  for (const d of descriptors) {
    let v: unknown = record;
    for (const seg of d.path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[seg] : undefined;
    const values = Array.isArray(v) ? v : [v];
    for (const x of values) if (typeof x === 'string' || typeof x === 'number') out.push({ namespace: d.namespace, id: String(x), primary: d.isPrimary });
  }
  return out;
}
