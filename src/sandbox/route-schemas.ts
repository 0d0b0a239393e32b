import { arrayOf, bool, desc, obj, optionalBody, params, responses, str, strEnum, int, anyObject, type JsonSchema } from '../http/schemas.js';

const tags = ['Sandbox Management'];

const sandbox = obj(
  {
    name: desc(str, 'Lowercase name, sent as `x-sandbox-name`'),
    title: str,
    state: strEnum(['active', 'deleted']),
    type: strEnum(['production', 'development']),
    isDefault: bool,
    region: str,
    eTag: int,
    createdDate: desc(str, 'ISO 8601'),
    lastModifiedDate: desc(str, 'ISO 8601'),
    createdBy: str,
    lastModifiedBy: str,
  },
  ['name', 'title', 'state', 'type'],
  { description: 'A sandbox' },
);

export const listSandboxesSchema: JsonSchema = {
  tags,
  summary: 'List sandboxes',
  response: responses({ 200: obj({ sandboxes: arrayOf(sandbox), _page: anyObject, _links: anyObject }, ['sandboxes']) }),
};

export const getSandboxSchema: JsonSchema = { tags, summary: 'Get a sandbox', params: params('name'), response: responses({ 200: sandbox }) };

export const createSandboxSchema: JsonSchema = {
  tags,
  summary: 'Create a sandbox',
  body: obj(
    {
      name: desc(str, 'Lowercase letters, digits and hyphens (`^[a-z0-9][a-z0-9-]{0,255}$`)'),
      title: desc(str, 'Display name'),
      type: strEnum(['production', 'development']),
    },
    [],
  ),
  response: responses({ 201: sandbox }),
};

export const updateSandboxSchema: JsonSchema = {
  tags,
  summary: 'Update a sandbox title',
  params: params('name'),
  body: optionalBody(obj({ title: str })),
  response: responses({ 200: sandbox }),
};

export const deleteSandboxSchema: JsonSchema = { tags, summary: 'Delete a sandbox', params: params('name'), response: responses({ 200: sandbox }) };

export const sandboxTypesSchema: JsonSchema = {
  tags,
  summary: 'List sandbox types',
  response: responses({ 200: obj({ sandboxTypes: arrayOf(str) }, ['sandboxTypes']) }),
};
