import { anyObject, arrayOf, bool, closedObj, desc, int, num, obj, optionalBody, params, query, ref, responses, str, strEnum, type JsonSchema } from '../http/schemas.js';
import { ACTION_KINDS, HTTP_METHODS, MAX_WAIT_SECONDS, NODE_TYPES } from './definition/validate-definition.js';

/**
 * Request and response schemas of the journey routes (routes.ts). The body schemas give the shape of a definition
 * (types, required fields, enums, no unknown fields; node, entry, action, auth, exit criterion and re-entrance
 * variants discriminated by `type`/`kind`/`mode`); the rules across fields (ids, references, reachability, cycles,
 * PQL, ranges) are validate-definition.ts's, which lists every problem at once.
 */
const TAGS = ['Journeys'];
const route = (summary: string, s: JsonSchema): JsonSchema => ({ tags: TAGS, summary, ...s });

/** One of `variants`, picked by the value of `tag` (Ajv and OpenAPI discriminator). */
const tagged = (tag: string, variants: JsonSchema[], description: string): JsonSchema => ({ oneOf: variants, discriminator: { propertyName: tag }, description });
const variant = (tag: string, value: string, properties: Record<string, JsonSchema>, required: string[], description: string): JsonSchema =>
  closedObj({ [tag]: { type: 'string', enum: [value] }, ...properties }, [tag, ...required], { description });

const DAYS_91 = `at most ${MAX_WAIT_SECONDS} (91 days)`;
const nodeRef = desc(str, 'The id of a node of this definition');
const pql = desc(str, 'PQL over the profile (`person.name.firstName`, `computedAttributes.x`, `inSegment("id")`, `xEvent[…]`); `event.<path>` reads the event at hand');
const isoDateTime = desc(str, 'ISO-8601 date-time with a time zone, e.g. 2026-03-01T09:00:00Z');
const namespace = desc(str, 'Identity namespace that keys the instance (e.g. Email, ECID)');
const template = (what: string) => desc(str, `${what}; may hold {{profile.<path>}} / {{event.<path>}} placeholders`);

const schedule = tagged(
  'frequency',
  [
    variant('frequency', 'once', { startAt: { ...isoDateTime, description: 'When (default: at publication)' } }, [], 'Read the audience once'),
    variant('frequency', 'cron', { cron: desc(str, 'Quartz cron expression (UTC), e.g. 0 0 8 * * ?') }, ['cron'], 'Read the audience on a schedule'),
  ],
  'When the audience is read',
);

const entry = tagged(
  'type',
  [
    variant('type', 'event', { eventType: desc(str, 'The ExperienceEvent eventType that enters a person'), condition: { ...pql, description: 'Optional PQL the event must satisfy (`event.<path>`)' }, namespace, next: nodeRef }, ['eventType', 'namespace', 'next'], 'Unitary: an event'),
    variant('type', 'audienceQualification', { segmentId: desc(str, 'An audience id of the sandbox'), status: strEnum(['realized', 'exited']), namespace, next: nodeRef }, ['segmentId', 'status', 'namespace', 'next'], "Unitary: a profile's transition in an audience"),
    variant('type', 'readAudience', { segmentId: desc(str, 'An audience id of the sandbox'), namespace, schedule, next: nodeRef }, ['segmentId', 'namespace', 'schedule', 'next'], "Batch: the audience's members, read on a schedule"),
  ],
  'How a person enters the journey',
);

const auth = tagged(
  'type',
  [
    variant('type', 'none', {}, [], 'No authentication'),
    variant('type', 'basic', { username: str, password: str }, ['username', 'password'], 'HTTP Basic'),
    variant('type', 'bearer', { token: str }, ['token'], 'Authorization: Bearer'),
    variant('type', 'apiKey', { header: desc(str, 'Header name'), value: str }, ['header', 'value'], 'A key in a header'),
  ],
  'How the call authenticates',
);

