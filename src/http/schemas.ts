/**
 * The JSON Schema vocabulary every route shares. A route's `schema` declares its body, params, querystring and
 * responses with these pieces: Fastify validates input against them before the handler runs, and @fastify/swagger
 * turns them into `/openapi.json`. Responses are serialised with JSON.stringify (a response schema documents, it
 * never drops a field); `npm test` checks every response against its declared schema (see response-check.ts).
 */

export type JsonSchema = Record<string, unknown>;

/** An object whose listed properties are typed; other properties are allowed (AEP bodies carry more than we read). */
export function obj(properties: Record<string, JsonSchema>, required: string[] = [], extra: JsonSchema = {}): JsonSchema {
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: true, ...extra };
}

/** An object that accepts nothing beyond its listed properties (for small bodies whose every field we define). */
export function closedObj(properties: Record<string, JsonSchema>, required: string[] = [], extra: JsonSchema = {}): JsonSchema {
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false, ...extra };
}

export const str: JsonSchema = { type: 'string' };
export const int: JsonSchema = { type: 'integer' };
export const num: JsonSchema = { type: 'number' };
export const bool: JsonSchema = { type: 'boolean' };
/** Any JSON value (documented as such). */
export const anyValue: JsonSchema = {};
/** Any JSON object. */
export const anyObject: JsonSchema = { type: 'object', additionalProperties: true };
export const arrayOf = (items: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({ type: 'array', items, ...extra });
export const nullable = (s: JsonSchema): JsonSchema => ({ ...s, nullable: true });
export const strEnum = (values: readonly string[]): JsonSchema => ({ type: 'string', enum: [...values] });

/** The same schema with a description (what `/docs` shows next to the field). */
export const desc = (s: JsonSchema, description: string): JsonSchema => ({ ...s, description });

/** A body the route also accepts absent (Fastify validates a missing body as null). */
export const optionalBody = (s: JsonSchema): JsonSchema => ({ ...s, nullable: true });

/** A raw upload (bytes taken as sent, whatever the content type); declared for the documentation only. */
export const binaryBody = (description: string): JsonSchema => ({ description, format: 'binary' });

/** A JSON-Patch document (RFC 6902): an array of operations. */
export const jsonPatch: JsonSchema = arrayOf(
  obj({ op: { type: 'string', description: '`add`, `remove`, `replace`, `move`, `copy` or `test`' }, path: str, from: str, value: anyValue }, ['op', 'path']),
  { description: 'JSON-Patch operations (RFC 6902)' },
);

/** Path parameters: each a non-empty string (ids are opaque). */
export function params(...names: string[]): JsonSchema {
  return closedObj(Object.fromEntries(names.map((n) => [n, { type: 'string', minLength: 1, maxLength: 2048 }])), names);
}

/** A query string: listed parameters typed, unknown ones allowed (clients send extra parameters AEP ignores). */
export function query(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return obj(properties, required);
}

/** A service error: AEP's problem body. */
export const problemBody: JsonSchema = obj(
  { type: str, status: int, title: str, detail: str, report: anyValue },
  ['title'],
  { description: 'An error (AEP problem body)' },
);

/** A gateway error (authentication, org, sandbox): `{error_code, message}`. */
export const gatewayError: JsonSchema = obj({ error_code: str, message: str }, ['error_code'], { description: 'A gateway error' });

/** Shared schemas, registered on the app (`addSchema`) so `/openapi.json` lists them under `components.schemas`. */
export const sharedSchemas: JsonSchema[] = [
  { $id: 'Problem', ...problemBody },
  { $id: 'GatewayError', ...gatewayError },
];

/** A reference to a shared schema by its `$id`. */
export const ref = (id: 'Problem' | 'GatewayError'): JsonSchema => ({ $ref: `${id}#` });

/** The error responses every platform route may give, to merge into a route's `response`. */
export const errorResponses: Record<string, JsonSchema> = {
  '4xx': { description: 'Client error: a problem body, or a gateway error for authentication', anyOf: [ref('Problem'), ref('GatewayError')] },
};

/** 204 No Content. */
export const noContentResponse: JsonSchema = { type: 'null', description: 'No content' };

/** Responses of a route: its 2xx schemas plus the shared error responses (and any error bodies of its own). */
export function responses(ok: Record<string, JsonSchema>, otherErrors: JsonSchema[] = []): Record<string, JsonSchema> {
  const described = Object.fromEntries(Object.entries(ok).map(([code, s]) => [code, s.description === undefined ? { ...s, description: describeStatus(code) } : s]));
  if (otherErrors.length === 0) return { ...described, ...errorResponses };
  const e = errorResponses['4xx']!;
  return { ...described, '4xx': { ...e, anyOf: [...(e.anyOf as JsonSchema[]), ...otherErrors] } };
}

const describeStatus = (code: string): string =>
  ({ '200': 'OK', '201': 'Created', '202': 'Accepted', '204': 'No content', '207': 'Multi-status: one status per item' })[code] ?? 'Success';
