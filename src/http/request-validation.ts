import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from './schemas.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Request validation for route schemas. A JSON body is validated as sent (`client_id: 1` is not a string: no
 * coercion); path, query and headers arrive as strings, so they are coerced to the declared types.
 */
export class RequestValidators {
  private readonly body: Ajv;
  private readonly strings: Ajv;

  constructor(shared: JsonSchema[]) {
    // discriminator: a oneOf picked by a tag (`type`) reports the errors of the picked variant only
    const base = { strict: false, allErrors: false, removeAdditional: false, useDefaults: true, discriminator: true } as const;
    this.body = addFormats(new Ajv({ ...base, coerceTypes: false }));
    this.strings = addFormats(new Ajv({ ...base, coerceTypes: 'array' }));
    for (const ajv of [this.body, this.strings]) for (const s of shared) if (typeof s.$id === 'string' && !ajv.getSchema(s.$id)) ajv.addSchema(s);
  }

  compile(schema: JsonSchema, httpPart: string | undefined): ValidateFunction {
    return (httpPart === 'body' ? this.body : this.strings).compile(schema);
  }
}
