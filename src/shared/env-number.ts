/**
 * A numeric tuning knob from the environment: the fallback when unset or empty; a value that is not a number, is
 * below `min` or (with `integer`) has a fraction is refused with the variable's name (at startup, a process edge:
 * a typo must not silently change behaviour).
 */
export function envNumber(name: string, fallback: number, opts: { min?: number; integer?: boolean } = {}): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  const min = opts.min ?? 0;
  if (!Number.isFinite(n) || n < min || (opts.integer && !Number.isInteger(n)))
    throw new Error(`${name} must be ${opts.integer ? 'an integer' : 'a number'} >= ${min}, got ${v}`);
  return n;
}
