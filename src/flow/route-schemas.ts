import { anyObject, arrayOf, bool, desc, int, jsonPatch, noContentResponse, obj, params, query, responses, str, strEnum, type JsonSchema } from '../http/schemas.js';

const tags = ['Flow Service'];

export type FlowKind = 'connections' | 'sourceConnections' | 'targetConnections' | 'flows';

/**
 * `auth.params` of the built-in source connections (Segment, Web SDK, Shopify), with the keys Kith generates, listed
 * beside `inletId`/`inletUrl` so `/docs` says where each key comes back.
 */
const sourceConnectionAuthParams: Record<string, JsonSchema> = {
  writeKey: { ...str, description: 'Segment source (spec 3f2a6c1e-…): generated (kith_wk_ + 32 hex) unless given; the Basic user name (or body writeKey) for /v1/*' },
  datastreamId: { ...str, description: 'Web SDK datastream (spec 6d1e2f3a-…): generated (a UUID) unless given; alloy\'s datastreamId, sent as ?configId= to /ee/*' },
  defaultConsent: { ...str, description: 'Web SDK datastream: in, out or pending until the visitor decides' },
  userIdNamespace: { ...str, description: 'Segment source: the namespace of userId (default SegmentUserId)' },
  shopDomain: { ...str, description: 'Shopify source (spec 8c6a9b2e-…): the *.myshopify.com domain; webhooks go to /sources/shopify/{connectionId}/webhooks' },
  clientId: { ...str, description: 'Shopify source: the app client id (OAuth install)' },
  clientSecret: { ...str, description: 'Shopify source: the app client secret (HMAC key); masked as *** in responses' },
  profileDataSetId: { ...str, description: 'Sources: the profile dataset (default: one Kith creates)' },
  eventDataSetId: { ...str, description: 'Sources: the event dataset (default: one Kith creates)' },
};

const spec = (what: string) => obj({ id: desc(str, what), version: str }, ['id']);

/** What each kind of entity takes; everything else is kept as sent (AEP entities carry more). */
const createBodies: Record<FlowKind, JsonSchema> = {
  connections: obj(
    {
      name: str,
      description: str,
      connectionSpec: spec('`bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb` for a streaming (HTTP API) connection'),
      auth: obj({
        specName: desc(str, '`Streaming Connection`'),
        params: obj({
          dataType: desc(str, '`xdm` (envelopes) or `raw` (any JSON, mapped by a dataflow)'),
          authenticationRequired: desc(bool, 'When true, /collection requires `Authorization: Bearer <token>`'),
          sourceId: str,
          name: str,
          ...sourceConnectionAuthParams,
        }),
      }),
    },
    [],
    { description: 'A base connection; a streaming one gets an inlet (see `auth.params.inletUrl` on GET)' },
  ),
  sourceConnections: obj({ name: str, description: str, baseConnectionId: desc(str, 'The base connection id'), connectionSpec: spec('The base connection\'s spec id'), params: anyObject }),
  targetConnections: obj({
    name: str,
    description: str,
    data: obj({ schema: obj({ id: desc(str, 'The target schema `$id`'), version: str }) }),
    params: obj({ dataSetId: desc(str, 'The dataset records land in') }),
    connectionSpec: spec('`c604ff05-7f1a-43c0-8e18-33bf874cb11c` (data lake)'),
  }),
  flows: obj({
    name: str,
    description: str,
    flowSpec: spec('`d8a6f005-7eaf-4153-983e-e8574508b877` (no mapping) or `c1a19761-d2c7-4702-b9fa-fe91f0613e81` (with a Mapping transformation)'),
    sourceConnectionIds: arrayOf(str),
    targetConnectionIds: arrayOf(str),
    transformations: desc(arrayOf(obj({ name: desc(str, '`Mapping`'), params: obj({ mappingId: str, mappingVersion: int }) })), 'The mapping set to apply to raw data'),
  }),
};

const entity = obj(
  {
    id: str,
    name: str,
    state: str,
    etag: desc(str, 'Send as `If-Match` to PATCH'),
    auth: obj(
      { params: obj({ inletId: desc(str, 'Generated: the id in `/collection/{inletId}`'), inletUrl: desc(str, 'Generated: where to POST messages'), ...sourceConnectionAuthParams }) },
      [],
      { description: 'Connection credentials (secrets masked). Generated keys come back here: a streaming connection\'s `inletId` and `inletUrl`, a Segment source\'s `writeKey`, a Web SDK datastream\'s `datastreamId`' },
    ),
    createdAt: desc(int, 'Epoch milliseconds'),
    updatedAt: desc(int, 'Epoch milliseconds'),
  },
  ['id'],
);
/** AEP's body when If-Match does not carry the current etag. */
const etagMismatch = obj({ errorMessage: str }, ['errorMessage'], { description: 'The etag in If-Match is not the current one: GET the entity again' });
const created = obj({ id: desc(str, 'The new entity id (for flows: the `flowId`)'), etag: str }, ['id', 'etag']);

