import { anyObject, anyValue, arrayOf, bool, desc, int, jsonPatch, noContentResponse, nullable, obj, params, query, responses, str, type JsonSchema } from '../http/schemas.js';

const tags = ['Schema Registry'];

const container = desc(str, '`global` (Adobe resources, read-only) or `tenant` (yours)');
const type = desc(str, '`schemas`, `fieldgroups` (or the older `mixins`), `datatypes` or `classes`');
const id = desc(str, 'The resource `$id` URL-encoded (`https%3A%2F%2Fns.adobe.com%2F…`) or its `meta:altId` (`_acme.schemas.…`)');
const resourceParams = (...names: Array<'container' | 'type' | 'id'>): JsonSchema => {
  const p = params(...names);
  const props = p.properties as Record<string, JsonSchema>;
  const docs = { container, type, id };
  for (const n of names) props[n] = { ...props[n], description: docs[n].description };
  return p;
};

/** An XDM resource as stored: open (JSON Schema plus `meta:` keys). */
const resource = obj(
  {
    'meta:altId': desc(str, 'Generated: `_{tenantId}.{type}.{hex}`, usable in paths'),
    'meta:resourceType': str,
    version: str,
    title: str,
    description: str,
  },
  [],
  // `$id` cannot be listed under properties: the OpenAPI generator would take it for a schema id
  { required: ['$id'], description: 'An XDM resource (schema, field group, data type or class). `$id` is generated: `https://ns.adobe.com/{tenantId}/{type}/{hex}`; use it in `allOf`, `schemaRef.id` and a dataset\'s `schemaRef`' },
);
const summary = obj({ 'meta:altId': str, version: str, title: anyValue }, ['$id'], { description: 'A resource summary (`$id`, `meta:altId`, `version`, `title`; Accept `application/vnd.adobe.xed-id+json`)' });
const page = obj({ orderby: str, next: nullable(str), count: int });
const listOf = (item: JsonSchema) => obj({ results: arrayOf(item), _page: page, _links: anyObject }, ['results']);

/** What to send to create or replace a tenant resource: JSON Schema composition; the registry adds its keys. */
const resourceBody = obj(
  {
    title: desc(str, 'Required by AEP'),
    description: str,
    type: desc(str, '`object`'),
    allOf: desc(arrayOf(anyObject), 'The class and field groups a schema is made of: `[{"$ref": "<class or field group $id>"}, …]`'),
    definitions: desc(anyObject, 'Field groups and data types: the fields they add (custom fields under `_{tenantId}`)'),
    'meta:extends': arrayOf(str),
    'meta:intendedToExtend': arrayOf(str),
    'meta:immutableTags': arrayOf(str),
  },
  [],
  { description: 'An XDM resource to create (see the AEP Schema Registry API)' },
);

export const statsSchema: JsonSchema = {
  tags,
  summary: 'Tenant id, counts and class usage',
  response: responses({
    200: obj({ imsOrg: str, tenantId: desc(str, 'Your tenant id: custom fields go under `_{tenantId}`'), counts: anyObject, recentlyCreatedResources: arrayOf(anyObject), recentlyUpdatedResources: arrayOf(anyObject), classUsage: anyObject }, ['tenantId']),
  }),
};

export const listBehaviorsSchema: JsonSchema = { tags, summary: 'List behaviors', response: responses({ 200: listOf(summary) }) };
export const getBehaviorSchema: JsonSchema = { tags, summary: 'Get a behavior', params: params('id'), response: responses({ 200: resource }) };

export const listResourcesSchema: JsonSchema = {
  tags,
  summary: 'List resources (Accept xed-id for summaries, xed for full)',
  params: resourceParams('container', 'type'),
  querystring: query({
    start: desc(int, 'Offset of the first result'),
    limit: desc(int, 'Page size, 1-300 (default 300)'),
    orderby: desc(str, 'A field to sort by, `-` prefix for descending (default `title`)'),
    property: desc(str, 'A filter `field==value`'),
  }),
  response: responses({ 200: listOf(resource) }),
};

export const getResourceSchema: JsonSchema = {
  tags,
  summary: 'Get a resource in an Accept variant (xed, xed-full, xed-notext, xed-full-notext, xed-full-desc)',
  params: resourceParams('container', 'type', 'id'),
  response: responses({ 200: resource }),
};

export const createResourceSchema: JsonSchema = {
  tags,
  summary: 'Create a tenant resource',
  params: resourceParams('container', 'type'),
  body: resourceBody,
  response: responses({ 201: resource }),
};

export const replaceResourceSchema: JsonSchema = {
  tags,
  summary: 'Replace a tenant resource',
  params: resourceParams('container', 'type', 'id'),
  body: resourceBody,
  response: responses({ 200: resource }),
};

export const patchResourceSchema: JsonSchema = {
  tags,
  summary: 'JSON-Patch a tenant resource',
  params: resourceParams('container', 'type', 'id'),
  body: jsonPatch,
  response: responses({ 200: resource }),
};

export const deleteResourceSchema: JsonSchema = { tags, summary: 'Delete a tenant resource', params: resourceParams('container', 'type', 'id'), response: responses({ 204: noContentResponse }) };

const descriptor = obj(
  {
    '@id': desc(str, 'Generated descriptor id'),
    '@type': desc(str, 'e.g. `xdm:descriptorIdentity`, `xdm:descriptorOneToOne`, `xdm:alternateDisplayInfo`'),
    'xdm:sourceSchema': desc(str, 'The `$id` of the tenant schema'),
    'xdm:sourceVersion': int,
    'xdm:sourceProperty': desc(str, 'A field path such as `/personalEmail/address`'),
    'xdm:namespace': desc({ type: ['string', 'integer'] }, 'Identity namespace code (identity descriptors)'),
    'xdm:property': str,
    'xdm:isPrimary': bool,
  },
  [],
  { description: 'A descriptor' },
);

export const listDescriptorsSchema: JsonSchema = {
  tags,
  summary: 'List descriptors (xdm-link: paths keyed by type; xdm: full objects; xdm-id: ids)',
  response: responses({ 200: { description: 'Descriptors: objects (Accept xdm), or paths or ids keyed by @type', anyOf: [arrayOf(descriptor), { type: 'object', additionalProperties: arrayOf(str) }] } }),
};
export const createDescriptorSchema: JsonSchema = {
  tags,
  summary: 'Create a descriptor (e.g. xdm:descriptorIdentity)',
  body: obj(descriptor.properties as Record<string, JsonSchema>, ['@type']),
  response: responses({ 201: descriptor }),
};
export const getDescriptorSchema: JsonSchema = { tags, summary: 'Get a descriptor', params: params('id'), response: responses({ 200: descriptor }) };
export const replaceDescriptorSchema: JsonSchema = {
  tags,
  summary: 'Replace a descriptor',
  params: params('id'),
  body: obj(descriptor.properties as Record<string, JsonSchema>, ['@type']),
  response: responses({ 201: obj({ '@id': str }, ['@id']) }),
};
export const deleteDescriptorSchema: JsonSchema = { tags, summary: 'Delete a descriptor', params: params('id'), response: responses({ 204: noContentResponse }) };

export const listUnionsSchema: JsonSchema = { tags, summary: 'List unions (one per class with profile-enabled schemas)', response: responses({ 200: listOf(summary) }) };
export const getUnionSchema: JsonSchema = { tags, summary: 'Get a union (merged view of its schemas)', params: params('id'), response: responses({ 200: resource }) };
