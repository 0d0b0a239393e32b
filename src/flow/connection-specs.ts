import { ok, err, type Result } from '../shared/result.js';
import { badRequest, type Problem } from '../shared/problem.js';
import { isObj } from '../shared/objects.js';

/** A dataset id param is a string checked as a reference to a dataset of the same sandbox. */
export type ParamType = 'string' | 'boolean' | 'string[]' | 'dataset';

export interface ParamSpec {
  type: ParamType;
  required?: boolean;
  /** Allowed values of a string param. */
  enum?: readonly string[];
  /** A string param's form, with what it means for the message ("a *.myshopify.com domain"). */
  pattern?: { re: RegExp; meaning: string };
}

/**
 * What a connection spec accepts: the base connection's `auth.params` and the source connection's `params`, each
 * declared once so creation and update validate them the same way for every source. Undeclared params are kept.
 */
export interface ConnectionSpecDef {
  /** Shown in messages ("auth.params.clientSecret is required for a Shopify connection"). */
  name: string;
  authParams?: Readonly<Record<string, ParamSpec>>;
  sourceParams?: Readonly<Record<string, ParamSpec>>;
  /** Fills server-made params once the given ones are valid (a Segment write key, a datastream id). */
  fill?: (params: Record<string, unknown>) => Record<string, unknown>;
}

export type FillFn = (params: Record<string, unknown>) => Record<string, unknown>;

/** The older `registerSpec(id, fill)` form declares no params. */
export const asSpecDef = (specId: string, def: ConnectionSpecDef | FillFn): ConnectionSpecDef =>
  typeof def === 'function' ? { name: specId, fill: def } : def;

const typeName: Record<ParamType, string> = { string: 'a non-empty string', boolean: 'a boolean', 'string[]': 'an array of strings', dataset: 'a dataset id (a non-empty string)' };

function fits(v: unknown, p: ParamSpec): boolean {
  switch (p.type) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    default:
      return typeof v === 'string' && v !== '';
  }
}

/** Checks `params` (found at `where`, e.g. `auth.params`) against the declared ones: the first missing or ill-typed one is a 400. */
export function validateParams(where: string, specName: string, params: unknown, decl: Readonly<Record<string, ParamSpec>> | undefined): Result<Record<string, unknown>, Problem> {
  if (params !== undefined && !isObj(params)) return err(badRequest(`${where} must be an object`));
  const p = params ?? {};
  for (const [name, spec] of Object.entries(decl ?? {})) {
    const v = p[name];
    if (v === undefined || v === null) {
      if (spec.required) return err(badRequest(`${where}.${name} is required for a ${specName} connection`));
      continue;
    }
    if (!fits(v, spec)) return err(badRequest(`${where}.${name} must be ${typeName[spec.type]}`));
    if (spec.enum && !spec.enum.includes(v as string))
      return err(badRequest(`${where}.${name} must be one of ${spec.enum.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(v)}`));
    if (spec.pattern && !spec.pattern.re.test(v as string)) return err(badRequest(`${where}.${name} must be ${spec.pattern.meaning}, got ${JSON.stringify(v)}`));
  }
  return ok(p);
}

/** The dataset ids the declared params name, as `[field, id]` (for the reference check). */
export function datasetParams(where: string, params: unknown, decl: Readonly<Record<string, ParamSpec>> | undefined): Array<[string, unknown]> {
  if (!isObj(params)) return [];
  return Object.entries(decl ?? {})
    .filter(([name, spec]) => spec.type === 'dataset' && params[name] !== undefined && params[name] !== null)
    .map(([name]) => [`${where}.${name}`, params[name]]);
}