const action = tagged(
  'kind',
  [
    variant(
      'kind',
      'http',
      {
        method: strEnum(HTTP_METHODS),
        url: template('Absolute http(s) URL (the host is fixed)'),
        headers: { type: 'object', additionalProperties: str, description: 'Header name → value' },
        auth,
        body: template('Request body (JSON text usually)'),
        timeoutMs: desc(int, 'Per attempt, 1 to 30000 (default 5000)'),
        retries: desc(int, 'Extra attempts after a timeout, a network error, a 5xx or a 429: 0 to 5 (default 2)'),
        backoffMs: desc(int, 'First backoff, doubled per retry, 0 to 60000 (default 200)'),
        ratePerSecond: desc(num, 'Calls per second to this origin across the sandbox (> 0); beyond it a call is capped'),
      },
      ['method', 'url'],
      'A custom HTTP call',
    ),
    variant(
      'kind',
      'email',
      { to: template('Recipient (default {{profile.personalEmail.address}})'), from: desc(str, 'a@b.example or "Name <a@b.example>"'), subject: template('Subject'), text: template('Plain-text body'), html: template('HTML body') },
      ['from', 'subject'],
      'An email over SMTP (consent checked)',
    ),
    variant(
      'kind',
      'updateProfile',
      { set: { type: 'object', minProperties: 1, additionalProperties: { anyOf: [str, num, bool, { type: 'null' }] }, description: 'XDM path (dot-separated, not _id or identityMap) → value or template' } },
      ['set'],
      "Writes fields of the person's profile",
    ),
  ],
  `The action (${ACTION_KINDS.join(', ')})`,
);

const nodeBase = { id: desc(str, 'Unique in the definition: 1 to 64 of A-Z a-z 0-9 _ -'), name: desc(str, 'Shown in reports and step events') };
const branch = closedObj({ name: str, condition: pql, next: nodeRef }, ['condition', 'next'], { description: 'Taken when its condition holds (the first that does)' });
const node = tagged(
  'type',
  [
    variant('type', 'condition', { ...nodeBase, branches: arrayOf(branch, { minItems: 1 }), otherwise: { ...nodeRef, description: 'When no branch holds (absent: the instance ends)' } }, ['id', 'branches'], 'Branches on conditions'),
    variant('type', 'wait', { ...nodeBase, seconds: desc(num, `A duration: > 0, ${DAYS_91}`), until: { ...isoDateTime, description: 'Or a date-time' }, next: nodeRef }, ['id', 'next'], 'Waits (exactly one of seconds or until)'),
    variant(
      'type',
      'waitForEvent',
      { ...nodeBase, eventType: str, condition: pql, timeoutSeconds: desc(num, `> 0, ${DAYS_91}`), next: nodeRef, timeoutNext: { ...nodeRef, description: 'On timeout (absent: the instance ends)' } },
      ['id', 'eventType', 'timeoutSeconds', 'next'],
      "Waits for the person's next event of a type",
    ),
    variant('type', 'action', { ...nodeBase, action, next: { ...nodeRef, description: 'Absent: the instance ends' }, errorNext: { ...nodeRef, description: 'When the action fails (absent: the instance ends)' } }, ['id', 'action'], 'Runs an action'),
    variant('type', 'jump', { ...nodeBase, journeyId: desc(str, 'Another journey of the sandbox (its live version is entered)') }, ['id', 'journeyId'], 'Moves the person to another journey'),
    variant('type', 'end', nodeBase, ['id'], 'Ends the instance'),
  ],
  `A step of the journey (${NODE_TYPES.join(', ')})`,
);

const exitCriterion = tagged(
  'type',
  [
    variant('type', 'event', { id: nodeBase.id, name: str, eventType: str, condition: pql }, ['id', 'eventType'], 'Leave on an event'),
    variant('type', 'audienceExit', { id: nodeBase.id, name: str, segmentId: str }, ['id', 'segmentId'], 'Leave when the person exits an audience'),
  ],
  'When a person leaves the journey wherever they are',
);

