import { anyObject, anyValue, arrayOf, bool, int, noContentResponse, num, obj, params, query, responses, str, type JsonSchema } from '../http/schemas.js';

/** Request and response schemas of the Segmentation routes (routes.ts); AEP's shapes are in aep-api.md §6. */
const TAGS = ['Segmentation'];
const route = (summary: string, s: JsonSchema): JsonSchema => ({ tags: TAGS, summary, ...s });

const sandbox = obj({ sandboxId: str, sandboxName: str, type: str, default: bool });
const expression = obj({ type: { ...str, description: 'PQL' }, format: { ...str, description: 'pql/text (input) or pql/json' }, value: { anyOf: [str, anyObject], description: 'The PQL expression' } });
const enabled = obj({ enabled: bool });
const evaluationInfo = obj({ batch: enabled, continuous: { ...enabled, description: 'Streaming' }, synchronous: { ...enabled, description: 'Edge' } }, [], { description: 'Empty: batch' });
const schemaRef = obj({ name: str, id: str });

const definition = obj(
  {
    id: str,
    name: str,
    description: str,
    imsOrgId: str,
    sandbox,
    profileInstanceId: str,
    expression,
    evaluationInfo,
    schema: schemaRef,
    mergePolicyId: str,
    ttlInDays: int,
    dataGovernancePolicy: anyObject,
    creationTime: num,
    updateEpoch: num,
    updateTime: num,
  },
  ['id', 'name'],
  { description: 'A segment definition' },
);
const definitionWrite = obj(
  { name: str, description: str, profileInstanceId: str, expression, evaluationInfo, schema: schemaRef, mergePolicyId: str, ttlInDays: int, payloadSchema: str },
  [],
  { description: 'name, schema and expression (type PQL, format pql/text) are required to create' },
);
const job = obj(
  { id: str, imsOrgId: str, sandbox, status: { ...str, description: 'NEW, QUEUED, PROCESSING, SUCCEEDED, FAILED, CANCELLING, CANCELLED' }, segments: arrayOf(anyObject), metrics: anyObject, creationTime: num, updateTime: num },
  ['id', 'status'],
  { description: 'A segment job' },
);
const schedule = obj(
  { id: str, name: str, type: str, properties: anyObject, schedule: { ...str, description: 'Quartz cron (UTC)' }, state: { ...str, description: 'active or inactive' }, imsOrgId: str, sandbox },
  ['id'],
  { description: 'A schedule' },
);
const audience = obj(
  { id: str, audienceId: str, name: str, description: str, type: { ...str, description: 'SegmentDefinition or ExternalSegment' }, expression, evaluationInfo, namespace: str, metrics: anyObject },
  ['id'],
  { description: 'An audience' },
);
const audienceWrite = obj(
  { name: str, description: str, type: str, expression, evaluationInfo, schema: schemaRef, mergePolicyId: str, namespace: str, audienceId: str, labels: arrayOf(str), ttlInDays: int, originName: str },
  [],
  { description: 'An audience (type SegmentDefinition with an expression, or ExternalSegment)' },
);
const exportJob = obj({ id: anyValue, status: str, filter: anyObject, destination: anyObject, metrics: anyObject, file: str }, ['status'], { description: 'An export job' });
const patchOps = arrayOf(obj({ op: str, path: str, value: anyValue }, ['op', 'path']), { description: 'JSON Patch' });
const bulkIds = obj({ ids: arrayOf(obj({ id: str }, ['id'])) }, ['ids']);
const bulkResults = (item: JsonSchema) => ({ ...obj({ results: { type: 'object', additionalProperties: { anyOf: [item, obj({ status: int }, ['status'])] } } }, ['results']), description: 'One result per id' });
const listPage = (key: string, item: JsonSchema): JsonSchema => obj({ [key]: arrayOf(item), _page: anyObject, page: anyObject, _links: anyObject, link: anyObject }, [key]);
const paging = { start: { ...str, description: 'Offset' }, limit: { ...str, description: 'Page size' } };
const searchQuery = query({ 'schema.name': { ...str, description: '_xdm.context.segmentdefinition' }, namespace: str, s: { ...str, description: 'Search expression (Lucene-style)' }, entityId: str, limit: str, page: str });

