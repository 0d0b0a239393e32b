import { anyObject, arrayOf, bool, desc, int, jsonPatch, obj, params, query, responses, str, type JsonSchema } from '../http/schemas.js';

const tags = ['Catalog'];

const schemaRef = obj({ id: desc(str, 'The schema `$id`'), contentType: desc(str, 'e.g. `application/vnd.adobe.xed+json;version=1`') }, [], { description: 'The XDM schema of the dataset' });
const datasetTags = desc(
  { type: 'object', additionalProperties: arrayOf(str) },
  'String arrays by tag: `unifiedProfile: ["enabled:true"]` sends the data to Profile, `unifiedIdentity: ["enabled:true"]` to Identity; `adobe/pqs/table` is the table name for queries',
);
const datasetFields = {
  name: desc(str, 'Dataset name (its Query Service table name derives from it)'),
  description: str,
  schemaRef,
  schema: desc(str, 'Legacy schema reference such as `@/xdms/context/experienceevent`'),
  tags: datasetTags,
  fileDescription: obj({ persisted: bool, containerFormat: str, format: str }),
  enableErrorDiagnostics: bool,
  dataSourceId: { type: ['string', 'integer'] },
};

const dataset = obj(
  { ...datasetFields, imsOrg: str, version: str, created: desc(int, 'Epoch milliseconds'), updated: desc(int, 'Epoch milliseconds'), viewId: str, files: str, lastBatchId: str, lastBatchStatus: str },
  [],
  { description: 'A dataset' },
);
const keyedBy = (item: JsonSchema, what: string): JsonSchema => ({ type: 'object', additionalProperties: item, description: `${what}, keyed by id` });
/** `["@/dataSets/{id}"]`: clients strip the prefix to get the id. */
const datasetRef = desc(arrayOf(str, { minItems: 1 }), 'One string `@/dataSets/{id}` (strip `@/dataSets/` for the id)');

const batch = obj(
  {
    id: str,
    imsOrg: str,
    status: desc(str, '`loading`, `staging`, `processing`, `success`, `failed`, `aborted`, …'),
    created: int,
    updated: int,
    createdClient: str,
    externalId: str,
    recordCount: int,
    failedRecordCount: int,
    errors: arrayOf(anyObject),
    relatedObjects: desc(arrayOf(obj({ type: str, id: str })), 'The dataset: `[{"type": "dataSet", "id": …}]`'),
    inputFormat: anyObject,
    metrics: anyObject,
  },
  [],
  { description: 'A batch' },
);

const listQuery = {
  limit: desc(str, 'Page size, 1-100 (default 50)'),
  start: desc(str, 'Zero-based offset'),
  orderBy: desc(str, 'e.g. `desc:created`'),
  property: desc({ anyOf: [str, arrayOf(str)] }, 'Conditions: `field`, `!field`, `field=v`, `field!=v`, `field<v`, `field>v` (repeatable)'),
  properties: desc({ anyOf: [str, arrayOf(str)] }, 'Comma-separated fields to return'),
};

export const createDatasetSchema: JsonSchema = {
  tags,
  summary: 'Create a dataset',
  querystring: query({ requestDataSource: bool }),
  body: obj(datasetFields, [], { description: 'The dataset to create' }),
  response: responses({ 201: datasetRef }),
};

export const listDatasetsSchema: JsonSchema = {
  tags,
  summary: 'List datasets (keyed by id; properties=, limit= 1-100 (default 50), start= offset, orderBy=desc:created, name=, property=)',
  querystring: query({ ...listQuery, name: desc(str, 'Filter by name (comma-separated values)') }),
  response: responses({ 200: keyedBy(dataset, 'Datasets') }),
};

export const getDatasetSchema: JsonSchema = {
  tags,
  summary: 'Get a dataset',
  params: params('id'),
  querystring: query({ properties: listQuery.properties }),
  response: responses({ 200: keyedBy(dataset, 'The dataset') }),
};

export const patchDatasetSchema: JsonSchema = {
  tags,
  summary: 'JSON-Patch a dataset (tags unifiedProfile / unifiedIdentity, name, description)',
  description: 'Send `application/json-patch+json`, e.g. `[{"op":"add","path":"/tags/unifiedProfile","value":["enabled:true"]}]`.',
  params: params('id'),
  body: { anyOf: [jsonPatch, anyObject], description: 'JSON-Patch operations (or an object of fields to merge)' },
  response: responses({ 200: datasetRef }),
};

export const replaceDatasetSchema: JsonSchema = { tags, summary: 'Replace a dataset', params: params('id'), body: obj(datasetFields), response: responses({ 200: datasetRef }) };
export const deleteDatasetSchema: JsonSchema = { tags, summary: 'Delete a dataset', params: params('id'), response: responses({ 200: datasetRef }) };

export const listBatchesSchema: JsonSchema = {
  tags,
  summary: 'List batches (keyed by id; dataSet=, status=, limit= 1-100 (default 50), start= offset, orderBy=desc:created, property=)',
  querystring: query({ ...listQuery, dataSet: desc({ anyOf: [str, arrayOf(str)] }, 'Dataset ids (comma-separated)'), status: desc({ anyOf: [str, arrayOf(str)] }, 'Statuses (comma-separated)') }),
  response: responses({ 200: keyedBy(batch, 'Batches') }),
};

export const getBatchSchema: JsonSchema = {
  tags,
  summary: 'Get a batch (status, recordCount, failedRecordCount, errors)',
  params: params('id'),
  querystring: query({ properties: listQuery.properties }),
  response: responses({ 200: keyedBy(batch, 'The batch') }),
};
