import { anyObject, arrayOf, bool, int, num, obj, params, query, ref, responses, str, strEnum, type JsonSchema } from '../http/schemas.js';

/** Request and response schemas of the Identity Service routes (routes.ts); AEP's shapes are in aep-api.md §4. */
const tags = ['Identity Service'];
const route = (summary: string, s: JsonSchema): JsonSchema => ({ tags, summary, ...s });

const idValue = { type: 'string', minLength: 1, maxLength: 4096 };
const nsCode = { type: 'string', minLength: 1, maxLength: 256, description: 'Namespace code (Email, ECID, CRMID, …), matched case-insensitively' };
const xid = { type: 'string', minLength: 1, maxLength: 4096, description: 'XID: the opaque id Identity Service gives an (id, namespace) pair' };

const namespace = obj(
  {
    id: { ...int, description: 'Numeric namespace id (nsid); standard ones as AEP (Email 6, ECID 4, …)' },
    code: str,
    name: str,
    description: str,
    idType: { ...str, description: 'COOKIE, CROSS_DEVICE, DEVICE, EMAIL, MOBILE, NON_PEOPLE, PHONE' },
    status: str,
    custom: { ...bool, description: 'false for the standard namespaces' },
    createTime: int,
    updateTime: int,
  },
  ['id', 'code', 'name', 'idType'],
  { description: 'An identity namespace' },
);
const namespaceWrite = obj(
  {
    name: { type: 'string', minLength: 1, maxLength: 1024 },
    code: { type: 'string', minLength: 1, maxLength: 256, description: 'Unique in the sandbox, case-insensitively; not editable' },
    idType: { ...str, description: 'Cookie, Cross_device, Device, Email, Mobile, Non_people, Phone (any case); not editable' },
    description: str,
  },
  [],
  { description: 'A namespace: name, code and idType are required to create one' },
);

/** What the graph route answers besides problem bodies: AEP's `{reason, message}` for a bad projection type. */
const graphError = obj({ reason: str, message: str }, ['reason'], { description: 'Graph request error' });

const compositeXidNs = obj({ ns: nsCode, nsid: { ...int, description: 'Numeric namespace id, instead of ns' }, id: idValue });
const graphBody = obj(
  {
    composite_xids: arrayOf(compositeXidNs, { description: 'Identities as {ns|nsid, id}' }),
    xids: arrayOf(xid),
    projection_type: { ...str, description: '`set` (members only, default) or `graph` (vertices and edges)' },
    require_edge_meta_data: bool,
  },
  [],
  { description: 'composite_xids and/or xids (at most 1000 in all)' },
);
const compositeOut = obj({ ns: { anyOf: [str, int] }, nsid: int, id: str });
const graphOut = obj({
  xid: str,
  composite_xid: compositeOut,
  members: arrayOf(obj({ ns: str, id: str }), { description: 'projection_type=set' }),
  vertices: arrayOf(obj({ composite_xid: compositeOut, last_updated_ts: int }), { description: 'projection_type=graph' }),
  edges: arrayOf(obj({ composite_xid_pair: arrayOf(compositeOut), first_established_ts: int, last_established_ts: int, dataset_ids: arrayOf(str), batch_ids: arrayOf(str) })),
});
const graphResponse = obj(
  { version: str, graphs: arrayOf(graphOut), unprocessed_composite_xids: arrayOf({ description: 'an input that is not in any graph (as sent)' }), algo_type: str },
  ['version', 'graphs', 'unprocessed_composite_xids'],
);

const clusterMember = obj({ nsid: int, namespace: str, id: str });
const clusterResponse = obj(
  {
    version: str,
    clusters: arrayOf(obj({ xid: str, compositeXid: anyObject, members: arrayOf({ anyOf: [str, clusterMember] }) })),
    unprocessedRecords: arrayOf({ description: 'an input that is not in any graph (as sent)' }),
    algo_type: str,
  },
  ['version', 'clusters', 'unprocessedRecords'],
);
const clustersBody = obj(
  {
    xids: arrayOf(xid, { maxItems: 1000 }),
    compositeXids: arrayOf(obj({ nsid: int, id: idValue }, ['nsid', 'id']), { maxItems: 1000 }),
    compositeXidsWithNamespace: arrayOf(obj({ namespace: nsCode, id: idValue }, ['namespace', 'id']), { maxItems: 1000 }),
  },
  [],
  { description: 'One of xids, compositeXids or compositeXidsWithNamespace' },
);

