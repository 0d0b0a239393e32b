import type { FastifyError, FastifyInstance } from 'fastify';
import type { FlowService } from '../../flow/flow-service.js';
import type { Clock } from '../../shared/clock.js';
import { newXactionBase } from '../../ingest/collection/collection-service.js';
import { readSegmentBody } from '../segment/body.js';
import { parseWriteKey } from '../segment/write-key.js';
import { normaliseSegmentPayload, segmentDedupeKey } from '../segment/normalise.js';
import { mapSegmentMessage } from '../segment/map-message.js';
import { MAX_BATCH_BYTES, SEGMENT_SUCCESS, badRequestSegment, segmentError, tooLarge, unauthorizedSegment } from '../segment/responses.js';
import { emptyOutput, type SourceOutput } from '../shared/xdm-output.js';
import type { SourceStateStore } from './source-state-store.js';
import { sourceTargets, type SourceBindingDeps } from './source-provisioner.js';
import type { SourceSink } from './source-sink.js';
import { installCors } from './cors.js';
import { segmentRouteSchema } from './route-schemas.js';

import { SEGMENT_SOURCE_SPEC, SEGMENT_SPEC_DEF } from './source-specs.js';

export { SEGMENT_SOURCE_SPEC };
const DEDUPE_TTL_MS = 7 * 24 * 3600_000;

export interface SegmentDeps extends SourceBindingDeps {
  flow: FlowService;
  state: SourceStateStore;
  sink: SourceSink;
  clock: Clock;
}

interface SegmentParams {
  writeKey?: string;
  profileDataSetId?: string;
  eventDataSetId?: string;
  userIdNamespace?: string;
}

const PATHS = ['batch', 'identify', 'track', 'page', 'screen', 'group', 'alias', 'import', 'b', 'i', 't', 'p', 'g', 'a', 's'];

/**
 * Segment tracking API: `/v1/batch`, `/v1/{identify,track,page,screen,group,alias}` and the browser short forms
 * `/v1/{b,i,t,p,g,a,s}`. A connection with the Segment spec owns a write key (Basic auth or `writeKey` in the body);
 * messages are deduplicated by `messageId`, mapped to XDM and appended to the ingest log before the 200.
 */
export function registerSegmentRoutes(app: FastifyInstance, d: SegmentDeps): void {
  d.flow.registerSpec(SEGMENT_SOURCE_SPEC, SEGMENT_SPEC_DEF);
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    // the body stays raw (size limits, BOM, any content type): its schema documents; normalise.ts drops ill-typed messages, as Segment does
    scope.setValidatorCompiler(() => () => true);
    // every refusal in Segment's shape ({success:false, code, message}): its clients read the status, people the message
    scope.setErrorHandler((error: FastifyError, req, reply) => {
      const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
      const p = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? tooLarge('Request body', MAX_BATCH_BYTES) : status < 500 ? { ...badRequestSegment(error.message), status } : segmentError(500, 'internal', `An unexpected error occurred (request ${req.id})`);
      if (p.status >= 500) req.log.error({ err: error }, 'segment request failed');
      return reply.code(p.status).send(p.body);
    });
    installCors(scope, PATHS.map((p) => `/v1/${p}`));
    for (const path of PATHS)
      scope.post(`/v1/${path}`, { config: { auth: 'none', errorFormat: 'segment' }, bodyLimit: 1024 * 1024, schema: segmentRouteSchema(path) }, async (req, reply) => {
        const now = d.clock.now();
        const body = readSegmentBody(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
        if (!body.ok) return reply.code(body.error.status).send(body.error.body);
        const writeKey = parseWriteKey(req.headers as Record<string, string>, body.value);
        const found = writeKey ? await d.flow.resolveWriteKey(writeKey) : undefined;
        if (!found) return reply.code(401).send(unauthorizedSegment().body);
        const params = ((found.connection.auth as { params?: SegmentParams } | undefined)?.params ?? {}) as SegmentParams;
        const norm = normaliseSegmentPayload(`/v1/${path}`, body.value, { receivedAt: now });
        if (!norm.ok) return reply.code(norm.error.status).send(norm.error.body);
        const connectionId = found.connection.id;
        // the request's messageIds checked in one statement, remembered in one after the append
        const keyOf = new Map(norm.value.messages.map((m) => [m, segmentDedupeKey(connectionId, m)]));
        const seen = await d.state.seen([...keyOf.values()], now);
        const fresh = norm.value.messages.filter((m) => !seen.has(keyOf.get(m)!));
        const out: SourceOutput = emptyOutput();
        for (const m of fresh) {
          const o = mapSegmentMessage(m, { receivedAt: now, userIdNamespace: params.userIdNamespace });
          out.profiles.push(...o.profiles);
          out.events.push(...o.events);
          out.identityLinks.push(...o.identityLinks);
        }
        const targets = await sourceTargets(d, { sandboxId: found.sandboxId, orgId: found.orgId, connectionId }, params, 'Segment', String(req.id));
        if (!targets) return reply.code(503).header('retry-after', '5').send({ success: false, code: 'unavailable', message: 'source datasets could not be prepared' });
        const rejected = norm.value.rejected.map((r) => ({ reason: `segment message ${r.index}${r.messageId ? ` (${r.messageId})` : ''}: ${r.reason}`, raw: '' }));
        const w = await d.sink.write({ ...targets, sandboxId: found.sandboxId, orgId: found.orgId, connectionId: found.connection.id, sourceName: `segment:${found.connection.name as string}` }, out, {
          receivedAt: now,
          xactionBase: newXactionBase(now),
          requestId: String(req.id),
          rejected,
        });
        if ('error' in w) return reply.code(500).send({ success: false, code: 'misconfigured', message: w.error });
        await d.state.remember(fresh.map((m) => keyOf.get(m)!), now, DEDUPE_TTL_MS);
        return reply.code(200).send(SEGMENT_SUCCESS);
      });
  });
}