const reentrance = tagged(
  'mode',
  [variant('mode', 'none', {}, [], 'A person enters once'), variant('mode', 'afterWait', { waitSeconds: desc(num, '> 0') }, ['waitSeconds'], 'Again, once this long has passed since the last entrance ended')],
  'Whether a person may enter again (default none)',
);

export const definitionSchema: JsonSchema = closedObj(
  {
    name: desc(str, 'Unique in the sandbox (case-insensitive), 1 to 256 characters'),
    description: str,
    entry,
    nodes: arrayOf(node, { description: 'The steps: acyclic, every one reachable from the entry (at most 500)' }),
    exitCriteria: arrayOf(exitCriterion),
    reentrance,
    instanceTimeoutSeconds: desc(num, `An instance still running this long after entry ends (default and max: ${MAX_WAIT_SECONDS}, 91 days)`),
  },
  ['name', 'entry', 'nodes'],
  { description: 'A journey definition (the content of a version)' },
);

const journey = obj(
  { id: str, sandboxId: str, name: str, draftVersionId: str, liveVersionId: str, versionIds: arrayOf(str), createdAt: int, updatedAt: int, createdBy: str },
  ['id', 'name', 'versionIds', 'createdAt', 'updatedAt'],
  { description: 'A journey: its versions, the one draft and the one live version' },
);
const versionFields = {
  id: str,
  journeyId: str,
  version: desc(str, '1.0, 2.0, …'),
  status: { ...strEnum(['draft', 'live', 'stopped', 'finished']), description: 'finished: replaced by a newer live version (closed to entrances, its instances go on)' },
  createdAt: int,
  updatedAt: int,
  publishedAt: int,
  stoppedAt: int,
};
const version = obj({ ...versionFields, definition: definitionSchema }, ['id', 'journeyId', 'version', 'status', 'definition'], { description: 'A version of a journey' });
const versionSummary = obj({ ...versionFields, name: str }, ['id', 'version', 'status'], { description: 'A version without its definition' });
const journeyAndVersion = obj({ journey, version }, ['journey', 'version']);

const identity = closedObj({ namespace: { ...str, minLength: 1 }, id: { ...str, minLength: 1 } }, ['namespace', 'id'], { description: 'An identity: namespace code and value' });
const stepEvent = obj(
  {
    id: str, timestamp: int, journeyId: str, journeyVersionId: str, journeyVersionName: str, journeyVersion: str, instanceId: str, instanceType: str, identity: obj({ namespace: str, id: str }),
    nodeId: str, nodeName: str, nodeType: str, stepStatus: str, entrance: bool, reentrance: bool, instanceEnded: bool, inTest: bool, eventID: str, eventName: str, processingTime: num, action: anyObject,
    isExternalEvent: bool, parentNodeId: str, parentNodeType: str, parentNodeName: str, exitCriteriaID: str, exitCriteriaName: str, segmentQualificationStatus: str,
  },
  ['id', 'nodeId', 'stepStatus'],
  { description: 'A step event (journeyStepEvents)' },
);
const instance = obj(
  { id: str, journeyId: str, versionId: str, journeyName: str, personKey: str, identity: obj({ namespace: str, id: str }), status: str, nodeId: str, wait: anyObject, instanceType: str, inTest: bool, enteredAt: int, updatedAt: int, endedAt: int, steps: arrayOf(stepEvent) },
  ['id', 'journeyId', 'versionId', 'status'],
  { description: "A person's instance of a journey version, with its steps" },
);
const nodeReport = obj({ nodeId: str, nodeName: str, nodeType: str, count: int, statuses: anyObject }, ['nodeId', 'count']);
const report = obj(
  { journeyId: str, versionId: str, from: str, to: str, entered: int, distinctPeople: int, ended: int, nodes: arrayOf(nodeReport), errors: arrayOf(obj({ nodeId: str, error: str, code: { type: 'string', nullable: true }, count: int })), timeouts: int },
  ['journeyId', 'versionId', 'entered', 'nodes'],
  { description: 'What happened in a version over a time range' },
);
const engineDown = { '503': { description: 'The journey engine is not running', anyOf: [ref('Problem')] } };
const withEngine = (ok: Record<string, JsonSchema>) => ({ ...responses(ok), ...engineDown });