const rules = obj(
  {
    uniqueNamespaces: arrayOf(str, { description: 'Namespaces a graph may hold at most one identity of' }),
    priority: { type: 'object', additionalProperties: num, description: 'Namespace code → rank (1 = highest priority)' },
    graphSizeLimit: { ...int, description: 'Identities per graph (2–1000; AEP: 50)' },
    blockedValues: { type: 'object', additionalProperties: arrayOf(str), description: 'Namespace code (or *) → values never linked' },
    linkLimit: { ...int, description: 'Links one identity may take from one batch' },
  },
  [],
  { description: 'Identity graph linking rules' },
);
const identityRef = obj({ namespace: nsCode, id: idValue });
const edgeOut = obj({ firstSeen: int, lastSeen: int, datasets: arrayOf(str), batches: arrayOf(str), lastRecord: str });
const historyEntry = obj({ at: int, op: strEnum(['link', 'cut', 'evict', 'refuse', 'unlink']), a: str, b: str, rule: str, record: str, dataset: str, batch: str, detail: str });

export const identityRouteSchemas = {
  listNamespaces: route('List identity namespaces (standard and custom)', { response: responses({ 200: arrayOf(namespace, { description: 'Every namespace of the sandbox' }) }) }),
  createNamespace: route('Create a custom namespace', { body: namespaceWrite, response: responses({ 200: namespace }) }),
  getNamespace: route('Get a namespace by numeric id', { params: params('id'), response: responses({ 200: namespace }) }),
  updateNamespace: route('Update name or description (code and idType are immutable)', { params: params('id'), body: namespaceWrite, response: responses({ 200: namespace }) }),
  xid: route('XID of an identity (namespace= or nsid=, id=)', {
    querystring: query({ namespace: nsCode, nsid: { ...str, description: 'Numeric namespace id, instead of namespace' }, id: idValue }),
    response: responses({ 200: obj({ xid }, ['xid']) }),
  }),
  graph: route('Identity graphs by composite ids or XIDs (projection_type set | graph)', {
    body: graphBody,
    response: { 200: { ...graphResponse, description: 'OK' }, '4xx': { description: 'Client error', anyOf: [ref('Problem'), ref('GatewayError'), graphError] } },
  }),
  clusterMembers: route('Cluster members (legacy): xid=, or nsid=|namespace= with id=', {
    querystring: query({ xid, nsid: str, namespace: nsCode, id: idValue, 'graph-type': { ...str, description: 'pdg (the only graph Kith keeps)' } }),
    response: responses({ 200: clusterResponse }),
  }),
  clustersMembers: route('Cluster members for many identities (legacy)', { body: clustersBody, response: responses({ 200: clusterResponse }) }),
  getSettings: route('Linking rules of the sandbox', { response: responses({ 200: rules }) }),
  putSettings: route('Set linking rules (graphs are recomputed)', { body: rules, response: responses({ 200: rules }) }),
  simulate: route('Graph simulation: apply links to an empty graph under given rules', {
    body: obj(
      {
        rules,
        links: arrayOf(obj({ identities: arrayOf(obj({ namespace: nsCode, id: { anyOf: [str, num] } })), timestamp: { anyOf: [str, num], description: 'ISO date-time or epoch ms' } }, ['identities'])),
      },
      [],
      { description: 'links is required; rules default to the sandbox rules' },
    ),
    response: responses({ 200: obj({ graphs: arrayOf(arrayOf(obj({ namespace: str, id: str }))), history: arrayOf(historyEntry) }, ['graphs']) }),
  }),
  explain: route('Why are two identities in one graph? (a.ns, a.id, b.ns, b.id)', {
    querystring: query({ 'a.ns': nsCode, 'a.id': idValue, 'b.ns': nsCode, 'b.id': idValue }),
    response: responses({ 200: obj({ sameGraph: bool, path: arrayOf(obj({ from: obj({ namespace: str, id: str, xid: str }), to: obj({ namespace: str, id: str, xid: str }) }, [], { allOf: [edgeOut] })) }, ['sameGraph', 'path']) }),
  }),
  unlink: route('Remove a link, or every link of a batch or dataset, and recompute the graphs', {
    body: obj({ a: identityRef, b: identityRef, batchId: { type: 'string', minLength: 1 }, datasetId: { type: 'string', minLength: 1 } }, [], { description: 'a and b (a link), or batchId, or datasetId' }),
    response: responses({ 200: obj({ removedObservations: int, removedLinks: int }) }),
  }),
  suggest: route('Identities near a value ("did you mean"): exact after folding case and phone punctuation, typos, values containing it', {
    querystring: query({ value: { type: 'string', minLength: 1, maxLength: 1024 }, namespace: nsCode, limit: { type: 'integer', minimum: 1, maximum: 100 } }, ['value']),
    response: responses({
      200: obj(
        { suggestions: arrayOf(obj({ namespace: str, id: str, xid, match: { ...strEnum(['exact', 'typo', 'contains']) }, distance: int }, ['namespace', 'id', 'xid', 'match', 'distance'])) },
        ['suggestions'],
      ),
    }),
  }),
  history: route('Every link, cut, eviction and refusal involving an identity', {
    querystring: query({ namespace: nsCode, id: idValue, limit: { type: 'integer', minimum: 1, maximum: 10000 } }),
    response: responses({ 200: obj({ xid: str, history: arrayOf(historyEntry) }, ['xid', 'history']) }),
  }),
};