export const segmentRouteSchemas = {
  listDefinitions: route('List segment definitions', {
    querystring: query({ ...paging, sort: { ...str, description: 'e.g. updateTime:desc' }, name: str, 'evaluationInfo.continuous.enabled': str }),
    response: responses({ 200: obj({ segments: arrayOf(definition), page: anyObject, link: anyObject }, ['segments']) }),
  }),
  createDefinition: route('Create a segment definition (PQL)', { body: definitionWrite, response: responses({ 200: definition }) }),
  bulkGetDefinitions: route('Get several segment definitions', { body: bulkIds, response: responses({ 207: bulkResults(definition) }) }),
  getDefinition: route('Get a segment definition', { params: params('id'), response: responses({ 200: definition }) }),
  patchDefinition: route('Update a segment definition', { params: params('id'), body: definitionWrite, response: responses({ 200: definition }) }),
  deleteDefinition: route('Delete a segment definition', { params: params('id'), response: responses({ 200: definition }) }),
  conversion: route("Convert a segment definition's expression between pql/text and pql/json", {
    body: obj({ expression, description: str, targetFormat: { ...str, description: 'pql/json or pql/text' } }, ['expression']),
    response: responses({ 200: obj({ imsOrgId: str, sandbox, description: str, expression }, ['expression']) }),
  }),
  listJobs: route('List segment jobs', {
    querystring: query({ ...paging, status: str, sort: str, property: { ...str, description: 'segments~segmentId==<id>' } }),
    response: responses({ 200: listPage('children', job) }),
  }),
  createJob: route('Evaluate segment definitions in batch', {
    body: arrayOf(obj({ segmentId: { ...str, description: 'A definition id, or * for all' } }, ['segmentId']), { minItems: 1 }),
    response: responses({ 200: job }),
  }),
  bulkGetJobs: route('Get several segment jobs', { body: bulkIds, response: responses({ 207: bulkResults(job) }) }),
  getJob: route('Get a segment job', { params: params('id'), response: responses({ 200: job }) }),
  cancelJob: route('Cancel a segment job', { params: params('id'), response: responses({ 200: job }) }),
  listSchedules: route('List schedules', { querystring: query(paging), response: responses({ 200: listPage('children', schedule) }) }),
  createSchedule: route('Create a schedule (batch segmentation by a Quartz cron expression, UTC, at most daily)', {
    body: obj({ name: str, type: { ...str, description: 'batch_segmentation' }, properties: obj({ segments: arrayOf(str) }), schedule: str, state: str }, [], { description: 'name, type and properties are required' }),
    response: responses({ 200: schedule }),
  }),
  getSchedule: route('Get a schedule', { params: params('id'), response: responses({ 200: schedule }) }),
  patchSchedule: route("Change a schedule's state or cron (JSON Patch of /state, /schedule)", { params: params('id'), body: patchOps, response: responses({ 204: noContentResponse }) }),
  deleteSchedule: route('Delete a schedule', { params: params('id'), response: responses({ 204: noContentResponse }) }),
  createPreview: route('Preview the profiles qualifying for a PQL expression', {
    body: obj({ predicateExpression: { ...str, description: 'PQL text' }, predicateType: str, predicateModel: str, graphType: str, mergeStrategy: str }, ['predicateExpression']),
    response: responses({ 200: obj({ previewId: str, state: str }, ['previewId']) }),
  }),
  getPreview: route('Get preview results', { params: params('id'), querystring: query({ limit: str, offset: str }), response: responses({ 200: obj({ state: str, results: arrayOf(anyObject) }) }) }),
  deletePreview: route('Delete a preview', { params: params('id'), response: responses({ 200: obj({ deleted: bool }) }) }),
  getEstimate: route('Get the size estimate of a preview', { params: params('id'), response: responses({ 200: obj({ state: str, estimatedSize: num, profilesReadSoFar: num }) }) }),
  listAudiences: route("List audiences (Kith's with their sizes, and external ones)", {
    querystring: query({ ...paging, name: str, description: str, property: str, sort: str }),
    response: responses({ 200: listPage('children', audience) }),
  }),
  createAudience: route('Create an audience (SegmentDefinition: evaluated by Kith; ExternalSegment: made elsewhere)', { body: audienceWrite, response: responses({ 200: audience }) }),
  bulkGetAudiences: route('Get several audiences', { body: bulkIds, response: responses({ 207: bulkResults(audience) }) }),
  getAudience: route('Get an audience with its size', { params: params('id'), response: responses({ 200: audience }) }),
  putAudience: route('Replace an audience', { params: params('id'), body: audienceWrite, response: responses({ 200: audience }) }),
  patchAudience: route('Change fields of an audience (JSON Patch add/replace of top-level fields)', { params: params('id'), body: patchOps, response: responses({ 200: audience }) }),
  deleteAudience: route('Delete an audience', { params: params('id'), response: responses({ 204: noContentResponse }) }),
  searchNamespaces: route('Audience counts per namespace, optionally matching a search expression', { querystring: searchQuery, response: responses({ 200: obj({ namespaces: arrayOf(anyObject), totalCount: int, status: anyObject }) }) }),
  searchEntities: route('Search the audiences of a namespace (Lucene-style s=)', { querystring: searchQuery, response: responses({ 200: obj({ entities: arrayOf(anyObject), page: anyObject, status: anyObject }) }) }),
  searchTaxonomy: route('The folder path of a search object', { querystring: searchQuery, response: responses({ 200: obj({ taxonomy: arrayOf(anyObject), status: anyObject }) }) }),
  listExports: route('List export jobs', { querystring: query({ limit: str, offset: str }), response: responses({ 200: obj({ records: arrayOf(exportJob), page: anyObject, link: anyObject }, ['records']) }) }),
  createExport: route('Export the members of audiences to a dataset or a JSON-lines file', {
    body: obj({ fields: str, filter: anyObject, mergePolicy: anyObject, destination: anyObject, schema: schemaRef, evaluationInfo: anyObject, additionalFields: anyObject }, [], { description: 'filter.segments (audience ids) and destination (a dataset, or a file)' }),
    response: responses({ 200: exportJob }),
  }),
  getExport: route('Get an export job', { params: params('id'), response: responses({ 200: exportJob }) }),
  downloadExport: route('Download exported profiles (JSON lines)', {
    params: params('id'),
    // a stream (application/x-ndjson), not JSON: described, no JSON schema
    response: responses({ 200: { description: 'JSON lines (application/x-ndjson): one exported profile per line' } }),
  }),
  deleteExport: route('Delete an export job', { params: params('id'), response: responses({ 200: exportJob }) }),
};
