import { anyObject, anyValue, arrayOf, bool, desc, int, nullable, obj, params, query, responses, str, strEnum, type JsonSchema } from '../../http/schemas.js';

/** Request and response schemas of the Query Service routes (routes.ts); AEP's shapes are in aep-api.md §8. */
const TAGS = ['Query Service'];
const route = (summary: string, s: JsonSchema): JsonSchema => ({ tags: TAGS, summary, ...s });

const link = obj({ href: str, method: str, body: str }, ['href']);
const links = { type: 'object', additionalProperties: { anyOf: [link, arrayOf(anyObject)] } };
const queryParameters = desc({ type: 'object', additionalProperties: anyValue }, 'Values of the `$name` placeholders in the SQL (keys with or without `$`), inserted as written');
const state = desc(strEnum(['SUBMITTED', 'IN_PROGRESS', 'SUCCESS', 'FAILED', 'CANCELLED']), 'SUBMITTED → IN_PROGRESS → SUCCESS | FAILED | CANCELLED');
const errors = arrayOf(obj({ code: desc(str, 'SQLSTATE'), message: str }, ['code', 'message']));
const dbName = desc(str, '`<sandbox>:all` (the request\'s sandbox; optional `?FLATTEN`); default: the request\'s sandbox');
const message = obj({ message: str, statusCode: int }, ['message']);

const queryObject = obj(
  {
    id: str,
    state,
    request: obj({ dbName: str, sql: str, name: str, description: str }, ['dbName', 'sql']),
    effectiveSQL: desc(str, 'The SQL that ran (after `$name` substitution)'),
    errors,
    isCTAS: bool,
    isInsertInto: bool,
    rowCount: desc(int, 'Rows returned (a SELECT) or written (CTAS, INSERT INTO)'),
    elapsedTime: desc(int, 'Milliseconds'),
    created: str,
    updated: str,
    client: str,
    clientId: nullable(str),
    userId: str,
    version: int,
    templateId: str,
    scheduleId: str,
    softDeleted: bool,
    _links: desc(links, '`results` / `results_csv` (ours) once a SELECT succeeded; `referenced_datasets` for CTAS / INSERT INTO'),
  },
  ['id', 'state', 'request', 'errors', 'created'],
  { description: 'A query (AEP shape)' },
);
const queryWrite = obj(
  {
    dbName,
    sql: desc(str, 'One or more statements separated by `;` (run in order on one session; the last one returning rows is the result)'),
    name: str,
    description: str,
    queryParameters,
    templateId: desc(str, 'Run a query template instead of `sql` (its queryParameters are the defaults)'),
  },
  [],
  { description: '`sql` or `templateId` is required' },
);
const template = obj({ id: str, name: str, sql: str, queryParameters: anyObject, userId: str, lastUpdatedBy: str, created: str, updated: str, _links: links }, ['id', 'name', 'sql'], { description: 'A query template' });
const templateWrite = obj({ name: str, sql: str, queryParameters }, ['name', 'sql']);
const scheduleSpec = obj(
  {
    schedule: desc(str, 'Cron (`30 * * * *`, five fields, UTC), a Quartz expression, or @hourly, @daily, @weekly, @monthly, @yearly, @once'),
    startDate: desc(str, 'ISO 8601; default now'),
    endDate: desc(str, 'ISO 8601; no runs after it'),
    maxActiveRuns: int,
  },
  ['schedule'],
);
const schedule = obj(
  { id: str, state: desc(str, 'ENABLED or DISABLED'), query: anyObject, templateId: str, schedule: scheduleSpec, userId: str, updatedUserId: str, created: str, updated: str, version: int, _links: links },
  ['id', 'state', 'schedule'],
  { description: 'A scheduled query' },
);
const run = obj(
  { id: str, scheduleId: str, queryId: str, state, externalTrigger: str, created: str, updated: str, rowCount: int, errors, taskStatusList: arrayOf(anyObject), version: int, _links: links },
  ['id', 'state'],
  { description: 'A run of a scheduled query (a query: its id is the query id)' },
);
const list = (key: string, item: JsonSchema): JsonSchema => obj({ [key]: arrayOf(item), _page: anyObject, _links: anyObject, version: int }, [key, '_page']);
const listing = {
  orderby: desc(str, '`created` / `+created` (ascending) or `-created` (descending); `updated` likewise'),
  limit: desc(str, 'Page size (default 20, at most 1000)'),
  start: desc(str, 'Zero-based offset'),
  page: desc(str, 'Page number (zero-based), instead of start'),
};
const property = (fields: string) => desc(str, `Comma-separated conditions on ${fields}: \`==\`, \`!=\`, \`>\`, \`<\`, \`>=\`, \`<=\`, \`~\` (contains), e.g. \`state==SUCCESS\``);
const patchOps = arrayOf(obj({ op: str, path: str, value: anyValue }, ['op']));

