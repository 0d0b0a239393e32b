import { anyObject, arrayOf, binaryBody, bool, desc, int, obj, params, query, responses, str, type JsonSchema } from '../../http/schemas.js';

const tags = ['Batch Ingestion'];
const done: JsonSchema = { type: 'null', description: 'Done (no body)' };
const fileParams = params('batchId', 'datasetId', 'fileName');
/** File bytes are taken raw whatever the content type; the schema documents the usual ones. */
const fileBody: JsonSchema = {
  content: Object.fromEntries(
    ['application/octet-stream', 'application/json', 'application/x-ndjson', 'text/csv'].map((t) => [t, { schema: binaryBody('The file bytes: JSON (one object or array, or JSON lines), CSV with a header row, or Parquet') }]),
  ),
};

export const previewSchema: JsonSchema = {
  tags,
  summary: 'Preview the rows a batch landed in its dataset',
  params: params('batchId', 'datasetId'),
  querystring: query({ limit: desc(int, 'Rows, 1-1000 (default 100)'), format: desc(str, 'Accepted and ignored (`json`)') }),
  response: responses({ 200: obj({ data: arrayOf(anyObject) }, ['data']) }),
};

export const createBatchSchema: JsonSchema = {
  tags,
  summary: 'Create a batch for a dataset',
  body: obj(
    {
      datasetId: desc(str, 'The dataset the batch loads'),
      inputFormat: obj({ format: desc(str, '`json` (default), `parquet` or `csv`'), isMultiLineJson: bool }),
      externalId: str,
      tags: anyObject,
      replay: anyObject,
    },
    [],
    { description: 'The batch to create' },
  ),
  response: responses({
    201: obj(
      { id: desc(str, 'Generated batch id: upload files to `/batches/{id}/datasets/{datasetId}/files/{name}`'), status: desc(str, '`loading`'), imsOrg: str, relatedObjects: arrayOf(obj({ type: str, id: str })) },
      ['id', 'status'],
    ),
  }),
};

export const batchActionSchema: JsonSchema = {
  tags,
  summary: 'COMPLETE or ABORT a batch (?action=)',
  params: params('batchId'),
  querystring: query({ action: desc(str, '`COMPLETE` (process the uploaded files) or `ABORT`') }, ['action']),
  response: responses({ 200: done }),
};

export const putFileSchema: JsonSchema = {
  tags,
  summary: 'Upload a file (JSON, JSON lines, CSV or Parquet) to a batch',
  params: fileParams,
  body: fileBody,
  response: responses({ 200: done }),
};

export const fileActionSchema: JsonSchema = {
  tags,
  summary: 'Large files: ?action=INITIALIZE or COMPLETE',
  params: fileParams,
  querystring: query({ action: desc(str, '`INITIALIZE` (then PATCH chunks) or `COMPLETE`') }, ['action']),
  response: responses({ 201: { type: 'null', description: 'Done (no body)' } }),
};

export const patchFileSchema: JsonSchema = {
  tags,
  summary: 'Large files: upload a chunk with Content-Range',
  description: 'Send `Content-Range: bytes {start}-{end}` with each chunk, after `?action=INITIALIZE`.',
  params: fileParams,
  body: fileBody,
  response: responses({ 200: done }),
};
