import type { Flattened, XedResource } from './resolver.js';
import { stripText } from './resolver.js';

export type LookupVariant = 'xed' | 'xed-full' | 'xed-notext' | 'xed-full-notext' | 'xed-full-desc';

/** Parses the Accept header of a registry GET: list form (`xed-id` summaries vs `xed` full) or lookup variant. */
export function parseAccept(accept: string | undefined): { variant: LookupVariant | 'xed-id'; ok: boolean } {
  if (!accept || accept === '*/*' || accept.startsWith('application/json')) return { variant: 'xed', ok: true };
  const m = /application\/vnd\.adobe\.(xed(?:-id|-full|-notext|-full-notext|-full-desc|-deprecatefield)?)\+json/i.exec(accept);
  if (!m) return { variant: 'xed', ok: false };
  const v = m[1]!.toLowerCase();
  return { variant: (v === 'xed-deprecatefield' ? 'xed-full' : v) as LookupVariant | 'xed-id', ok: true };
}

export function summary(r: XedResource): Record<string, unknown> {
  return { $id: r.$id, 'meta:altId': r['meta:altId'], version: r.version, title: r.title };
}

/** Renders one resource in an Accept variant; `full` is its flattened form, `descriptors` for xed-full-desc. */
export function render(r: XedResource, variant: LookupVariant, full: () => Flattened, descriptors: () => unknown[]): Record<string, unknown> {
  let out: Record<string, unknown> = { ...r };
  if (variant.startsWith('xed-full')) {
    const f = full();
    const { allOf: _a, definitions: _d, ...rest } = out;
    out = { ...rest, type: 'object', properties: f.properties, ...(f.required.length ? { required: f.required } : {}) };
    if (variant === 'xed-full-desc') out['meta:descriptors'] = descriptors();
  }
  if (variant.endsWith('notext')) out = stripText(out) as Record<string, unknown>;
  return out;
}
