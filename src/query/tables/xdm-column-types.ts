import type { JsonSchema } from '../../schema/global/field-types.js';
import { isObj } from '../../shared/objects.js';
import { ok, err, type Result } from '../../shared/result.js';

/** One column of a typed query table: its name as written in XDM and its DuckDB type (SQL text). */
export interface QueryColumn {
  name: string;
  type: string;
}

/** Deeper than this an XDM field is refused (AEP caps nesting far lower; a deeper schema is a mistake or an attack). */
export const MAX_DEPTH = 32;
/** DuckDB identifiers are at most this long in practice (PostgreSQL's NAMEDATALEN is 64; clients truncate). */
const MAX_NAME = 255;

/** The raw lake columns every typed table starts with (`Lake`: `_id VARCHAR`, `timestamp TIMESTAMPTZ`). */
export const LEADING_COLUMNS: QueryColumn[] = [
  { name: '_id', type: 'VARCHAR' },
  { name: 'timestamp', type: 'TIMESTAMPTZ' },
];

/** A DuckDB quoted identifier (struct field or column): any text, `"` doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Why a name cannot be a DuckDB column or struct field name; undefined when it can. */
function badName(name: string): string | undefined {
  if (name === '') return 'an empty field name';
  if (name.length > MAX_NAME) return `field name ${JSON.stringify(name.slice(0, 40))}… is longer than ${MAX_NAME} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(name)) return `field name ${JSON.stringify(name)} contains control characters`;
  return undefined;
}

/**
 * The DuckDB type of one XDM field (resolved JSON Schema). Date-times are TIMESTAMPTZ: XDM date-times are instants
 * (ISO-8601 with an offset), the lake's own `timestamp` is TIMESTAMPTZ, and PostgreSQL clients then get `timestamptz`.
 * An object without properties (an open object such as `_experience`) and a field without a type are JSON; an
 * object with only `additionalProperties` (XDM maps: `identityMap`, `segmentMembership`) is a MAP keyed by VARCHAR.
 */
export function duckTypeOf(node: JsonSchema, path: string, depth = 0): Result<string, string> {
  if (depth > MAX_DEPTH) return err(`field ${path} is nested deeper than ${MAX_DEPTH} levels`);
  if (!isObj(node)) return ok('JSON');
  const type = Array.isArray(node.type) ? node.type.find((t) => t !== 'null') : node.type;
  switch (type) {
    case 'string':
      return ok(node.format === 'date-time' ? 'TIMESTAMPTZ' : node.format === 'date' ? 'DATE' : 'VARCHAR');
    case 'integer':
      return ok('BIGINT');
    case 'number':
      return ok('DOUBLE');
    case 'boolean':
      return ok('BOOLEAN');
    case 'array': {
      if (!isObj(node.items)) return ok('JSON[]');
      const inner = duckTypeOf(node.items as JsonSchema, `${path}[]`, depth + 1);
      return inner.ok ? ok(`${inner.value}[]`) : inner;
    }
    case 'object': {
      const props = isObj(node.properties) ? (node.properties as Record<string, JsonSchema>) : undefined;
      if (props && Object.keys(props).length > 0) {
        const fields = fieldsOf(props, path, depth + 1);
        if (!fields.ok) return fields;
        return ok(`STRUCT(${fields.value.map((f) => `${quoteIdent(f.name)} ${f.type}`).join(', ')})`);
      }
      if (isObj(node.additionalProperties)) {
        const inner = duckTypeOf(node.additionalProperties as JsonSchema, `${path}.*`, depth + 1);
        return inner.ok ? ok(`MAP(VARCHAR, ${inner.value})`) : inner;
      }
      return ok('JSON');
    }
    default:
      return ok('JSON');
  }
}

/** Fields of an object in schema order; names DuckDB cannot tell apart (it folds case) are refused. */
function fieldsOf(props: Record<string, JsonSchema>, path: string, depth: number): Result<QueryColumn[], string> {
  const out: QueryColumn[] = [];
  const seen = new Map<string, string>();
  for (const [name, node] of Object.entries(props)) {
    const full = path ? `${path}.${name}` : name;
    const bad = badName(name);
    if (bad) return err(`${bad} at ${path || 'the root'}`);
    const folded = name.toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined) return err(`fields ${path ? `${path}.` : ''}${other} and ${full} differ only in case (DuckDB folds identifier case)`);
    seen.set(folded, name);
    const t = duckTypeOf(node, full, depth);
    if (!t.ok) return t;
    out.push({ name, type: t.value });
  }
  return ok(out);
}

/**
 * The columns of a dataset's typed query table from its resolved XDM properties (`SchemaRegistry.flattenOf`):
 * `_id`, `timestamp` (the lake's own columns), then the top-level XDM fields in schema order.
 */
export function xdmColumns(properties: Record<string, JsonSchema>): Result<QueryColumn[], string> {
  const rest = Object.fromEntries(Object.entries(properties).filter(([k]) => k !== '_id' && k !== 'timestamp'));
  const fields = fieldsOf(rest, '', 0);
  if (!fields.ok) return fields;
  const clash = fields.value.find((f) => f.name.toLowerCase() === '_id' || f.name.toLowerCase() === 'timestamp');
  if (clash) return err(`field ${clash.name} clashes with the lake column of the same name`);
  return ok([...LEADING_COLUMNS, ...fields.value]);
}

/**
 * Columns of a table whose structure comes from the data (`json_group_structure`): the known XDM fields (its schema)
 * first, then the data's other top-level fields, typed by `fallback` (XDM fields defined elsewhere, e.g. the
 * `segmentMembership` map) or else by the structure seen.
 */
export function structureColumns(structure: Record<string, unknown>, known: Record<string, JsonSchema>, fallback: Record<string, JsonSchema> = {}): Result<QueryColumn[], string> {
  const props: Record<string, JsonSchema> = {};
  for (const [k, v] of Object.entries(known)) props[k] = v;
  for (const [k, v] of Object.entries(structure)) if (!(k in props)) props[k] = fallback[k] ?? schemaOfStructure(v);
  return xdmColumns(props);
}

/** A JSON Schema for a `json_group_structure` node (`"VARCHAR"`, `{…}`, `[…]`), so both paths share `duckTypeOf`. */
export function schemaOfStructure(s: unknown): JsonSchema {
  if (Array.isArray(s)) return { type: 'array', items: schemaOfStructure(s[0]) };
  if (isObj(s)) {
    const props = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, schemaOfStructure(v)]));
    return Object.keys(props).length ? { type: 'object', properties: props } : { type: 'object' };
  }
  switch (s) {
    case 'VARCHAR':
      return { type: 'string' };
    case 'BIGINT':
    case 'UBIGINT':
      return { type: 'integer' };
    case 'DOUBLE':
      return { type: 'number' };
    case 'BOOLEAN':
      return { type: 'boolean' };
    default:
      return {}; // NULL (never seen with a value), JSON (mixed): JSON
  }
}

/** Merges two `json_group_structure` results (new rows over what was seen): conflicting scalars widen to JSON. */
export function mergeStructure(a: unknown, b: unknown): unknown {
  if (a === undefined || a === 'NULL') return b;
  if (b === undefined || b === 'NULL') return a;
  if (Array.isArray(a) && Array.isArray(b)) return [mergeStructure(a[0], b[0])];
  if (isObj(a) && isObj(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = mergeStructure(out[k], v);
    return out;
  }
  if (a === b) return a;
  const num = new Set(['UBIGINT', 'BIGINT', 'DOUBLE']);
  if (typeof a === 'string' && typeof b === 'string' && num.has(a) && num.has(b)) return a === 'DOUBLE' || b === 'DOUBLE' ? 'DOUBLE' : 'BIGINT';
  return 'JSON';
}
