import type { FastifyInstance } from 'fastify';
import { sandboxCtxOf } from '../../http/request-context.js';
import { sendProblem } from '../../http/reply.js';
import { badRequest, notFound } from '../../shared/problem.js';
import type { FailedItem } from '../processor/processor-ports.js';
import type { IngestMessage, LogAppender } from '../collection/collection-service.js';
import { batchFailedSchema, listFailedSchema, replaySchema } from './route-schemas.js';
import { jsonOrText } from '../../shared/objects.js';

export interface StoredFailedRecord extends FailedItem {
  id: string;
  createdAt: number;
  replayedAt?: number | null;
}

/** The queryable failed-records store, as the API reads it. */
export interface FailedRecordsReader {
  list(q: { sandboxId: string; datasetId?: string; batchId?: string; limit: number; after?: string; includeReplayed?: boolean }): Promise<StoredFailedRecord[]>;
  markReplayed(sandboxId: string, ids: string[]): Promise<void>;
}


function view(r: StoredFailedRecord) {
  const payload = jsonOrText(r.payload);
  return {
    id: r.id,
    datasetId: r.datasetId,
    batchId: r.batchId,
    offset: r.offset,
    code: r.code,
    reason: r.reason,
    violations: r.violations ?? [],
    createdAt: r.createdAt,
    replayedAt: r.replayedAt ?? null,
    payload,
  };
}

/**
 * Failed records: listing and download per batch (AEP "error diagnostics"), and replay after a schema fix:
 * replay re-appends the original payloads to the ingest log, so they are validated again.
 */
export function registerFailedRecordRoutes(app: FastifyInstance, store: FailedRecordsReader, log: LogAppender, now: () => number): void {
  app.get('/data/foundation/kith/failed-records', { schema: listFailedSchema }, async (req) => {
    const c = sandboxCtxOf(req);
    const q = req.query as { datasetId?: string; batchId?: string; limit?: string; start?: string; includeReplayed?: string };
    const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), 1000);
    const recs = await store.list({ sandboxId: c.sandbox.id, datasetId: q.datasetId, batchId: q.batchId, limit, after: q.start, includeReplayed: q.includeReplayed === 'true' });
    const next = recs.length === limit ? recs[recs.length - 1]!.id : null;
    return { records: recs.map(view), _page: { count: recs.length, limit, next } };
  });

  // AEP error diagnostics: list the failed "files" of a batch, then download with ?path=
  app.get('/data/foundation/export/batches/:batchId/failed', { schema: batchFailedSchema }, async (req, reply) => {
    const c = sandboxCtxOf(req);
    const { batchId } = req.params as { batchId: string };
    const { path } = req.query as { path?: string };
    const recs = await store.list({ sandboxId: c.sandbox.id, batchId, limit: 1_000_000, includeReplayed: true });
    if (path === undefined) {
      if (recs.length === 0) return { data: [] };
      return {
        data: [
          {
            name: 'failed_records.json',
            length: recs.length,
            _links: { self: { href: `/data/foundation/export/batches/${batchId}/failed?path=failed_records.json` } },
          },
        ],
      };
    }
    if (path !== 'failed_records.json') return sendProblem(reply, notFound(`No failed file ${path} in batch ${batchId}`));
    const lines = recs.map((r) => JSON.stringify({ _errors: [{ code: r.code, message: r.reason, violations: r.violations ?? [] }], _offset: r.offset, payload: view(r).payload }));
    return reply.type('application/x-ndjson').send(lines.join('\n') + (lines.length ? '\n' : ''));
  });

  app.post('/data/foundation/kith/failed-records/replay', { schema: replaySchema }, async (req, reply) => {
    const c = sandboxCtxOf(req);
    const b = (req.body ?? {}) as { ids?: unknown; batchId?: unknown; datasetId?: unknown };
    if (b.ids === undefined && b.batchId === undefined && b.datasetId === undefined) return sendProblem(reply, badRequest('Give ids, batchId or datasetId'));
    if (b.ids !== undefined && (!Array.isArray(b.ids) || b.ids.some((x) => typeof x !== 'string'))) return sendProblem(reply, badRequest('ids must be an array of strings'));
    let recs = await store.list({
      sandboxId: c.sandbox.id,
      batchId: typeof b.batchId === 'string' ? b.batchId : undefined,
      datasetId: typeof b.datasetId === 'string' ? b.datasetId : undefined,
      limit: 1_000_000,
    });
    if (Array.isArray(b.ids)) {
      const want = new Set(b.ids as string[]);
      recs = recs.filter((r) => want.has(r.id));
    }
    // Only messages we still have the wire form of can be replayed (parse errors of batch files cannot).
    const replayable = recs.filter((r) => r.code !== 'PARSE_ERROR');
    const t = now();
    const msgs: IngestMessage[] = replayable.map((r, i) => {
      const wire = JSON.parse(r.payload) as Record<string, unknown>;
      const x = `replay:${t}:${i}`;
      wire.x = x;
      delete wire.b; // a replayed row joins a new streaming batch, not its finished import batch
      return {
        sandboxId: c.sandbox.id,
        orgId: c.orgId,
        inletId: '',
        datasetId: r.datasetId,
        kind: 'r' in wire ? 'raw' : 'xdm',
        receivedAt: t,
        xactionId: x,
        requestId: c.requestId,
        payload: JSON.stringify(wire),
      };
    });
    if (msgs.length) await log.append(msgs);
    await store.markReplayed(c.sandbox.id, replayable.map((r) => r.id));
    return { replayed: msgs.length, skipped: recs.length - replayable.length };
  });
}