export function flowSchemas(kind: FlowKind): Record<'create' | 'list' | 'get' | 'patch' | 'remove', JsonSchema> {
  return {
    create: { tags, summary: `Create ${kind}`, body: createBodies[kind], response: responses({ 201: created }) },
    list: {
      tags,
      summary: `List ${kind}`,
      querystring: query({ property: desc({ anyOf: [str, arrayOf(str)] }, 'Filters `path==value`, `path!=value` or `path` (exists); repeat to AND them') }),
      response: responses({ 200: obj({ items: arrayOf(entity) }, ['items']) }),
    },
    get: { tags, summary: `Get ${kind}`, params: params('id'), response: responses({ 200: obj({ items: arrayOf(entity, { minItems: 1, maxItems: 1 }) }, ['items'], { description: 'The entity, as `items[0]`' }) }) },
    patch: { tags, summary: `JSON-Patch ${kind} (If-Match etag required)`, params: params('id'), body: jsonPatch, response: responses({ 200: created }, [etagMismatch]) },
    remove: { tags, summary: `Delete ${kind}`, params: params('id'), response: responses({ 204: noContentResponse }) },
  };
}

const prep = ['Data Prep'];
const mappingSetMeta = { id: str, version: int, createdDate: int, modifiedDate: int, createdBy: str, modifiedBy: str };
const mappingSet = obj(
  {
    ...mappingSetMeta,
    xdmSchema: desc(str, 'The target schema `$id`'),
    xdmVersion: str,
    mappings: arrayOf(anyObject),
  },
  ['id'],
);

export const createMappingSetSchema: JsonSchema = {
  tags: prep,
  summary: 'Create a mapping set',
  body: obj({
    xdmSchema: desc(str, 'The target schema `$id`'),
    xdmVersion: str,
    version: int,
    mappings: desc(
      arrayOf(obj({ sourceType: desc(str, '`ATTRIBUTE` or `EXPRESSION`'), source: str, sourceAttribute: str, destination: str, destinationXdmPath: desc(str, 'e.g. `person.name.firstName`'), identity: bool })),
      'One mapping per destination field',
    ),
  }),
  response: responses({ 201: obj(mappingSetMeta, ['id', 'version']) }),
};
export const listMappingSetsSchema: JsonSchema = { tags: prep, summary: 'List mapping sets', response: responses({ 200: obj({ data: arrayOf(mappingSet) }, ['data']) }) };
export const getMappingSetSchema: JsonSchema = { tags: prep, summary: 'Get a mapping set', params: params('id'), response: responses({ 200: mappingSet }) };

const itags = ['Legacy inlets'];
const inlet = obj(
  {
    inletId: desc(str, 'Generated: the id in `/collection/{inletId}`'),
    inletUrl: desc(str, 'Generated: where to POST messages'),
    imsOrg: str,
    sourceId: str,
    dataType: strEnum(['xdm', 'raw']),
    name: str,
    description: str,
    authenticationRequired: bool,
    validationRequired: bool,
    createdAt: desc(str, 'ISO 8601'),
    modifiedAt: desc(str, 'ISO 8601'),
    createdBy: str,
    modifiedBy: str,
  },
  ['inletId', 'inletUrl'],
);

export const createInletSchema: JsonSchema = {
  tags: itags,
  summary: 'Create a data inlet (legacy)',
  body: obj({ name: str, description: str, sourceId: str, dataType: desc(str, '`xdm` (default) or `raw`'), authenticationRequired: bool }),
  response: responses({ 201: inlet }),
};
export const listInletsSchema: JsonSchema = { tags: itags, summary: 'List data inlets (legacy): {"data": [...]}', response: responses({ 200: obj({ data: arrayOf(inlet) }, ['data']) }) };
export const getInletSchema: JsonSchema = { tags: itags, summary: 'Get a data inlet (legacy)', params: params('id'), response: responses({ 200: inlet }) };
export const deleteInletSchema: JsonSchema = { tags: itags, summary: 'Delete a data inlet (legacy)', params: params('id'), response: responses({ 204: noContentResponse }) };
