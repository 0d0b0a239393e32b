import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FlowService } from '../../flow/flow-service.js';
import type { Clock } from '../../shared/clock.js';
import { randomUUID } from 'node:crypto';
import { newXactionBase } from '../../ingest/collection/collection-service.js';
import { parseInteract, resolveEcid } from '../edge/interact.js';
import { mapInteractEvents } from '../edge/map-event.js';
import { buildInteractResponse, parseEdgeQuery } from '../edge/response.js';
import { consentProfileRecord, parseSetConsent, type GeneralConsent } from '../edge/consent.js';
import { cookieConsent, decideConsent, requestIdentities, type ConsentDecision } from '../edge/consent-decision.js';
import type { InteractRequest } from '../edge/interact.js';
import { namesPerson, splitProfileRecords } from '../edge/profile-records.js';
import type { RecordRoutingLookup } from './record-routing.js';
import { sandboxCtxOf } from '../../http/request-context.js';
import { sendProblem } from '../../http/reply.js';
import { notFound } from '../../shared/problem.js';
import { int, obj, params as pathParams, responses, str } from '../../http/schemas.js';
import type { SourceStateStore } from './source-state-store.js';
import { ConsentCounters, type StoredConsentLookup } from './stored-consent.js';
import { invalidEdgeRequest, edgeError } from '../edge/edge-errors.js';
import { emptyOutput } from '../shared/xdm-output.js';
import { sourceTargets, type SourceBindingDeps } from './source-provisioner.js';
import type { SourceSink } from './source-sink.js';
import { installCors } from './cors.js';
import { edgeRouteSchemas } from './route-schemas.js';
import { describeValidation } from '../../http/error-mapper.js';
import type { FastifyError } from 'fastify';

import { EDGE_DATASTREAM_SPEC, EDGE_SPEC_DEF } from './source-specs.js';

export { EDGE_DATASTREAM_SPEC };

export interface EdgeDeps extends SourceBindingDeps {
  flow: FlowService;
  sink: SourceSink;
  clock: Clock;
  /** Where refusals are counted. */
  state: SourceStateStore;
  /** Consent stored on the profiles of a request's identities (set-consent or ingested `consents.collect.val`). */
  storedConsent: StoredConsentLookup;
  /** The datastream's two datasets' fields, to route Individual Profile records to the profile dataset (none: all events). */
  recordRouting?: RecordRoutingLookup;
}

interface DatastreamParams {
  datastreamId?: string;
  profileDataSetId?: string;
  eventDataSetId?: string;
  /** Consent assumed until the visitor decides (alloy's defaultConsent): in | out | pending. */
  defaultConsent?: GeneralConsent;
}

const send = (reply: FastifyReply, p: { status: number; body: Record<string, unknown> }) => reply.code(p.status).send(p.body);

/**
 * Edge Network endpoints the AEP Web SDK (alloy) calls: `/ee[/{locationHint}]/v1/interact|collect`,
 * `/ee/v1/privacy/set-consent`, and the server API `/ee/v2/interact|collect`. A datastream (configId) is a
 * Flow Service connection bound to a profile and an event dataset. The ECID is minted here, returned as
 * `identity:result` and stored through `state:store`, and read back from alloy's identity cookie.
 */