const journeyParams = params('journeyId');
const versionParams = params('journeyId', 'versionId');
const noBody = optionalBody(closedObj({}, [], { description: 'No body (or {})' }));

export const journeyRouteSchemas = {
  create: route('Create a journey (its draft version 1.0)', { body: definitionSchema, response: responses({ 201: journeyAndVersion }) }),
  list: route('List journeys', {
    querystring: query({
      start: { type: 'integer', minimum: 0, description: 'Offset' },
      limit: { type: 'integer', minimum: 1, maximum: 500, description: 'Page size (default 50)' },
      name: desc(str, 'Case-insensitive part of the name'),
      sort: desc(str, 'createdAt, updatedAt or name, with :asc or :desc (default createdAt:desc)'),
    }),
    response: responses({ 200: obj({ children: arrayOf(journey), _page: obj({ totalCount: int, pageSize: int, start: int, limit: int }), _links: anyObject }, ['children', '_page']) }),
  }),
  get: route('Get a journey and its versions', { params: journeyParams, response: responses({ 200: obj({ journey, versions: arrayOf(versionSummary) }, ['journey', 'versions']) }) }),
  delete: route('Delete a journey with no live version (and all its versions)', { params: journeyParams, response: responses({ 200: obj({ journeyId: str, versionsDeleted: int }, ['journeyId']) }) }),
  listVersions: route('List the versions of a journey', { params: journeyParams, response: responses({ 200: obj({ children: arrayOf(version) }, ['children']) }) }),
  newVersion: route('Make a new draft version (the body, or a copy of the live or latest version)', {
    params: journeyParams,
    body: optionalBody({ ...definitionSchema, description: 'The definition of the new draft (absent: a copy)' }),
    response: responses({ 201: journeyAndVersion }),
  }),
  getVersion: route('Get a version', { params: versionParams, response: responses({ 200: version }) }),
  putVersion: route('Replace the definition of a draft version', { params: versionParams, body: definitionSchema, response: responses({ 200: version }) }),
  deleteVersion: route('Delete a draft version (the only version of a journey never published takes the journey with it)', {
    params: versionParams,
    response: responses({ 200: obj({ journeyId: str, versionId: str, journeyDeleted: bool }, ['journeyId', 'versionId', 'journeyDeleted']) }),
  }),
  publish: route('Publish a draft: it goes live, the live version before it finishes', {
    params: versionParams,
    body: noBody,
    response: responses({ 200: obj({ journey, version, finished: version }, ['journey', 'version']) }),
  }),
  stop: route('Stop a live or finished version: closed to entrances, its instances end', {
    params: versionParams,
    body: noBody,
    response: withEngine({ 200: obj({ journey, version, ended: desc(int, 'Instances the engine ended') }, ['journey', 'version', 'ended']) }),
  }),
  test: route('Run a person through a version (a draft too) without calling its actions; the steps carry inTest', {
    params: versionParams,
    body: closedObj({ identity, event: desc(anyObject, 'The triggering ExperienceEvent (event entries)') }, ['identity']),
    response: withEngine({ 200: obj({ instanceId: str, steps: arrayOf(stepEvent) }, ['instanceId', 'steps']) }),
  }),
  report: route('Report of a version: entrances, steps per node, errors', {
    params: versionParams,
    querystring: query({ from: desc(str, 'ISO-8601 date-time or epoch milliseconds'), to: desc(str, 'ISO-8601 date-time or epoch milliseconds') }),
    response: withEngine({ 200: report }),
  }),
  personJourneys: route("A person's journeys: instances and their steps", {
    querystring: query({ namespace: { ...str, minLength: 1, description: 'Identity namespace' }, id: { ...str, minLength: 1, description: 'Identity value' } }, ['namespace', 'id']),
    response: withEngine({ 200: obj({ identity: obj({ namespace: str, id: str }), instances: arrayOf(instance) }, ['identity', 'instances']) }),
  }),
};
