import { anyObject, anyValue, arrayOf, bool, int, noContentResponse, num, obj, params, query, responses, str, strEnum, type JsonSchema } from '../http/schemas.js';

/** Request and response schemas of the Real-Time Customer Profile routes (routes.ts); AEP's shapes are in aep-api.md §5. */
const TAGS = ['Real-Time Customer Profile'];
const CA_TAGS = ['Computed attributes'];
const route = (tags: string[], summary: string, s: JsonSchema): JsonSchema => ({ tags, summary, ...s });

const schemaName = { type: 'string', description: '_xdm.context.profile or _xdm.context.experienceevent (also without the leading underscore)' };
/** A query parameter that may repeat (the last value counts, except `property`). */
const qs = (description: string): JsonSchema => ({ anyOf: [str, arrayOf(str)], description });
const boolish: JsonSchema = { anyOf: [bool, strEnum(['true', 'false'])] };

const profileEntity = obj(
  {
    entityId: { ...str, description: "The profile's entity id (XID of the graph's highest-priority identity)" },
    mergePolicy: obj({ id: str }),
    sources: arrayOf(str, { description: 'Contributing dataset ids' }),
    tags: arrayOf(str, { description: 'Contributing xactionIds / batch ids' }),
    identityGraph: arrayOf(str, { description: 'XIDs of the stitched graph' }),
    entity: { ...anyObject, description: 'The merged XDM profile' },
    lastModifiedAt: { ...str, description: 'ISO-8601 UTC, seconds' },
    provenance: { type: 'object', additionalProperties: obj({ datasetId: str, identity: str, eventTime: str, ingestedAt: str }), description: 'Kith, with withProvenance=true: dotted attribute path → the fragment its value came from (dataset, identity, event time, ingestion time)' },
    error: { ...anyObject, description: 'This identity failed (207)' },
  },
  ['entityId'],
);
const eventChild = obj({ relatedEntityId: str, entityId: { ...str, description: "The event's _id" }, timestamp: { ...int, description: 'Epoch ms' }, entity: anyObject, lastModifiedAt: str });
const eventsPage = obj(
  {
    _page: obj({ orderby: str, start: str, count: int, next: { ...str, description: 'Event id of the next page, "" on the last' } }),
    children: arrayOf(eventChild),
    _links: obj({ next: obj({ href: str, payload: { ...anyObject, description: 'POST: the request for the next page' } }) }),
  },
  ['_page', 'children'],
);
const profileMap: JsonSchema = { type: 'object', additionalProperties: profileEntity, description: 'Profiles keyed by entity id' };

const entitiesQuery = query({
  'schema.name': qs(schemaName.description),
  entityId: qs('An identity value, or an XID (then omit entityIdNS)'),
  entityIdNS: qs('Namespace code of entityId'),
  fields: qs('Comma-separated dotted paths'),
  mergePolicyId: qs('Default: the sandbox default policy'),
  withCA: qs('true: include computed attributes'),
  withProvenance: qs('true: add `provenance`, the source of each attribute (Kith)'),
  'relatedSchema.name': qs('_xdm.context.profile (events)'),
  relatedEntityId: qs('Events: the profile identity value or XID'),
  relatedEntityIdNS: qs('Events: namespace code of relatedEntityId'),
  startTime: qs('Events: inclusive, epoch ms'),
  endTime: qs('Events: exclusive, epoch ms'),
  limit: qs('Events: page size (default 1000)'),
  orderby: qs('Events: timestamp, +timestamp or -timestamp'),
  orderBy: qs('Alias of orderby'),
  start: qs('Events: the event id a page starts at (from _links.next)'),
  property: qs('Events: up to three filters, e.g. web.webPageDetails.isHomepage=true'),
});
const nsRef = obj({ code: str });
const entitiesBody = obj(
  {
    schema: obj({ name: schemaName }, ['name']),
    relatedSchema: obj({ name: schemaName }),
    identities: arrayOf(obj({ entityId: str, entityIdNS: nsRef, relatedEntityId: str, relatedEntityIdNS: nsRef, start: str }), { maxItems: 100, description: 'Profiles: {entityId, entityIdNS}; events: {relatedEntityId, relatedEntityIdNS}' }),
    fields: arrayOf(str),
    mergePolicyId: str,
    withCA: bool,
    timeFilter: obj({ startTime: int, endTime: int }),
    limit: int,
    orderby: str,
  },
  [],
  { description: 'Many profiles (schema.name profile) or the events of many profiles (schema.name experienceevent)' },
);

const mergePolicy = obj(
  {
    id: str,
    name: str,
    imsOrgId: str,
    sandbox: obj({ sandboxId: str, sandboxName: str, type: str, default: bool }),
    schema: obj({ name: str }),
    version: int,
    identityGraph: obj({ type: { ...str, description: 'none (no stitching) or pdg (private identity graph)' } }),
    attributeMerge: obj({ type: { ...str, description: 'timestampOrdered or dataSetPrecedence' }, order: arrayOf(str, { description: 'dataSetPrecedence: dataset ids, first wins' }) }),
    isActiveOnEdge: bool,
    default: bool,
    updateEpoch: int,
  },
  ['id', 'name'],
  { description: 'A merge policy' },
);
const mergePolicyWrite = obj(
  {
    name: str,
    identityGraph: obj({ type: str }),
    attributeMerge: obj({ type: str, order: arrayOf(str) }),
    schema: obj({ name: str }),
    isActiveOnEdge: boolish,
    default: boolish,
  },
  [],
  { description: 'name, identityGraph, attributeMerge and schema are required to create' },
);
const patchOp = obj({ op: str, path: str, value: anyValue }, ['op', 'path']);
const bulkIds = obj({ ids: arrayOf(obj({ id: str }, ['id'])) }, ['ids']);

