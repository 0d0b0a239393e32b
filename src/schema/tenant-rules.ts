import type { JsonSchema } from './global/field-types.js';
import { fieldIndex } from './resolver.js';
import { isObj } from '../shared/objects.js';


/** Own field definitions of a resource: `properties` plus every `definitions/*`.properties. */
export function ownFieldSets(res: Record<string, unknown>): Array<Record<string, JsonSchema>> {
  const sets: Array<Record<string, JsonSchema>> = [];
  if (isObj(res.properties)) sets.push(res.properties as Record<string, JsonSchema>);
  if (isObj(res.definitions))
    for (const d of Object.values(res.definitions)) if (isObj(d) && isObj(d.properties)) sets.push(d.properties as Record<string, JsonSchema>);
  return sets;
}

function badNames(props: Record<string, JsonSchema>, path: string, out: string[]): void {
  for (const [k, v] of Object.entries(props)) {
    const p = path ? `${path}.${k}` : k;
    if (k.startsWith('_')) out.push(p);
    else if (!/^[A-Za-z0-9_-]+$/.test(k)) out.push(p);
    if (isObj(v.properties)) badNames(v.properties as Record<string, JsonSchema>, p, out);
    if (isObj(v.items) && isObj((v.items as JsonSchema).properties)) badNames((v.items as JsonSchema).properties as Record<string, JsonSchema>, p, out);
  }
}

/**
 * The tenant namespace rule: custom fields of tenant field groups and classes live under `_{tenantId}`;
 * inside it (and in data types) names are alphanumeric, dash or underscore and never start with `_`.
 * Returns a message, or undefined when the resource obeys.
 */
export function tenantRuleViolation(type: 'mixins' | 'classes' | 'datatypes', res: Record<string, unknown>, tenantId: string): string | undefined {
  const key = `_${tenantId}`;
  for (const props of ownFieldSets(res)) {
    if (type === 'datatypes') {
      const bad: string[] = [];
      badNames(props, '', bad);
      if (bad.length) return `Field names may not start with "_" or contain special characters: ${bad.join(', ')}`;
      continue;
    }
    for (const [k, v] of Object.entries(props)) {
      if (k !== key) return `Custom fields must be nested under the tenant namespace "${key}"; found top-level field "${k}"`;
      if (isObj(v.properties)) {
        const bad: string[] = [];
        badNames(v.properties as Record<string, JsonSchema>, key, bad);
        if (bad.length) return `Field names may not start with "_" or contain special characters: ${bad.join(', ')}`;
      }
    }
  }
  return undefined;
}

/**
 * Evolution rules for a schema that backs data or is profile-enabled: only additive changes.
 * Returns the breaking changes between two flattened field sets (empty when the change is additive).
 */
export function breakingChanges(before: Record<string, JsonSchema>, after: Record<string, JsonSchema>): string[] {
  const a = fieldIndex(before);
  const b = fieldIndex(after);
  const out: string[] = [];
  for (const [path, f] of a) {
    const g = b.get(path);
    if (!g) out.push(`field "${path}" was removed`);
    else if (g.type !== f.type) out.push(`field "${path}" changed type from ${f.type} to ${g.type}`);
    else if (f.enum && (!g.enum || f.enum.some((x) => !g.enum!.includes(x)))) out.push(`enum values of "${path}" were restricted`);
  }
  return out;
}
