import { anyObject, anyValue, arrayOf, desc, int, nullable, obj, optionalBody, params, query, responses, str, type JsonSchema } from '../../http/schemas.js';

const tags = ['Failed Records'];

const failedRecord = obj(
  {
    id: desc(str, 'Use in `ids` to replay this record'),
    datasetId: str,
    batchId: nullable(str),
    offset: nullable(int),
    code: desc(str, 'Why it failed: `SCHEMA_VALIDATION`, `IDENTITY_INVALID`, `PARSE_ERROR`, …'),
    reason: str,
    violations: arrayOf(anyObject),
    createdAt: desc(int, 'Epoch milliseconds'),
    replayedAt: nullable(int),
    payload: desc(anyValue, 'The message as received'),
  },
  ['id', 'code'],
);

export const listFailedSchema: JsonSchema = {
  tags,
  summary: 'List failed records (filter by datasetId, batchId)',
  querystring: query({
    datasetId: str,
    batchId: str,
    limit: desc(int, '1-1000 (default 100)'),
    start: desc(str, 'The `_page.next` of the previous page'),
    includeReplayed: desc(str, '`true` to include records already replayed'),
  }),
  response: responses({
    200: obj({ records: arrayOf(failedRecord), _page: obj({ count: int, limit: int, next: nullable(str) }) }, ['records', '_page']),
  }),
};

export const batchFailedSchema: JsonSchema = {
  tags,
  summary: 'Error diagnostics: failed records of a batch (?path= to download JSON lines)',
  description: 'Without `path`: the failed files of the batch. With `path=failed_records.json`: the records as JSON lines (`application/x-ndjson`).',
  params: params('batchId'),
  querystring: query({ path: desc(str, 'A file name from the listing') }),
  response: responses({
    200: obj({ data: arrayOf(obj({ name: str, length: int, _links: anyObject })) }, ['data'], { description: 'The failed files (or, with `path`, JSON lines)' }),
  }),
};

export const replaySchema: JsonSchema = {
  tags,
  summary: 'Replay failed records (by ids, batchId or datasetId) through ingestion again',
  body: optionalBody(obj({ ids: desc(arrayOf(str), 'Failed record ids'), batchId: str, datasetId: str }, [], { description: 'Which records: give ids, batchId or datasetId' })),
  response: responses({ 200: obj({ replayed: int, skipped: desc(int, 'Records whose wire form was not kept (parse errors)') }, ['replayed', 'skipped']) }),
};
