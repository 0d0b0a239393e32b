/** SQL text for values from a model definition (validated first: no NUL, no lone surrogates). */
export function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A JSON pointer (RFC 6901) for a dotted XDM path (`commerce.order.priceTotal` → `/commerce/order/priceTotal`). */
export function pointer(path: readonly string[]): string {
  return path.map((k) => '/' + k.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** A finite number as a DOUBLE literal. */
export function num(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`non-finite ${n}`);
  return `CAST(${String(n)} AS DOUBLE)`;
}

/** Whether text can go into SQL as a literal (DuckDB VARCHARs hold no NUL; lone surrogates cannot be UTF-8). */
export function sqlSafe(s: string): boolean {
  return !s.includes('\u0000') && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
