import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { SOURCE_EXTRAS_FIELD, type IdentityMap, type IdentityRef, type AuthenticatedState } from './xdm-output.js';

/** Collects identities without duplicates (same namespace + id) and builds identityMap / link sets from them. */
export class IdentityCollector {
  private readonly items: Array<IdentityRef & { primary: boolean; authenticatedState?: AuthenticatedState }> = [];

  add(namespace: string, id: unknown, opts: { primary?: boolean; authenticatedState?: AuthenticatedState } = {}): this {
    if (id === null || id === undefined) return this;
    const value = String(id).trim();
    if (value === '') return this;
    if (this.items.some((i) => i.namespace === namespace && i.id === value)) return this;
    this.items.push({ namespace, id: value, primary: opts.primary ?? false, authenticatedState: opts.authenticatedState });
    return this;
  }

  get size(): number {
    return this.items.length;
  }

  refs(): IdentityRef[] {
    return this.items.map(({ namespace, id }) => ({ namespace, id }));
  }

  /** identityMap with exactly one primary: the first item marked primary, else the first item. */
  identityMap(): IdentityMap {
    const map: IdentityMap = {};
    let primaryIdx = this.items.findIndex((i) => i.primary);
    if (primaryIdx < 0 && this.items.length > 0) primaryIdx = 0;
    this.items.forEach((it, idx) => {
      const item: IdentityMap[string][number] = { id: it.id, primary: idx === primaryIdx };
      if (it.authenticatedState) item.authenticatedState = it.authenticatedState;
      (map[it.namespace] ??= []).push(item);
    });
    return map;
  }

  /** A link set when at least two identities are present, else none. */
  links(): IdentityRef[][] {
    return this.items.length >= 2 ? [this.refs()] : [];
  }
}

/** ISO-8601 UTC (`…Z`) from any date string with an offset; undefined when absent or unparseable. */
export function toIsoUtc(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  if (value === '') return undefined;
  const t = typeof value === 'number' ? value : Date.parse(value);
  // a Date holds ±8.64e15 ms; beyond that toISOString throws
  if (!Number.isFinite(t) || Math.abs(t) > 8.64e15) return undefined;
  return new Date(t).toISOString();
}

export function toEpochMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/** Parses a money amount ("19.99", 19.99) to a number; undefined when absent. */
export function money(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** unit price × quantity rounded to cents (avoids 19.99*3 = 59.970000000000006). */
export function lineTotal(unitPrice: number | undefined, quantity: number | undefined): number | undefined {
  if (unitPrice === undefined) return undefined;
  return Math.round(unitPrice * 100 * (quantity ?? 1)) / 100;
}

export function normaliseEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  return v.includes('@') ? v : undefined;
}

/** E.164 when libphonenumber can parse it (optionally with a default country), else the trimmed raw value. */
export function normalisePhone(value: unknown, defaultCountry?: string): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const raw = String(value).trim();
  if (raw === '') return undefined;
  try {
    const p = parsePhoneNumberFromString(raw, defaultCountry as never);
    if (p && p.isValid()) return p.number;
  } catch {
    // fall through to the raw value
  }
  return raw;
}

/** A stable UUID-shaped id from the parts (sha256, RFC-4122 version 5-like layout). */
export function deterministicId(...parts: Array<string | number | undefined>): string {
  const h = createHash('sha256')
    .update(parts.map((p) => (p === undefined ? '' : String(p))).join('\u001f'))
    .digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Removes undefined (and empty-object) members recursively so outputs compare cleanly. */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => compact(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      const c = compact(v);
      if (c && typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0) continue;
      out[k] = c;
    }
    return out as T;
  }
  return value;
}

/** Root field holding source-specific extras: `_kith` (tenant-free) or `_<tenantId>` when a tenant id is known. */
export function extrasRoot(tenantId?: string): string {
  return tenantId ? `_${tenantId}` : SOURCE_EXTRAS_FIELD;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const str = (v: unknown): string | undefined =>
  v === null || v === undefined || v === '' ? undefined : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined;
