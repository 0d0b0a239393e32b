import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { BatchImportService } from './batch-import-service.js';
import { sandboxCtxOf } from '../../http/request-context.js';
import { sendProblem } from '../../http/reply.js';
import { badRequest, type Problem } from '../../shared/problem.js';
import * as S from './route-schemas.js';

const BASE = '/data/foundation/import';

type FileParams = { batchId: string; datasetId: string; fileName: string };

const action = (req: FastifyRequest) => String((req.query as { action?: string }).action ?? '').toUpperCase();

/** Batch ingestion API. File bodies are taken raw whatever their content type. */
export function registerBatchImportRoutes(
  app: FastifyInstance,
  svc: BatchImportService,
  preview: (sandboxId: string, datasetId: string, batchId: string, limit: number) => Promise<Array<Record<string, unknown>> | undefined>,
): void {
  app.get(`${BASE}/batches/:batchId/datasets/:datasetId/preview`, { schema: S.previewSchema }, async (req, reply) => {
    const c = sandboxCtxOf(req);
    const { batchId, datasetId } = req.params as { batchId: string; datasetId: string };
    const limit = Math.min(Math.max(Number((req.query as { limit?: string }).limit ?? 100) || 100, 1), 1000);
    const rows = await preview(c.sandbox.id, datasetId, batchId, limit);
    if (!rows) return sendProblem(reply, badRequest(`No dataset ${datasetId} in this sandbox`));
    return { data: rows };
  });

  app.post(`${BASE}/batches`, { schema: S.createBatchSchema }, async (req, reply) => {
    const r = await svc.create(sandboxCtxOf(req), req.body);
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.code(201).send({ id: r.value.id, ...r.value.view });
  });

  app.post(`${BASE}/batches/:batchId`, { schema: S.batchActionSchema }, async (req, reply) => {
    const ctx = sandboxCtxOf(req);
    const { batchId } = req.params as { batchId: string };
    const a = action(req);
    const r = a === 'COMPLETE' ? await svc.complete(ctx, batchId) : a === 'ABORT' ? await svc.abort(ctx, batchId) : undefined;
    if (!r) return sendProblem(reply, badRequest('action must be COMPLETE or ABORT'));
    if (!r.ok) return sendProblem(reply, r.error);
    return reply.code(200).send();
  });

  // File uploads: a child context that hands every body to the handler as a stream, whatever its content type;
  // the service writes it to disk as it arrives (never a whole-body buffer) and enforces the size limit itself.
  void app.register(async (files) => {
    files.removeAllContentTypeParsers();
    files.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    const path = `${BASE}/batches/:batchId/datasets/:datasetId/files/:fileName`;
    const upload = { auth: 'sandbox' as const, upload: true };
    const consumes = ['application/octet-stream', 'application/json', 'text/csv', 'application/x-ndjson'];
    files.put(
      path,
      { config: upload, schema: { ...S.putFileSchema, consumes } },
      async (req, reply) => {
        const p = req.params as FileParams;
        const r = await svc.putFile(sandboxCtxOf(req), p.batchId, p.datasetId, p.fileName, bodyStream(req), contentLength(req));
        if (!r.ok) return failed(reply, r.error);
        return reply.code(200).send();
      },
    );
    files.post(
      path,
      { config: upload, schema: { ...S.fileActionSchema, consumes } },
      async (req, reply) => {
        const p = req.params as FileParams;
        const a = action(req);
        if (a === 'INITIALIZE') {
          const r = await svc.initFile(sandboxCtxOf(req), p.batchId, p.datasetId, p.fileName);
          if (!r.ok) return sendProblem(reply, r.error);
          return reply.code(201).send();
        }
        if (a === 'COMPLETE') return reply.code(201).send();
        return sendProblem(reply, badRequest('action must be INITIALIZE or COMPLETE'));
      },
    );
    files.patch(
      path,
      { config: upload, schema: { ...S.patchFileSchema, consumes } },
      async (req, reply) => {
        const p = req.params as FileParams;
        const range = req.headers['content-range'];
        const r = await svc.patchFile(sandboxCtxOf(req), p.batchId, p.datasetId, p.fileName, typeof range === 'string' ? range : undefined, bodyStream(req), contentLength(req));
        if (!r.ok) return failed(reply, r.error);
        return reply.code(200).send();
      },
    );
  });
}


/** The request body as a stream: the raw one, or an empty one when the request has no body (no parser ran). */
function bodyStream(req: FastifyRequest): Readable {
  const b = req.body as unknown;
  if (b instanceof Readable) return b;
  return Readable.from(Buffer.isBuffer(b) ? [b] : []);
}

function contentLength(req: FastifyRequest): number | undefined {
  const v = req.headers['content-length'];
  const n = v === undefined ? NaN : Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** An unread or half-read body cannot be answered and then reused: close the connection after a failed upload. */
function failed(reply: FastifyReply, p: Problem): FastifyReply {
  return sendProblem(reply.header('connection', 'close'), p);
}