export function registerEdgeRoutes(app: FastifyInstance, d: EdgeDeps): void {
  d.flow.registerSpec(EDGE_DATASTREAM_SPEC, EDGE_SPEC_DEF);

  async function datastream(req: FastifyRequest) {
    const { configId } = parseEdgeQuery(req.query as Record<string, string>);
    if (!configId) return { error: invalidEdgeRequest('The configId (datastream id) query parameter is required.') } as const;
    const found = await d.flow.resolveByParam('datastreamId', configId);
    if (!found) return { error: edgeError(400, 'EXEG-0001', 'Unknown datastream', `Datastream ${configId} does not exist or is disabled.`) } as const;
    const params = ((found.connection.auth as { params?: DatastreamParams } | undefined)?.params ?? {}) as DatastreamParams;
    const targets = await sourceTargets(d, { sandboxId: found.sandboxId, orgId: found.orgId, connectionId: found.connection.id }, params, 'Web SDK', String(req.id));
    if (!targets) return { error: edgeError(503, 'EXEG-0500', 'Unavailable', 'The datastream datasets could not be prepared.') } as const;
    return { found, params, targets } as const;
  }

  const counters = new ConsentCounters(d.state);

  /**
   * The device's consent cookie, else (or when it says in) the consent stored for the request's identities, else the
   * datastream default. A stored consent that cannot be read leaves the decision to the cookie and the default.
   */
  async function consentOf(req: FastifyRequest, found: { orgId: string; sandboxId: string }, body: InteractRequest, ecid: string | undefined, def: GeneralConsent): Promise<ConsentDecision> {
    const cookie = cookieConsent(found.orgId, body.stateEntries, req.headers.cookie);
    if (cookie === 'out') return decideConsent(cookie, undefined, def);
    let stored: GeneralConsent | undefined;
    try {
      stored = await d.storedConsent(found, requestIdentities(body, ecid));
    } catch (e) {
      req.log.warn({ err: e }, 'stored consent could not be read');
    }
    return decideConsent(cookie, stored, def);
  }

  app.get(
    '/data/foundation/kith/sources/edge/:connectionId/stats',
    {
      schema: {
        tags: ['Edge Network'],
        summary: 'Requests and events a datastream refused for consent, by what decided (cookie, stored consent, datastream default)',
        params: pathParams('connectionId'),
        response: responses({
          200: obj(
            {
              connectionId: str,
              datastreamId: str,
              consent: obj({ refusedRequests: int, refusedEvents: int, refusedBy: obj({ cookie: int, stored: int, default: int }, ['cookie', 'stored', 'default']) }, ['refusedRequests', 'refusedEvents', 'refusedBy']),
            },
            ['connectionId', 'consent'],
          ),
        }),
      },
    },
    async (req, reply) => {
      const { connectionId } = req.params as { connectionId: string };
      const found = await d.flow.resolveConnection(connectionId);
      if (!found || found.sandboxId !== sandboxCtxOf(req).sandbox.id || (found.connection.connectionSpec as { id?: string } | undefined)?.id !== EDGE_DATASTREAM_SPEC)
        return sendProblem(reply, notFound(`No datastream connection ${connectionId} in this sandbox`));
      const datastreamId = ((found.connection.auth as { params?: DatastreamParams } | undefined)?.params ?? {}).datastreamId;
      return { connectionId, ...(datastreamId ? { datastreamId } : {}), consent: await counters.of(connectionId) };
    },
  );

  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // alloy sends JSON as text/plain: any content type parses as JSON, so the route schemas validate the body
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, (body as string).trim() === '' ? undefined : JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error('The request body must be a JSON object.'), { statusCode: 400 }), undefined);
      }
    });
    // every refusal in the Edge Network's error shape (alloy reads its type, title and detail)
    scope.setErrorHandler((error: FastifyError, req, reply) => {
      if (error.validation) return send(reply, invalidEdgeRequest(describeValidation(error.validationContext, error.validation)));
      if (typeof error.statusCode === 'number' && error.statusCode < 500) return send(reply, edgeError(error.statusCode, 'EXEG-0003', 'Invalid request', error.message));
      req.log.error({ err: error }, 'edge request failed');
      return send(reply, edgeError(500, 'EXEG-0500', 'Internal error', `An unexpected error occurred (request ${req.id})`));
    });
    const interactPaths = ['/ee/v1/interact', '/ee/v1/collect', '/ee/:hint/v1/interact', '/ee/:hint/v1/collect', '/ee/v2/interact', '/ee/v2/collect'];
    const consentPaths = ['/ee/v1/privacy/set-consent', '/ee/:hint/v1/privacy/set-consent'];
    installCors(scope, [...interactPaths, ...consentPaths]);
    for (const path of interactPaths)
      scope.post(path, { config: { auth: 'none' }, bodyLimit: 1024 * 1024, schema: edgeRouteSchemas.interact(path) }, async (req, reply) => {
        const now = d.clock.now();
        const ds = await datastream(req);
        if ('error' in ds) return send(reply, ds.error!);
        const parsed = parseInteract(req.body);
        if (!parsed.ok) return send(reply, parsed.error);
        const requestId = parseEdgeQuery(req.query as Record<string, string>).requestId ?? randomUUID();
        // Individual Profile records (e.g. the Commerce customers-connector's) go to the datastream's profile dataset
        // (schemas that cannot be read: everything is an event, and a record then fails visibly with its reason)
        const routing = await d.recordRouting?.(ds.found.sandboxId, ds.targets).catch((e: unknown) => void req.log.warn({ err: e }, 'datastream schemas could not be read'));
        const { events, records } = splitProfileRecords(parsed.value, routing ?? undefined);
        const resolved = resolveEcid(parsed.value, { orgId: ds.found.orgId, cookieHeader: req.headers.cookie });
        // a server-side call (/ee/v2) is not a device: no ECID is minted for one that names the person otherwise
        const ecid = path.startsWith('/ee/v2/') && resolved.source === 'minted' && namesPerson(events, records) ? undefined : resolved.ecid;
        const decision = await consentOf(req, ds.found, parsed.value, ecid, ds.params.defaultConsent ?? 'in');
        // honour consent: with collect denied (or still pending), events are not collected
        const mapped = decision.consent === 'in' ? mapInteractEvents(events, { ecid, requestId, receivedAt: now }) : emptyOutput();
        const out = decision.consent === 'in' ? { ...mapped, profiles: [...mapped.profiles, ...records] } : mapped;
        if (decision.consent !== 'in' && parsed.value.events.length > 0) await counters.refused(ds.found.connection.id, decision.reason, parsed.value.events.length);
        const w = await d.sink.write({ ...ds.targets, sandboxId: ds.found.sandboxId, orgId: ds.found.orgId, connectionId: ds.found.connection.id, sourceName: `edge:${ds.found.connection.name as string}` }, out, {
          receivedAt: now,
          xactionBase: newXactionBase(now),
          requestId,
          // a retried profile record comes again with its `_id`: dropped as a duplicate, as events are
          uniqueIdProfiles: new Set(records),
        });
        if ('error' in w) return send(reply, edgeError(500, 'EXEG-0500', 'Misconfigured datastream', w.error));
        if (path.endsWith('/collect')) return reply.code(204).send();
        return reply.code(200).send(buildInteractResponse({ requestId, ecid, orgId: ds.found.orgId }));
      });

    for (const path of consentPaths)
      scope.post(path, { config: { auth: 'none' }, schema: edgeRouteSchemas.setConsent }, async (req, reply) => {
        const now = d.clock.now();
        const ds = await datastream(req);
        if ('error' in ds) return send(reply, ds.error!);
        const parsed = parseSetConsent(req.body, now);
        if (!parsed.ok) return send(reply, parsed.error);
        const requestId = parseEdgeQuery(req.query as Record<string, string>).requestId ?? randomUUID();
        const { ecid } = resolveEcid({ events: [], identityFetch: [], stateEntries: parsed.value.stateEntries, cookiesEnabled: true, identityMap: parsed.value.identityMap }, { orgId: ds.found.orgId, cookieHeader: req.headers.cookie });
        const identityMap = { ...(parsed.value.identityMap ?? {}), ECID: [{ id: ecid, authenticatedState: 'ambiguous' as const, primary: !parsed.value.identityMap }] };
        const record = consentProfileRecord(parsed.value.consent, identityMap);
        const out = { ...emptyOutput(), profiles: Object.keys(record).length > 1 ? [record] : [] };
        await d.sink.write({ ...ds.targets, sandboxId: ds.found.sandboxId, orgId: ds.found.orgId, connectionId: ds.found.connection.id, sourceName: `edge:${ds.found.connection.name as string}` }, out, {
          receivedAt: now,
          xactionBase: newXactionBase(now),
          requestId,
        });
        return reply.code(200).send(buildInteractResponse({ requestId, ecid, orgId: ds.found.orgId, consent: parsed.value.consent.general }));
      });
  });
}