const job = obj({ id: str, imsOrgId: str, dataSetId: str, batchId: str, jobType: str, status: str, metrics: obj({ startTime: str, endTime: str, rowsRemoved: int }), requestId: str, createEpoch: int }, ['id']);
const ca = obj(
  {
    id: str,
    name: str,
    displayName: str,
    description: str,
    expression: obj({ function: { ...str, description: 'SUM, COUNT, MAX, MIN or MOST_RECENT' }, eventPath: str, eventType: str, lookbackDays: num }),
    status: str,
    createEpoch: int,
    updateEpoch: int,
  },
  ['id', 'name'],
);
const caWrite = obj({ name: str, displayName: str, description: str, expression: obj({ function: str, eventPath: str, eventType: str, lookbackDays: num }) });
const emptyBody: JsonSchema = { description: 'Empty body' };

export const profileRouteSchemas = {
  getEntities: route(TAGS, 'Get a profile or its ExperienceEvents', {
    querystring: entitiesQuery,
    response: responses({ 200: { description: 'A profile keyed by its entity id, or a page of ExperienceEvents', anyOf: [eventsPage, profileMap] } }),
  }),
  postEntities: route(TAGS, 'Get many profiles or their ExperienceEvents', {
    body: entitiesBody,
    response: responses({
      200: { type: 'object', additionalProperties: { anyOf: [profileEntity, eventsPage, obj({ error: anyObject }, ['error'])] }, description: 'Keyed by entity id (profiles) or relatedEntityId (events)' },
      207: { type: 'object', additionalProperties: { anyOf: [profileEntity, eventsPage, obj({ error: anyObject }, ['error'])] }, description: 'Some identities failed: their entries carry `error`' },
    }),
  }),
  deleteEntity: route(TAGS, 'Delete a profile by identity', {
    querystring: query({ 'schema.name': schemaName, entityId: str, entityIdNS: str }),
    response: responses({ 202: emptyBody }),
  }),
  listMergePolicies: route(TAGS, 'List merge policies', {
    querystring: query({
      limit: { ...str, description: 'Page size (default 20)' },
      start: { ...str, description: 'Offset' },
      'schema.name': schemaName,
      default: str,
      isActiveOnEdge: str,
      'identityGraph.type': str,
      'attributeMerge.type': str,
      version: str,
      orderBy: { ...str, description: 'name, updateEpoch or id, - for descending' },
      orderby: str,
    }),
    response: responses({ 200: obj({ _page: obj({ totalCount: int, pageSize: int }), children: arrayOf(mergePolicy), _links: obj({ next: obj({ href: str }) }) }, ['_page', 'children']) }),
  }),
  createMergePolicy: route(TAGS, 'Create a merge policy', { body: mergePolicyWrite, response: responses({ 200: mergePolicy }) }),
  bulkGetMergePolicies: route(TAGS, 'Get several merge policies', {
    body: bulkIds,
    response: responses({ 207: obj({ results: { type: 'object', additionalProperties: { anyOf: [mergePolicy, obj({ status: int, error: anyObject }, ['status'])] } } }, ['results']) }),
  }),
  getMergePolicy: route(TAGS, 'Get a merge policy', { params: params('id'), response: responses({ 200: mergePolicy }) }),
  putMergePolicy: route(TAGS, 'Replace a merge policy', { params: params('id'), body: mergePolicyWrite, response: responses({ 200: mergePolicy }) }),
  patchMergePolicy: route(TAGS, 'Patch a merge policy', {
    params: params('id'),
    body: { anyOf: [patchOp, arrayOf(patchOp)], description: 'A JSON Patch op (add|replace of /name, /identityGraph.type, /attributeMerge.type, /schema.name, /version, /default, /isActiveOnEdge) or an array of them' },
    response: responses({ 200: mergePolicy }),
  }),
  deleteMergePolicy: route(TAGS, 'Delete a merge policy', { params: params('id'), response: responses({ 200: emptyBody }) }),
  createJob: route(TAGS, 'Delete profile data by dataset or batch', {
    body: obj({ dataSetId: str, batchId: str }, [], { description: 'Exactly one of dataSetId or batchId' }),
    response: responses({ 200: job }),
  }),
  listJobs: route(TAGS, 'List profile system jobs', { response: responses({ 200: obj({ _page: obj({ count: int, next: str }), children: arrayOf(job) }, ['children']) }) }),
  getJob: route(TAGS, 'Get a profile system job', { params: params('id'), response: responses({ 200: job }) }),
  deleteJob: route(TAGS, 'Delete a profile system job', { params: params('id'), response: responses({ 204: noContentResponse }) }),
  listCa: route(CA_TAGS, 'List computed attributes', { response: responses({ 200: obj({ _page: obj({ totalCount: int, pageSize: int }), computedAttributes: arrayOf(ca), _links: anyObject }, ['computedAttributes']) }) }),
  createCa: route(CA_TAGS, 'Create a computed attribute', { body: caWrite, response: responses({ 200: ca }) }),
  getCa: route(CA_TAGS, 'Get a computed attribute', { params: params('id'), response: responses({ 200: ca }) }),
  patchCa: route(CA_TAGS, 'Update a computed attribute', { params: params('id'), body: obj({ displayName: str, description: str }, [], { description: 'Only displayName and description can change' }), response: responses({ 200: ca }) }),
  deleteCa: route(CA_TAGS, 'Delete a computed attribute', { params: params('id'), response: responses({ 204: noContentResponse }) }),
};
