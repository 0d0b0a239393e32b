import { anyObject, arrayOf, bool, closedObj, desc, int, obj, optionalBody, params, query, responses, str, strEnum, type JsonSchema } from '../http/schemas.js';
import { MODEL_KINDS } from './model-types.js';

/**
 * Request and response schemas of the model routes (routes.ts): the shape of a definition (types, required fields,
 * no unknown fields); the rules across fields are validate-model.ts's, every problem listed in one 400.
 */
const TAGS = ['Models'];
const route = (summary: string, s: JsonSchema): JsonSchema => ({ tags: TAGS, summary, ...s });
const number: JsonSchema = { type: 'number', nullable: true };
const path = (d: string) => desc({ ...str, minLength: 1, maxLength: 256 }, d);

const spec = closedObj(
  {
    name: desc({ ...str, minLength: 1, maxLength: 128 }, 'Unique in the sandbox (case-insensitive)'),
    description: { ...str, maxLength: 2048 },
    kind: desc(strEnum(MODEL_KINDS), '`churn` or `conversion` propensity (a probability), or `lifetimeValue` (predicted spend over the window)'),
    attribute: desc({ ...str, minLength: 1, maxLength: 64 }, 'Where scores go: `_kith.models.<attribute>` (default: the name camel-cased)'),
    namespace: desc({ ...str, minLength: 1, maxLength: 128 }, 'Identity namespace that keys a person (their events and the profile scored), e.g. Email'),
    outcome: closedObj(
      {
        eventType: desc({ ...str, minLength: 1, maxLength: 256 }, 'The outcome event (conversion: required; churn: the activity whose absence is churn, absent = any event; lifetimeValue: the spending event, absent = any)'),
        condition: desc({ ...str, maxLength: 4096 }, 'Optional PQL the outcome event must meet, e.g. `event.commerce.order.priceTotal > 50`'),
      },
      [],
    ),
    predictionWindowDays: desc({ ...int, minimum: 1, maximum: 365 }, 'Days after the cutoff in which the outcome is looked for'),
    lookbackDays: desc({ ...int, minimum: 7, maximum: 730 }, 'Days of history the features read; people without an event in them are not scored'),
    eligibility: desc({ ...str, maxLength: 8192 }, 'Optional PQL over the profile: who is trained on and scored'),
    monetaryField: path('ExperienceEvent field summed as spend (default commerce.order.priceTotal)'),
    profileFeatures: desc(arrayOf(path('A numeric profile attribute (dotted path)'), { maxItems: 10 }), 'Numeric profile attributes used as features'),
    datasetIds: desc(arrayOf({ ...str, minLength: 1 }, { maxItems: 100 }), 'Datasets whose events are read (default: every non-system dataset of the sandbox)'),
    schedule: closedObj({ frequency: strEnum(['daily']), time: desc(str, 'HH:MM, UTC') }, ['frequency', 'time'], { description: 'Retrain and rescore every day' }),
    qualityFloor: closedObj(
      { minAuc: desc({ type: 'number', minimum: 0, maximum: 1 }, 'Propensity: the held-out AUC must reach this'), maxMae: desc({ type: 'number', minimum: 0 }, 'Lifetime value: the held-out MAE must not exceed this') },
      [],
      { description: 'Below it a run is not published (its scores are not written)' },
    ),
  },
  ['name', 'kind', 'namespace', 'outcome', 'predictionWindowDays', 'lookbackDays'],
  { description: 'A model definition' },
);

const model = obj(
  { ...(spec.properties as Record<string, JsonSchema>), id: str, attribute: str, versions: int, publishedVersion: int, nextRunAt: int, createdAt: int, updatedAt: int, createdBy: str },
  ['id', 'name', 'kind', 'attribute', 'versions'],
  { description: 'A model' },
);

const decile = obj({ decile: int, people: int, predicted: number, observed: number, lift: number });
const quality = obj(
  {
    trainPeople: int,
    testPeople: int,
    propensity: obj({ auc: number, baseRate: number, deciles: arrayOf(decile) }, [], { description: 'AUC, lift and calibration (predicted vs observed per decile) on the held-out people' }),
    value: obj({ error: obj({ mae: number, bias: number, stdDev: number, p50: number, p90: number, p99: number }), meanActual: number, deciles: arrayOf(decile) }, [], { description: 'MAE and the spread of the error on the held-out people' }),
    featureImportance: arrayOf(obj({ feature: str, importance: number, direction: int })),
    meetsFloor: bool,
    floorDetail: str,
  },
  ['trainPeople', 'testPeople', 'meetsFloor'],
  { description: 'Quality on a held-out fifth of the people' },
);

const run = obj(
  {
    id: str,
    modelId: str,
    version: int,
    status: desc(strEnum(['queued', 'running', 'published', 'belowFloor', 'failed']), '`published`: scores written; `belowFloor`: quality under the floor, nothing written'),
    trigger: strEnum(['api', 'schedule']),
    cutoff: int,
    quality,
    scored: int,
    timings: anyObject,
    error: str,
    createdAt: int,
    startedAt: int,
    finishedAt: int,
  },
  ['id', 'modelId', 'version', 'status'],
  { description: 'A training run' },
);

const modelParams = params('modelId');
const runParams = params('modelId', 'runId');
const page = obj({ totalCount: int, pageSize: int, start: int, limit: int });

export const modelRouteSchemas = {
  create: route('Create a model', { body: spec, response: responses({ 201: model }) }),
  list: route('List models', {
    querystring: query({ start: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 1000 } }),
    response: responses({ 200: obj({ children: arrayOf(model), _page: page }, ['children', '_page']) }),
  }),
  get: route('Get a model', { params: modelParams, response: responses({ 200: model }) }),
  put: route('Replace a model definition (the next run uses it)', { params: modelParams, body: spec, response: responses({ 200: model }) }),
  delete: route('Delete a model and its runs (scores already written stay in profiles)', { params: modelParams, response: responses({ 204: { type: 'null', description: 'Deleted' } }) }),
  train: route('Train now: queue a run (train, evaluate, publish and score when it meets the floor)', {
    params: modelParams,
    body: optionalBody(closedObj({}, [], { description: 'No body (or {})' })),
    response: responses({ 202: run }),
  }),
  runs: route("A model's runs, newest first", { params: modelParams, response: responses({ 200: obj({ children: arrayOf(run) }, ['children']) }) }),
  getRun: route('A run and its quality report', { params: runParams, response: responses({ 200: run }) }),
};
