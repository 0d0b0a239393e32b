import type { JsonSchema } from './global/field-types.js';
import { isObj } from '../shared/objects.js';

/** Any registry resource in stored ("xed") form. */
export type XedResource = Record<string, unknown> & { $id: string; 'meta:altId': string; title?: string };

export type Lookup = (idOrAltId: string) => XedResource | undefined;


/** Deep-merges field definitions: objects with properties merge key by key; otherwise the later wins. */
export function mergeProperties(a: Record<string, JsonSchema>, b: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    if (isObj(cur) && isObj(cur.properties) && isObj(v) && isObj(v.properties)) {
      out[k] = { ...cur, ...v, properties: mergeProperties(cur.properties as Record<string, JsonSchema>, v.properties as Record<string, JsonSchema>) };
    } else out[k] = v;
  }
  return out;
}

export interface Flattened {
  properties: Record<string, JsonSchema>;
  required: string[];
  /** Every resource $id that contributed (for meta:extends and cache invalidation). */
  uses: string[];
  errors: string[];
}

/** Replaces `$ref`s to data types inside field definitions with the data type's resolved properties. */
function resolveRefs(node: unknown, lookup: Lookup, flat: Flattened, depth: number): unknown {
  if (Array.isArray(node)) return node.map((x) => resolveRefs(x, lookup, flat, depth));
  if (!isObj(node)) return node;
  if (typeof node.$ref === 'string' && !node.$ref.startsWith('#')) {
    const target = lookup(node.$ref);
    if (!target || depth > 20) {
      flat.errors.push(`unresolvable $ref ${node.$ref}`);
      return { type: 'object' };
    }
    const inner = flatten(target, lookup, depth + 1);
    flat.uses.push(...inner.uses);
    flat.errors.push(...inner.errors);
    const { $ref: _r, ...rest } = node;
    return { type: 'object', ...rest, properties: inner.properties, ...(inner.required.length ? { required: inner.required } : {}) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = resolveRefs(v, lookup, flat, depth);
  return out;
}

/** Flattens a class, field group, data type or schema into its full set of properties (the xed-full view). */
export function flatten(res: XedResource, lookup: Lookup, depth = 0): Flattened {
  const flat: Flattened = { properties: {}, required: [], uses: [res.$id], errors: [] };
  const defs = isObj(res.definitions) ? (res.definitions as Record<string, Record<string, unknown>>) : {};
  const addPart = (part: Record<string, unknown>) => {
    if (isObj(part.properties)) flat.properties = mergeProperties(flat.properties, resolveRefs(part.properties, lookup, flat, depth) as Record<string, JsonSchema>);
    if (Array.isArray(part.required)) flat.required.push(...(part.required as string[]));
  };
  addPart(res);
  for (const entry of Array.isArray(res.allOf) ? (res.allOf as Array<Record<string, unknown>>) : []) {
    const ref = entry?.$ref;
    if (typeof ref !== 'string') continue;
    if (ref.startsWith('#/definitions/')) {
      const d = defs[ref.slice('#/definitions/'.length)];
      if (d) addPart(d);
      else flat.errors.push(`unknown local definition ${ref}`);
      continue;
    }
    const target = lookup(ref);
    if (!target || depth > 20) {
      flat.errors.push(`unresolvable $ref ${ref}`);
      continue;
    }
    const inner = flatten(target, lookup, depth + 1);
    flat.properties = mergeProperties(flat.properties, inner.properties);
    flat.required.push(...inner.required);
    flat.uses.push(...inner.uses);
    flat.errors.push(...inner.errors);
  }
  flat.required = [...new Set(flat.required)];
  flat.uses = [...new Set(flat.uses)];
  return flat;
}

/** Leaf paths with their type, for the evolution rules (`a.b.c` -> 'string'). Enum values are kept too. */
export function fieldIndex(props: Record<string, JsonSchema>, prefix = '', out = new Map<string, { type: string; enum?: unknown[] }>()) {
  for (const [k, v] of Object.entries(props)) {
    const p = prefix ? `${prefix}.${k}` : k;
    const type = String(v.type ?? 'object');
    out.set(p, { type, ...(Array.isArray(v.enum) ? { enum: v.enum as unknown[] } : {}) });
    if (isObj(v.properties)) fieldIndex(v.properties as Record<string, JsonSchema>, p, out);
    if (isObj(v.items) && isObj((v.items as JsonSchema).properties)) fieldIndex((v.items as JsonSchema).properties as Record<string, JsonSchema>, `${p}[]`, out);
  }
  return out;
}

/** Removes title and description everywhere (the *-notext views). */
export function stripText(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripText);
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'title' && k !== 'description') out[k] = stripText(x);
  return out;
}
