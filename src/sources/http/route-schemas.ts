import { anyObject, arrayOf, bool, int, noContentResponse, num, obj, params, query, ref, responses, str, type JsonSchema } from '../../http/schemas.js';
import { MAX_EVENTS_PER_REQUEST } from '../edge/interact.js';

/**
 * Request and response schemas of the source routes: Edge Network (Web SDK), Segment tracking API, Shopify webhooks and
 * app. Edge bodies are validated by these schemas; Segment and Shopify bodies stay raw (Segment drops ill-typed
 * messages and still answers 200; Shopify's HMAC covers the raw bytes), so their body schemas document.
 */

// ---- Edge Network ------------------------------------------------------------------------------------

const EDGE_TAGS = ['Edge Network'];

/** The Edge Network error body alloy reads (`EXEG-…` problem types, see edge-errors.ts). */
const edgeErrorBody = obj({ type: str, status: int, title: str, detail: str }, ['type', 'status', 'title'], { description: 'Edge Network error (EXEG-… type)' });

const identityItem = obj({ id: { anyOf: [str, num] }, authenticatedState: { ...str, description: 'ambiguous, authenticated or loggedOut' }, primary: bool }, ['id']);
const identityMap: JsonSchema = { type: 'object', additionalProperties: arrayOf(identityItem), description: 'Namespace code → identities' };
const xdmEvent = obj(
  {
    timestamp: { type: 'string', format: 'date-time', description: 'ISO 8601; default: the receive time' },
    _id: { ...str, description: 'Event id; default: derived from the requestId and the event index' },
    eventType: { ...str, description: 'e.g. web.webpagedetails.pageViews; default edge.unspecified' },
    identityMap,
  },
  [],
  { description: 'The ExperienceEvent (XDM); the ECID is added to identityMap' },
);
const alloyEvent = obj({ xdm: xdmEvent, data: { ...anyObject, description: 'Free-form data (not stored)' }, query: anyObject, meta: anyObject });
const interactBody = obj(
  {
    events: arrayOf(alloyEvent, { maxItems: MAX_EVENTS_PER_REQUEST }),
    event: { ...alloyEvent, description: 'Server API (/ee/v2): one event' },
    query: obj({ identity: obj({ fetch: arrayOf(str, { description: '["ECID"]' }) }) }),
    meta: obj({ state: obj({ domain: str, cookiesEnabled: bool, entries: arrayOf(obj({ key: str, value: str })) }), configOverrides: anyObject }),
    identityMap,
  },
  [],
  { description: "alloy's body ({events, query, meta}) or the Server API's ({event} or {events}); sent as text/plain JSON" },
);
const edgeQuery = query({
  configId: { ...str, description: 'The datastream id (auth.params.datastreamId of the datastream connection)' },
  dataStreamId: { ...str, description: 'Server API spelling of configId' },
  datastreamId: str,
  edgeConfigId: str,
  requestId: { ...str, description: "The client's request id, echoed back" },
});
const handle = obj({ type: { ...str, description: 'identity:result, state:store, locationHint:result' }, payload: arrayOf(anyObject), eventIndex: int }, ['type', 'payload']);
const interactResponse = obj({ requestId: str, handle: arrayOf(handle), warnings: arrayOf(anyObject), errors: arrayOf(anyObject) }, ['requestId', 'handle']);
const edgeErrors = { '4xx': { ...edgeErrorBody, description: 'Invalid request or unknown datastream' }, '5xx': { ...edgeErrorBody, description: 'The datastream cannot take data now' } };

const consentBody = obj(
  {
    consent: arrayOf(obj({ standard: { ...str, description: 'Adobe or IAB TCF' }, version: str, value: anyObject }), { description: 'Consent in Adobe 1.0/2.0 or IAB TCF 2.0' }),
    identityMap,
    meta: obj({ state: obj({ entries: arrayOf(obj({ key: str, value: str })) }) }),
  },
  ['consent'],
);

export const edgeRouteSchemas = {
  interact: (path: string): JsonSchema => ({
    tags: EDGE_TAGS,
    summary: path.endsWith('collect') ? 'Web SDK collect: events without a response (204)' : 'Web SDK interact: events in, ECID and cookies out',
    querystring: edgeQuery,
    body: interactBody,
    response: path.endsWith('collect') ? { 204: noContentResponse, ...edgeErrors } : { 200: { ...interactResponse, description: 'Handles alloy consumes' }, ...edgeErrors },
  }),
  setConsent: { tags: EDGE_TAGS, summary: 'Web SDK set-consent: stores consent on the profile', querystring: edgeQuery, body: consentBody, response: { 200: { ...interactResponse, description: 'Handles, with the consent cookie' }, ...edgeErrors } } as JsonSchema,
};

// ---- Segment tracking API ---------------------------------------------------------------------------------

