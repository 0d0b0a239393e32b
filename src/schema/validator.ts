import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from './global/field-types.js';
import type { RecordValidator, ValidationOutcome, Violation } from './schema-lookup.js';
import { isObj } from '../shared/objects.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);

/**
 * Turns a flattened schema into the JSON Schema Ajv validates: the root and the tenant object are closed
 * (`additionalProperties: false`, as AEP reports "extraneous key"), `isRequired` fields become required,
 * and registry-only keywords are dropped.
 */
export function toValidationSchema(properties: Record<string, JsonSchema>, required: string[], tenantKey: string | undefined, extraRequired: string[][] = []): JsonSchema {
  // strict: close this object; deep: close every object below too (inside the tenant namespace)
  const convert = (node: JsonSchema, strict: boolean, deep = false): JsonSchema => {
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith('meta:') || k === 'title' || k === 'description' || k === 'isRequired' || k === 'examples' || k === '$id') continue;
      if (k === 'properties' && isObj(v)) {
        const props: Record<string, JsonSchema> = {};
        const req = new Set<string>(Array.isArray(node.required) ? (node.required as string[]) : []);
        for (const [pk, pv] of Object.entries(v as Record<string, JsonSchema>)) {
          props[pk] = convert(pv, deep || pk === tenantKey, deep || pk === tenantKey);
          if (pv.isRequired === true) req.add(pk);
        }
        out.properties = props;
        if (req.size) out.required = [...req];
        if (strict) out.additionalProperties = false;
      } else if (k === 'items' && isObj(v)) out.items = convert(v as JsonSchema, deep, deep);
      else if (k === 'additionalProperties' && isObj(v)) out.additionalProperties = convert(v as JsonSchema, deep, deep);
      else if (k !== 'required') out[k] = v;
    }
    return out;
  };
  const root = convert({ type: 'object', properties, required }, true);
  // required paths from primary identity descriptors (e.g. personalEmail.address)
  for (const path of extraRequired) {
    let cur = root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const props = cur.properties as Record<string, JsonSchema> | undefined;
      if (!props?.[seg]) break;
      cur.required = [...new Set([...((cur.required as string[]) ?? []), seg])];
      cur = props[seg]!;
    }
  }
  return root;
}

const typeName = (v: unknown): string => {
  if (v === null) return 'Null';
  if (Array.isArray(v)) return 'JSONArray';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'BigDecimal';
  if (typeof v === 'object') return 'JSONObject';
  return typeof v === 'string' ? 'String' : typeof v === 'boolean' ? 'Boolean' : typeof v;
};
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function valueAt(data: unknown, pointer: string): unknown {
  let cur = data;
  for (const seg of pointer.split('/').slice(1)) {
    const k = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = isObj(cur) || Array.isArray(cur) ? (cur as Record<string, unknown>)[k] : undefined;
  }
  return cur;
}

/** Maps an Ajv error to an everit-json-schema violation (AEP's streaming validation report). */
export function toViolation(e: ErrorObject, data: unknown): Violation {
  const schemaLocation = '#' + e.schemaPath.replace(/^#/, '').replace(/\/(type|required|additionalProperties|format|enum|minimum|maximum|pattern|minLength|maxLength|const)$/, '');
  const pointerToViolation = '#' + e.instancePath;
  const value = valueAt(data, e.instancePath);
  let message = e.message ?? 'invalid';
  switch (e.keyword) {
    case 'additionalProperties':
      message = `extraneous key [${(e.params as { additionalProperty: string }).additionalProperty}] is not permitted`;
      break;
    case 'required':
      message = `required key [${(e.params as { missingProperty: string }).missingProperty}] not found`;
      break;
    case 'type': {
      const t = String((e.params as { type: string }).type).split(',')[0]!;
      message = `expected type: ${t === 'object' ? 'JSONObject' : t === 'array' ? 'JSONArray' : cap(t)}, found: ${typeName(value)}`;
      break;
    }
    case 'format':
      message = `[${String(value)}] is not a valid ${(e.params as { format: string }).format}`;
      break;
    case 'enum':
      message = `${JSON.stringify(value)} is not a valid enum value`;
      break;
  }
  return { schemaLocation, pointerToViolation, causingExceptions: [], keyword: e.keyword, message };
}

export class CompiledValidator implements RecordValidator {
  constructor(private readonly fn: ValidateFunction) {}
  validate(record: unknown): ValidationOutcome {
    if (this.fn(record)) return { valid: true };
    return { valid: false, violations: (this.fn.errors ?? []).map((e) => toViolation(e, record)) };
  }
}

export function compileValidator(schema: JsonSchema): CompiledValidator {
  return new CompiledValidator(ajv.compile(schema));
}
