import { anyObject, anyValue, arrayOf, bool, desc, int, obj, params, query, responses, str, type JsonSchema } from '../../http/schemas.js';

const tags = ['Streaming Ingestion'];

/** A DCS error: `report.message` explains; `status` is a string on authorization errors, as DCS sends it. */
const dcsError = obj(
  { type: str, status: { anyOf: [int, str] }, title: str, report: obj({ message: str, cause: anyObject }) },
  ['title'],
  { description: 'A Data Collection Service error' },
);

const schemaRef = obj({ id: desc(str, 'The schema `$id`'), contentType: desc(str, 'e.g. `application/vnd.adobe.xed-full+json;version=1`') });

/** The XDM envelope; the record itself (`body.xdmEntity`) stays open: it is validated against its XDM schema. */
const envelope = obj(
  {
    header: obj({
      schemaRef,
      imsOrgId: desc(str, 'Filled in from the inlet when absent'),
      datasetId: desc(str, 'The dataset the record lands in (its schema must be `schemaRef.id`)'),
      flowId: str,
      source: obj({ name: str }),
    }),
    body: obj({ xdmMeta: obj({ schemaRef }), xdmEntity: desc(anyObject, 'The XDM record or event') }),
  },
  [],
  { description: 'An XDM message `{header, body}`; raw inlets (or `x-adobe-flow-id`) take any JSON object instead' },
);

const inletParams: JsonSchema = (() => {
  const p = params('inletId');
  const props = p.properties as Record<string, JsonSchema>;
  props.inletId = { ...props.inletId, description: 'The inlet id: `auth.params.inletId` of the streaming connection (or `inletId` of a legacy inlet)' };
  return p;
})();

const commonQuery = {
  'x-adobe-flow-id': desc(str, 'The dataflow for raw data (or the `x-adobe-flow-id` header)'),
};

export const collectOneSchema: JsonSchema = {
  tags,
  summary: 'Stream one XDM message (or raw JSON with x-adobe-flow-id)',
  description: 'No gateway headers; `Authorization: Bearer` only for authenticated inlets. 413 above the body limit; 429/503 carry Retry-After.',
  params: inletParams,
  querystring: query({
    ...commonQuery,
    syncValidation: desc(bool, 'Validate against the XDM schema now and answer 400 with the violations (development)'),
    synchronousValidation: desc(bool, 'The older name of syncValidation'),
  }),
  body: envelope,
  response: {
    ...responses(
      {
        200: obj(
          {
            inletId: str,
            xactionId: desc(str, '`<receivedTimeMs>:<n>:<n>`: the id of this message'),
            receivedTimeMs: int,
            syncValidation: obj({ status: str, skipped: bool }),
            synchronousValidation: obj({ status: str, skipped: bool }),
          },
          ['inletId', 'xactionId', 'receivedTimeMs'],
          { description: 'Received (validation happens in the processor unless syncValidation=true)' },
        ),
      },
      [dcsError],
    ),
    503: { ...dcsError, description: 'The message could not be committed: retry with back-off (Retry-After)' },
  },
};

export const collectBatchSchema: JsonSchema = {
  tags,
  summary: 'Stream many messages; always 207 with one status per message',
  description: 'Each message is checked alone: a bad one gets its own `statusCode` and `message` in `responses`, the others are accepted.',
  params: inletParams,
  querystring: query(commonQuery),
  body: obj({ messages: desc(arrayOf(anyValue), 'XDM messages `{header, body}` (or raw JSON objects)') }, ['messages'], { description: '`{"messages": [...]}`' }),
  response: {
    ...responses(
      {
        207: obj(
          {
            inletId: str,
            batchId: str,
            receivedTimeMs: int,
            responses: desc(
              arrayOf(obj({ xactionId: desc(str, 'Accepted: `<batchId>:<index>`'), statusCode: desc(int, 'Refused: the status of this message'), message: str })),
              'One entry per message, in order',
            ),
          },
          ['inletId', 'batchId', 'receivedTimeMs', 'responses'],
        ),
      },
      [dcsError],
    ),
    503: { ...dcsError, description: 'The messages could not be committed: retry with back-off (Retry-After)' },
  },
};
