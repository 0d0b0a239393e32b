import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { JsonSchema } from './schemas.js';

/** `npm test` sets this: every response is checked against its route's declared schema (see app.ts). */
export const CHECK_RESPONSES_ENV = 'KITH_CHECK_RESPONSES';

export const responseChecksEnabled = (): boolean => process.env[CHECK_RESPONSES_ENV] === '1';

/** Thrown by a checked serializer when a response does not match the schema its route declares. */
export class ResponseSchemaMismatch extends Error {
  readonly code = 'KITH_RESPONSE_SCHEMA_MISMATCH';
  constructor(
    readonly route: string,
    readonly status: string,
    readonly errors: string,
  ) {
    super(`response of ${route} (${status}) does not match its declared schema: ${errors}`);
  }
}

/**
 * Compiles response schemas with Ajv (no coercion, no removal: the check only reads) and checks bodies against them.
 * Schemas registered with `addSchema` (shared `$ref` targets) are passed in so references resolve.
 */
export class ResponseChecker {
  private readonly ajv: Ajv;

  constructor(shared: JsonSchema[] = []) {
    this.ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false, useDefaults: false, removeAdditional: false });
    (addFormats as unknown as (a: Ajv) => void)(this.ajv);
    this.ajv.addKeyword({ keyword: 'example' });
    for (const s of shared) if (typeof s.$id === 'string' && !this.ajv.getSchema(s.$id)) this.ajv.addSchema(s);
  }

  /** A function that returns undefined when `data` matches `schema`, else the Ajv errors as one line. */
  compile(schema: JsonSchema | undefined): (data: unknown) => string | undefined {
    if (schema === undefined) return () => undefined;
    const v: ValidateFunction = this.ajv.compile(stripOpenApi(schema));
    return (data) => {
      // a 204 or an empty reply has no body to check
      if (data === undefined) return undefined;
      if (v(JSON.parse(JSON.stringify(data)) as unknown)) return undefined;
      return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ' ' + JSON.stringify(e.params) : ''}`).join('; ');
    };
  }
}

/** Response schemas may use the OpenAPI form `{description, content: {'application/json': {schema}}}`. */
function stripOpenApi(schema: JsonSchema): JsonSchema {
  const content = schema.content as Record<string, { schema?: JsonSchema }> | undefined;
  if (content && typeof content === 'object') {
    const json = content['application/json']?.schema ?? Object.values(content)[0]?.schema;
    return json ?? {};
  }
  return schema;
}
