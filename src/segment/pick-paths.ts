/** Keeps only the given dotted paths of an object (export `fields`); missing paths are left out. */
export function pickPaths(obj: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of paths) {
    const parts = p.split('.');
    let src: unknown = obj;
    for (const k of parts) src = typeof src === 'object' && src !== null && !Array.isArray(src) && Object.hasOwn(src, k) ? (src as Record<string, unknown>)[k] : undefined;
    if (src === undefined) continue;
    let dst = out;
    for (const k of parts.slice(0, -1)) {
      if (typeof dst[k] !== 'object' || dst[k] === null) dst[k] = {};
      dst = dst[k] as Record<string, unknown>;
    }
    dst[parts.at(-1)!] = src;
  }
  return out;
}
