import { mkdirSync, writeFileSync, readdirSync, existsSync, rmSync, renameSync, createWriteStream } from 'node:fs';
import { join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { systemDatasetRefusal, type BatchCatalog, type BatchRecord, type DatasetDirectory } from '../ports.js';
import type { IngestMessage, LogAppender } from '../collection/collection-service.js';
import type { Clock } from '../../shared/clock.js';
import type { SandboxContext } from '../../http/request-context.js';
import { ok, err, type Result } from '../../shared/result.js';
import { badRequest, notFound, problem, type Problem } from '../../shared/problem.js';
import { readRowChunks, type BatchFileFormat } from './file-parser.js';

export interface BatchImportDeps {
  catalog: BatchCatalog;
  datasets: DatasetDirectory;
  log: LogAppender;
  clock: Clock;
  /** Where uploaded files are kept until the batch completes: `<dataDir>/uploads`. */
  uploadsDir: string;
  /** Largest file (or chunk) an upload may send, in bytes: 413 beyond it. */
  maxFileBytes: number;
}

/** Raised inside the upload pipeline when the body passes the limit. */
class TooLarge extends Error {}

const tooLarge = (limit: number) => problem(413, 'Payload Too Large', `The request body exceeds the limit of ${limit} bytes`);

const FORMATS = new Set<BatchFileFormat>(['json', 'csv', 'parquet']);
const APPEND_CHUNK = 2000;

/**
 * Batch ingestion (`/data/foundation/import`): files are staged on disk; COMPLETE parses them and appends
 * every row to the ingest log (then a batch-end marker), so batch rows take the same validation, lake,
 * failed-records, identity and profile path as streaming ones. The processor closes the batch.
 */
export class BatchImportService {
  constructor(private readonly deps: BatchImportDeps) {}

  private dir(batchId: string, datasetId?: string): string {
    return datasetId ? join(this.deps.uploadsDir, batchId, datasetId) : join(this.deps.uploadsDir, batchId);
  }

  async create(ctx: SandboxContext, body: unknown): Promise<Result<BatchRecord, Problem>> {
    const b = (body ?? {}) as { datasetId?: unknown; inputFormat?: { format?: unknown; isMultiLineJson?: unknown }; externalId?: unknown; tags?: unknown };
    if (typeof b.datasetId !== 'string') return err(badRequest('datasetId is required'));
    const format = b.inputFormat?.format ?? 'json';
    if (typeof format !== 'string' || !FORMATS.has(format.toLowerCase() as BatchFileFormat))
      return err(badRequest('inputFormat.format must be one of json, csv, parquet'));
    const ds = await this.deps.datasets.getDataset(ctx.sandbox.id, b.datasetId);
    if (!ds) return err(badRequest(`Dataset ${b.datasetId} does not exist in sandbox ${ctx.sandbox.name}`));
    const refused = systemDatasetRefusal(ds);
    if (refused) return err(badRequest(refused));
    const batch = await this.deps.catalog.createBatch(
      ctx.sandbox.id,
      {
        datasetId: ds.id,
        inputFormat: { ...(b.inputFormat ?? {}), format: format.toLowerCase() },
        source: 'batch',
        externalId: typeof b.externalId === 'string' ? b.externalId : undefined,
        tags: typeof b.tags === 'object' && b.tags !== null ? (b.tags as Record<string, string[]>) : undefined,
      },
      ctx.actor,
    );
    return ok(batch);
  }

  private async loadingBatch(ctx: SandboxContext, batchId: string, datasetId?: string): Promise<Result<BatchRecord, Problem>> {
    const batch = await this.deps.catalog.getBatch(ctx.sandbox.id, batchId);
    if (!batch) return err(notFound(`Batch ${batchId} not found`));
    if (datasetId !== undefined && batch.datasetId !== datasetId) return err(badRequest(`Batch ${batchId} belongs to dataset ${batch.datasetId}, not ${datasetId}`));
    if (batch.status !== 'loading') return err(problem(409, 'Conflict', `Batch ${batchId} is ${batch.status}; files can only be added while it is loading`));
    return ok(batch);
  }

  private static safeName(name: string): Result<string, Problem> {
    const n = basename(name);
    // a control character (NUL above all) is no file name: the file system would throw on it
    if (n === '' || n === '.' || n === '..' || n !== name || /[\u0000-\u001f]/.test(n)) return err(badRequest(`Invalid file name ${JSON.stringify(name)}`));
    return ok(n);
  }

  /**
   * Streams `body` to `path` (from `start` when given), counting bytes: past `maxFileBytes` the write stops and the
   * answer is 413. Whole files go to a temporary name first and replace the file only once complete.
   */
  private async receive(body: Readable, path: string, opts: { start?: number; expected?: number } = {}): Promise<Result<number, Problem>> {
    const limit = this.deps.maxFileBytes;
    if (opts.expected !== undefined && opts.expected > limit) return err(tooLarge(limit));
    let n = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        n += chunk.length;
        cb(n > limit ? new TooLarge() : null, chunk);
      },
    });
    const target = opts.start === undefined ? `${path}.part-${randomBytes(6).toString('hex')}` : path;
    try {
      await pipeline(body, counter, createWriteStream(target, opts.start === undefined ? {} : { flags: 'r+', start: opts.start }));
    } catch (e) {
      if (opts.start === undefined) rmSync(target, { force: true });
      if (e instanceof TooLarge) return err(tooLarge(limit));
      const code = (e as { code?: string }).code;
      if (code === 'ENOSPC' || code === 'EDQUOT')
        return err({ ...problem(503, 'Service Unavailable', 'The server is out of disk space; retry later'), headers: { 'retry-after': '30' } });
      if (body.errored || body.destroyed || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET')
        return err(badRequest('The upload was interrupted before the whole body arrived'));
      return err(problem(500, 'Internal Server Error', 'The upload could not be stored'));
    }
    if (opts.start === undefined) renameSync(target, path);
    return ok(n);
  }

  async putFile(ctx: SandboxContext, batchId: string, datasetId: string, fileName: string, body: Readable, length?: number): Promise<Result<void, Problem>> {
    const b = await this.loadingBatch(ctx, batchId, datasetId);
    if (!b.ok) return b;
    const n = BatchImportService.safeName(fileName);
    if (!n.ok) return n;
    mkdirSync(this.dir(batchId, datasetId), { recursive: true });
    const r = await this.receive(body, join(this.dir(batchId, datasetId), n.value), { expected: length });
    return r.ok ? ok(undefined) : r;
  }

  /** Large files: INITIALIZE, then PATCH chunks with Content-Range, then COMPLETE (file). */
  async initFile(ctx: SandboxContext, batchId: string, datasetId: string, fileName: string): Promise<Result<void, Problem>> {
    const b = await this.loadingBatch(ctx, batchId, datasetId);
    if (!b.ok) return b;
    const n = BatchImportService.safeName(fileName);
    if (!n.ok) return n;
    mkdirSync(this.dir(batchId, datasetId), { recursive: true });
    writeFileSync(join(this.dir(batchId, datasetId), n.value), '');
    return ok(undefined);
  }

  async patchFile(ctx: SandboxContext, batchId: string, datasetId: string, fileName: string, range: string | undefined, body: Readable, length?: number): Promise<Result<void, Problem>> {
    const b = await this.loadingBatch(ctx, batchId, datasetId);
    if (!b.ok) return b;
    const n = BatchImportService.safeName(fileName);
    if (!n.ok) return n;
    const m = range ? /^bytes\s+(\d+)-(\d+)(?:\/(\d+|\*))?$/.exec(range.trim()) : null;
    if (!m) return err(badRequest('Content-Range header "bytes {start}-{end}" is required'));
    const start = Number(m[1]);
    const size = Number(m[2]) - start + 1;
    if (size < 1 || (length !== undefined && length !== size)) return err(badRequest('Content-Range does not match the body length'));
    if (start + size > this.deps.maxFileBytes) return err(tooLarge(this.deps.maxFileBytes));
    const path = join(this.dir(batchId, datasetId), n.value);
    if (!existsSync(path)) return err(notFound(`File ${fileName} was not initialized`));
    const r = await this.receive(body, path, { start, expected: size });
    if (!r.ok) return r;
    if (r.value !== size) return err(badRequest('Content-Range does not match the body length'));
    return ok(undefined);
  }

  /** The staged files of a batch, in upload-name order. */
  private stagedFiles(batch: BatchRecord): string[] {
    const dir = this.dir(batch.id, batch.datasetId);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => !/\.part-[0-9a-f]+$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  }

  /** COMPLETE: parse the staged files and append every row (and the end marker) to the ingest log. */
  async complete(ctx: SandboxContext, batchId: string): Promise<Result<void, Problem>> {
    const b = await this.loadingBatch(ctx, batchId);
    if (!b.ok) return b;
    const batch = b.value;
    const ds = await this.deps.datasets.getDataset(ctx.sandbox.id, batch.datasetId);
    if (!ds) return err(badRequest(`Dataset ${batch.datasetId} no longer exists`));
    const now = this.deps.clock.now();
    await this.deps.catalog.updateBatch(ctx.sandbox.id, batchId, { status: 'processing', started: now });
    const fmt = ((batch.view.inputFormat as { format?: string } | undefined)?.format ?? 'json') as BatchFileFormat;
    const multi = (batch.view.inputFormat as { isMultiLineJson?: boolean } | undefined)?.isMultiLineJson === true;
    const files = this.stagedFiles(batch);
    let n = 0;
    let chunk: IngestMessage[] = [];
    const base = { sandboxId: ctx.sandbox.id, orgId: ctx.orgId, inletId: '', datasetId: ds.id, receivedAt: now, requestId: ctx.requestId };
    const flush = async () => {
      if (chunk.length) await this.deps.log.append(chunk);
      chunk = [];
    };
    for (let fi = 0; fi < files.length; fi++) {
      // rows are read from disk as they are appended: a file is never held in memory whole (JSON arrays excepted)
      for await (const rows of readRowChunks(files[fi]!, fmt, { isMultiLineJson: multi })) for (const row of rows) {
        const x = `${batchId}:${fi}:${row.row}`;
        const head = `{"d":${JSON.stringify(ds.id)},"s":${JSON.stringify(ds.schemaId)},"x":${JSON.stringify(x)},"b":${JSON.stringify(batchId)},"src":"batch"`;
        const payload = row.value.ok
          ? `${head},"e":${JSON.stringify(row.value.value)}}`
          : `${head},"err":${JSON.stringify(`file ${fi + 1} row ${row.row}: ${row.value.error}`)},"raw":${JSON.stringify(row.raw ?? '')}}`;
        chunk.push({ ...base, kind: 'xdm', xactionId: x, payload });
        n++;
        if (chunk.length >= APPEND_CHUNK) await flush();
      }
    }
    chunk.push({ ...base, kind: 'batch-end', xactionId: `${batchId}:end`, payload: JSON.stringify({ d: ds.id, b: batchId, n }) });
    await flush();
    rmSync(this.dir(batchId), { recursive: true, force: true });
    return ok(undefined);
  }

  async abort(ctx: SandboxContext, batchId: string): Promise<Result<void, Problem>> {
    const batch = await this.deps.catalog.getBatch(ctx.sandbox.id, batchId);
    if (!batch) return err(notFound(`Batch ${batchId} not found`));
    if (batch.status !== 'loading') return err(problem(409, 'Conflict', `Batch ${batchId} is ${batch.status} and cannot be aborted`));
    rmSync(this.dir(batchId), { recursive: true, force: true });
    await this.deps.catalog.updateBatch(ctx.sandbox.id, batchId, { status: 'aborted', completed: this.deps.clock.now() });
    return ok(undefined);
  }
}
