import { anyObject, bool, desc, int, num, obj, responses, str, type JsonSchema } from './schemas.js';

const tags = ['Operations'];
const status = (description: string) => obj({ status: str }, ['status'], { description });

export const healthSchema: JsonSchema = { tags, summary: 'Liveness', response: { 200: status('`{"status":"ok"}` while the process serves requests') } };

export const readySchema: JsonSchema = {
  tags,
  summary: 'Readiness: stores open and processors running',
  response: { 200: status('`{"status":"ready"}`'), 503: status('Starting, or the processor is restarting') },
};

export const ingestStatusSchema: JsonSchema = {
  tags,
  summary: 'Ingestion lag: log head, lake and downstream progress, backlog',
  response: responses({
    200: obj(
      {
        logHead: desc(int, 'Offset of the newest ingest-log entry'),
        lakeOffset: desc(int, 'Entries up to here are in the lake'),
        downstreamOffset: desc(int, 'Entries up to here reached identity and profile'),
        backlog: desc(int, 'Entries not yet in the lake'),
        saturated: desc(bool, 'True while collection answers 429 (back-pressure)'),
        retention: obj({ retentionMinutes: num, oldestOffset: int, entries: int }),
      },
      ['logHead', 'lakeOffset', 'backlog'],
    ),
  }),
};

/** The OpenAPI document itself (hidden from the document). */
export const openApiSchema: JsonSchema = { hide: true, response: { 200: { ...anyObject, description: 'This OpenAPI 3.0 document' } } };
