/**
 * How deeply a JSON request body (and each streamed message) may nest: objects and arrays count one level each, so
 * `{"a":[{}]}` is 3 deep. XDM records nest far less (a field group is rarely 10 levels deep, its schema ~3x that);
 * the limit keeps every recursive consumer (JSON.stringify, Ajv, the lake's flattening) far from the stack's end.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Whether `value` nests deeper than `limit`, found without recursion (an explicit stack, depth-first so a deep
 * branch is found after at most `limit` pushes down it). Costs one visit per object or array up to the answer.
 */
export function exceedsDepth(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const d = depths.pop()!;
    if (d > limit) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x !== null && typeof x === 'object') {
          stack.push(x);
          depths.push(d + 1);
        }
      }
    } else {
      for (const k in v) {
        const x: unknown = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') {
          stack.push(x);
          depths.push(d + 1);
        }
      }
    }
  }
  return false;
}

/** `n` levels of nested arrays or objects around a leaf (for tests and benchmarks), built without recursion. */
export function nested(n: number, kind: 'array' | 'object' = 'object', leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < n; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}