export const queryRouteSchemas = {
  connectionParameters: route('Connection parameters for PostgreSQL clients (psql, BI tools)', {
    response: responses({
      200: obj(
        {
          version: int,
          host: str,
          port: int,
          username: desc(str, 'The IMS org id'),
          token: desc(str, "The caller's access token (the password)"),
          dbName: str,
          sslmode: desc(str, 'Ours: require when the endpoint has TLS, else disable'),
          psql: desc(str, 'Ours: a ready psql command line'),
        },
        ['host', 'port', 'username', 'token', 'dbName'],
      ),
    }),
  }),
  listQueries: route('List queries', {
    querystring: query({ ...listing, property: property('created, updated, state, id'), excludeSoftDeleted: desc(str, 'Default true'), excludeHidden: desc(str, 'Default true (every query here is user-driven)') }),
    response: responses({ 200: list('queries', queryObject) }),
  }),
  createQuery: route('Run a query (asynchronously: 202, then poll GET /queries/{id})', { body: queryWrite, response: responses({ 202: queryObject }) }),
  getQuery: route('Get a query with its state and errors', { params: params('id'), response: responses({ 200: queryObject }) }),
  patchQuery: route('Cancel (`{"op": "cancel"}`) or soft-delete (`{"op": "soft_delete"}`) a query', {
    params: params('id'),
    body: obj({ op: desc(str, 'cancel or soft_delete') }, ['op']),
    response: responses({ 202: message }),
  }),
  queryResults: route("A SELECT's result rows (Kith's addition: AEP keeps results in a dataset)", {
    description: 'JSON: one page of rows as objects keyed by column name (`limit` default 100, at most 10000; `start`); CSV: the whole result, streamed (RFC 4180, header row, nested values as JSON).',
    params: params('id'),
    querystring: query({ format: strEnum(['json', 'csv']), limit: desc(str, 'JSON page size'), start: desc(str, 'Zero-based row offset') }),
    response: responses({
      200: {
        description: 'JSON page (application/json) or CSV (text/csv)',
        content: {
          'application/json': { schema: obj({ columns: arrayOf(obj({ name: str, type: str })), rows: arrayOf(anyObject), _page: anyObject, _links: anyObject }, ['columns', 'rows']) },
          'text/csv': { schema: str },
        },
      },
    }),
  }),
  listTemplates: route('List query templates', { querystring: query({ ...listing, property: property('name, userId') }), response: responses({ 200: list('templates', template) }) }),
  createTemplate: route('Create a query template', { body: templateWrite, response: responses({ 202: template }) }),
  getTemplate: route('Get a query template', { params: params('id'), response: responses({ 200: template }) }),
  putTemplate: route('Replace a query template (name and sql required)', { params: params('id'), body: templateWrite, response: responses({ 202: template }) }),
  deleteTemplate: route('Delete a query template', { params: params('id'), response: responses({ 202: message }) }),
  listSchedules: route('List scheduled queries', { querystring: query({ ...listing, property: property('created, templateId, userId, state') }), response: responses({ 200: list('schedules', schedule) }) }),
  createSchedule: route('Schedule a query (or a template) by cron', {
    body: obj({ query: obj({ dbName, sql: str, name: str, description: str, queryParameters }), templateId: str, schedule: scheduleSpec }, ['schedule']),
    response: responses({ 202: schedule }),
  }),
  getSchedule: route('Get a scheduled query', { params: params('id'), response: responses({ 200: schedule }) }),
  patchSchedule: route('Enable or disable a schedule, or change its cron (`{"body": [{"op": "replace", "path": "/state" | "/schedule/schedule", "value": …}]}`)', {
    params: params('id'),
    body: { anyOf: [obj({ body: patchOps, op: str }), patchOps] },
    response: responses({ 202: message }),
  }),
  deleteSchedule: route('Delete a scheduled query (disable it first)', { params: params('id'), response: responses({ 202: message }) }),
  listRuns: route('List the runs of a scheduled query', { params: params('id'), querystring: query({ ...listing, property: property('created, state, externalTrigger') }), response: responses({ 200: list('runsSchedules', run) }) }),
  triggerRun: route('Run a scheduled query now', { params: params('id'), response: responses({ 202: obj({ message: str, statusCode: int, runId: desc(str, 'Ours: the run (and query) id') }, ['message']) }) }),
  getRun: route('Get a run of a scheduled query', { params: params('id', 'runId'), response: responses({ 200: run }) }),
  patchRun: route('Cancel a run (`{"op": "cancel"}`)', { params: params('id', 'runId'), body: obj({ op: str }, ['op']), response: responses({ 202: message }) }),
};
