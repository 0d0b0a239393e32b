import { STATUS_CODES } from 'node:http';
import type { FastifyError } from 'fastify';

/** The content-type error body the AEP gateway sends. */
export const BAD_CONTENT_TYPE = {
  type: '/placeholder/type/uri',
  status: 400,
  title: 'BadRequestError',
  detail: 'A valid content-type must be specified',
};

const ERR = 'http://ns.adobe.com/aep/errors';

export interface MappedError {
  status: number;
  body: Record<string, unknown>;
  /** A 400 made from an error the input caused (not a declared 4xx): worth a warning in the log. */
  inputFault?: boolean;
}

const bad = (type: string, detail: string, inputFault = false): MappedError => ({
  status: 400,
  body: { type: `${ERR}/${type}`, status: 400, title: 'Bad Request', detail },
  inputFault,
});

interface AjvError {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** `body.client_id must be string`: the request part, the field as a dotted path, Ajv's message. */
export function describeValidation(context: string | undefined, errors: AjvError[]): string {
  return errors
    .map((e) => {
      const path = (e.instancePath ?? '')
        .split('/')
        .filter((p) => p !== '')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
        .join('');
      const extra = e.keyword === 'additionalProperties' && e.params ? `: '${String(e.params.additionalProperty)}'` : '';
      // a oneOf picked by a tag (`type`): name the tag and the value no variant has
      if (e.keyword === 'discriminator' && e.params?.error === 'mapping') return `${context ?? 'request'}${path}.${String(e.params.tag)} "${String(e.params.tagValue)}" is not one of the allowed values`;
      return `${context ?? 'request'}${path} ${e.message ?? 'is invalid'}${extra}`;
    })
    .join('; ');
}

/**
 * The one place an error becomes a status and body. Input problems (validation, bad JSON, bad percent-encoding,
 * nesting that exhausts the stack) are 400s naming the cause; declared 4xx keep their status; anything else is a
 * server fault (500, no stack in the body).
 */
export function mapError(error: FastifyError): MappedError {
  const code = error.code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return { status: 400, body: { ...BAD_CONTENT_TYPE } };
  if (code === 'KITH_BAD_JSON' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_JSON_BODY') return bad('bad-json', error.message);
  if (error.validation) return bad('invalid-request', describeValidation(error.validationContext, error.validation as AjvError[]));
  if (code === 'FST_ERR_BAD_URL') return bad('bad-url', 'The URL has a malformed percent-encoding');
  if (error instanceof URIError) return bad('bad-url', `Malformed percent-encoding: ${error.message}`, true);
  if (error instanceof RangeError && /call stack/i.test(error.message)) return bad('too-deep', 'The input nests too deeply to process', true);
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) return { status, body: { type: `${ERR}/${status}`, status, title: STATUS_CODES[status] ?? 'Client Error', detail: error.message } };
  return { status: 500, body: { type: `${ERR}/internal`, status: 500, title: 'Internal Server Error', detail: 'An unexpected error occurred' } };
}