const SEGMENT_TAGS = ['Sources: Segment'];
const segmentError = obj({ success: { const: false }, code: str, message: str }, ['success', 'code'], { description: "Segment's error body" });
const segmentMessage = obj({
  type: { ...str, description: 'identify, track, page, screen, group or alias (batch items; single endpoints take it from the path)' },
  userId: { anyOf: [str, num] },
  anonymousId: { anyOf: [str, num] },
  messageId: { ...str, description: 'Deduplication key (7 days)' },
  timestamp: { ...str, description: 'Device time, corrected for clock skew with sentAt' },
  event: { ...str, description: 'track: the event name' },
  name: str,
  groupId: str,
  previousId: str,
  traits: anyObject,
  properties: anyObject,
  context: anyObject,
  integrations: anyObject,
});
const segmentBody = (path: string): JsonSchema =>
  ['batch', 'b', 'import'].includes(path)
    ? obj({ batch: arrayOf(segmentMessage), writeKey: str, sentAt: str, context: anyObject, integrations: anyObject }, ['batch'], { description: 'JSON (any content type; analytics.js sends text/plain). Ill-typed messages are dropped into failed records, the rest ingested.' })
    : obj({ ...(segmentMessage.properties as Record<string, JsonSchema>), writeKey: str, sentAt: str }, [], { description: 'One message (JSON, any content type). An ill-typed message is dropped into failed records.' });

export const segmentRouteSchema = (path: string): JsonSchema => ({
  tags: SEGMENT_TAGS,
  summary: `Segment ${path}`,
  description: 'Auth: HTTP Basic with the write key as user name (empty password), or `writeKey` in the body. The write key is `auth.params.writeKey` of the Segment source connection.',
  body: segmentBody(path),
  response: {
    200: obj({ success: { const: true } }, ['success'], { description: 'Accepted ({"success": true}), as Segment answers' }),
    '4xx': { ...segmentError, description: '400 bad JSON or oversize payload, 401 unknown write key' },
    '5xx': { ...segmentError, description: 'The source cannot take data now (clients retry)' },
  },
});

// ---- Shopify --------------------------------------------------------------------------------------------

const SHOPIFY_TAGS = ['Sources: Shopify'];
const shopifyError = obj({ status: int, title: str, detail: str }, ['status', 'title'], { description: 'An error' });
const shopifyErrors = { '4xx': { description: 'Client error', anyOf: [shopifyError, ref('Problem'), ref('GatewayError')] }, '5xx': { ...shopifyError, description: 'Not ingested now: Shopify retries' } };

export const shopifyRouteSchemas = {
  webhooks: {
    tags: SHOPIFY_TAGS,
    summary: 'Shopify webhook deliveries (HMAC-verified, deduplicated, asynchronous)',
    description:
      'Register https://<kith>/sources/shopify/<connectionId>/webhooks as the webhook address (the OAuth install does). X-Shopify-Hmac-Sha256 must be the HMAC of the raw body with the connection clientSecret.',
    params: params('connectionId'),
    body: { ...anyObject, description: 'The Shopify resource of X-Shopify-Topic (orders/*, customers/*, checkouts/*, carts/*), as Shopify sends it' },
    response: {
      200: obj(
        { status: { ...str, description: 'accepted, duplicate (redelivery) or ignored (unsupported topic)' }, topic: str, verdict: { ...str, description: 'newer, older (attributes kept back) or unordered' }, profiles: int, events: int },
        ['status'],
        { description: 'Delivery acknowledged' },
      ),
      ...shopifyErrors,
    },
  } as JsonSchema,
  install: {
    tags: SHOPIFY_TAGS,
    summary: 'Start the OAuth install: redirects the merchant to Shopify',
    params: params('connectionId'),
    querystring: query({ shop: { ...str, description: 'The *.myshopify.com domain (default: the connection shopDomain)' } }),
    response: { 302: { description: 'Redirect to Shopify\'s authorize page', type: 'null' }, ...shopifyErrors },
  } as JsonSchema,
  callback: {
    tags: SHOPIFY_TAGS,
    summary: 'OAuth callback: verifies the HMAC and state, exchanges the code, registers webhooks',
    params: params('connectionId'),
    querystring: query({ shop: str, code: str, state: str, hmac: str, timestamp: str, host: str }),
    response: {
      200: obj({ installed: bool, shop: str, scope: { anyOf: [str, arrayOf(str)] }, webhooks: arrayOf(obj({ topic: str, id: { anyOf: [str, num] }, created: bool })) }, ['installed'], { description: 'Installed' }),
      ...shopifyErrors,
    },
  } as JsonSchema,
  reconcile: {
    tags: SHOPIFY_TAGS,
    summary: 'Pull orders and customers updated since the last run through the same mapping (deliveries can be lost)',
    params: params('connectionId'),
    body: obj({ since: { type: 'string', format: 'date-time', description: 'Default: where the last run stopped' } }),
    response: {
      ...responses({ 200: obj({ since: str, nextSince: str, orders: int, customers: int, pages: int, profiles: int, events: int }, ['since', 'nextSince']) }),
      '4xx': shopifyErrors['4xx'],
      '5xx': shopifyErrors['5xx'],
    },
  } as JsonSchema,
};

// ---- Flow Service connections of the sources ------------------------------------------------------------

