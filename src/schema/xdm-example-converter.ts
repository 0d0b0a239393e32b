/**
 * Converts adobe/xdm example instances from source notation to runtime notation:
 * `xdm:foo` -> `foo`, `@id` -> `_id`, `@type` -> `_type`, and any other `prefix:name` key -> `_prefix.name`
 * (e.g. `schema:latitude` -> `_schema.latitude`). Keys that are URLs (identityMap namespaces) are kept.
 */
export function toRuntimeNotation(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toRuntimeNotation);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const val = toRuntimeNotation(x);
    if (k.includes('://')) out[k] = val;
    else if (k === '@id') out._id = val;
    else if (k === '@type') out._type = val;
    else if (k.startsWith('xdm:')) out[k.slice(4)] = val;
    else if (/^[A-Za-z0-9]+:/.test(k)) {
      const [prefix, name] = [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)];
      const bucket = (out[`_${prefix}`] ??= {}) as Record<string, unknown>;
      bucket[name] = val;
    } else out[k] = val;
  }
  return out;
}
