import { bool, closedObj, desc, int, noContentResponse, obj, optionalBody, params, query, responses, arrayOf, str, type JsonSchema } from '../http/schemas.js';

const tags = ['Credentials'];

/** An OAuth error (`{error, error_description}`), as IMS answers a bad token request. */
const oauthError = obj({ error: str, error_description: str }, ['error'], { description: 'An OAuth error' });

const tokenFields = {
  grant_type: desc(str, 'Always `client_credentials`'),
  client_id: desc(str, 'The API key of a credential (`apiKey` in credentials.json)'),
  client_secret: desc(str, 'The credential\'s secret (`clientSecret`, shown once at creation)'),
  scope: desc(str, 'Accepted and ignored (AEP scopes)'),
};

export const tokenSchema: JsonSchema = {
  tags: ['Auth'],
  summary: 'client_credentials grant: exchange a client id and secret for a bearer token',
  description: 'Send the fields as a form body (`application/x-www-form-urlencoded`, as IMS clients do), a JSON body, or the query string.',
  body: optionalBody(obj(tokenFields)),
  querystring: query(tokenFields),
  response: {
    200: obj(
      { access_token: desc(str, 'Send as `Authorization: Bearer <access_token>`'), token_type: desc(str, '`bearer`'), expires_in: desc(int, 'Lifetime in seconds') },
      ['access_token', 'token_type', 'expires_in'],
      { description: 'A bearer token' },
    ),
    '4xx': { description: 'An OAuth error, or a problem body for a malformed request', anyOf: [oauthError, { $ref: 'Problem#' }] },
  },
};

const credentialView = {
  id: str,
  name: str,
  orgId: str,
  apiKeyPrefix: desc(str, 'The first characters of the API key, to recognise it'),
  revoked: bool,
  createdAt: desc(int, 'Epoch milliseconds'),
};

export const listCredentialsSchema: JsonSchema = {
  tags,
  summary: 'List API credentials of the org',
  response: responses({ 200: obj({ credentials: arrayOf(obj(credentialView, ['id', 'name', 'orgId', 'revoked'])) }, ['credentials']) }),
};

export const createCredentialSchema: JsonSchema = {
  tags,
  summary: 'Create an API credential (the key and secret are shown once)',
  body: optionalBody(obj({ name: desc({ type: 'string', minLength: 1, maxLength: 256 }, 'A label for the credential (default `api`)') })),
  response: responses({
    201: obj(
      { ...credentialView, apiKey: desc(str, 'Send as `x-api-key` and as `client_id` to /ims/token/v3; shown only here'), clientSecret: desc(str, 'The `client_secret` for /ims/token/v3; shown only here') },
      ['id', 'apiKey', 'clientSecret'],
    ),
  }),
};

export const revokeCredentialSchema: JsonSchema = {
  tags,
  summary: 'Revoke an API credential',
  params: params('id'),
  response: responses({ 204: noContentResponse }),
};

export const revokeTokenSchema: JsonSchema = {
  tags,
  summary: 'Revoke a bearer token',
  body: closedObj({ token: desc({ type: 'string', minLength: 1 }, 'The access token to revoke') }, ['token']),
  response: responses({ 204: noContentResponse }),
};

export const whoamiSchema: JsonSchema = {
  tags: ['Auth'],
  summary: 'Who a bearer token and API key are: the org (for x-gw-ims-org-id), its tenant and the credential (the console signs in with it)',
  response: responses({
    200: obj(
      { orgId: str, tenantId: str, credentialId: str, credentialName: str, apiKeyPrefix: str, expiresAt: desc(str, 'ISO-8601: when the token expires') },
      ['orgId', 'tenantId', 'credentialId'],
    ),
  }),
};
