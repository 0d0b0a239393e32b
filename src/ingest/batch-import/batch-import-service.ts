import { mkdirSync, writeFileSync, readdirSync, existsSync, rmSync, openSync, writeSync, closeSync, readFileSync } from 'node:fs';
import { join, basename } from 'node:path';
import type { BatchCatalog, BatchRecord, DatasetDirectory } from '../ports.js';
import type { IngestMessage, LogAppender } from '../collection/collection-service.js';
import type { Clock } from '../../shared/clock.js';
import type { SandboxContext } from '../../http/request-context.js';
import { ok, err, type Result } from '../../shared/result.js';
import { badRequest, notFound, problem, type Problem } from '../../shared/problem.js';
import { parseJsonFile, parseWithDuckDb, type BatchFileFormat, type ParsedRow } from './file-parser.js';

export interface BatchImportDeps {
  catalog: BatchCatalog;
  datasets: DatasetDirectory;
  log: LogAppender;
  clock: Clock;
  /** Where uploaded files are kept until the batch completes: `<dataDir>/uploads`. */
  uploadsDir: string;
}

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

  async putFile(ctx: SandboxContext, batchId: string, datasetId: string, fileName: string, content: Buffer): Promise<Result<void, Problem>> {
    const b = await this.loadingBatch(ctx, batchId, datasetId);
    if (!b.ok) return b;
    const n = BatchImportService.safeName(fileName);
    if (!n.ok) return n;
    mkdirSync(this.dir(batchId, datasetId), { recursive: true });
    writeFileSync(join(this.dir(batchId, datasetId), n.value), content);
    return ok(undefined);
  }

  /** Large files: INITIALIZE, then PATCH chunks with Content-Range, then COMPLETE (file). */
  async initFile(ctx: SandboxContext, batchId: string, datasetId: string, fileName: string): Promise<Result<void, Problem>> {
    return this.putFile(ctx, batchId, datasetId, fileName, Buffer.alloc(0));
  }

  async patchFile(ctx: SandboxContext, batchId: string, datasetId: string, fileName: string, range: string | undefined, chunk: Buffer): Promise<Result<void, Problem>> {
    const b = await this.loadingBatch(ctx, batchId, datasetId);
    if (!b.ok) return b;
    const n = BatchImportService.safeName(fileName);
    if (!n.ok) return n;
    const m = range ? /^bytes\s+(\d+)-(\d+)(?:\/(\d+|\*))?$/.exec(range.trim()) : null;
    if (!m) return err(badRequest('Content-Range header "bytes {start}-{end}" is required'));
    const start = Number(m[1]);
    if (Number(m[2]) - start + 1 !== chunk.length) return err(badRequest('Content-Range does not match the body length'));
    const path = join(this.dir(batchId, datasetId), n.value);
    if (!existsSync(path)) return err(notFound(`File ${fileName} was not initialized`));
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, chunk, 0, chunk.length, start);
    } finally {
      closeSync(fd);
    }
    return ok(undefined);
  }

  private async parseFiles(batch: BatchRecord): Promise<ParsedRow[][]> {
    const dir = this.dir(batch.id, batch.datasetId);
    if (!existsSync(dir)) return [];
    const fmt = ((batch.view.inputFormat as { format?: string } | undefined)?.format ?? 'json') as BatchFileFormat;
    const multi = (batch.view.inputFormat as { isMultiLineJson?: boolean } | undefined)?.isMultiLineJson === true;
    const out: ParsedRow[][] = [];
    for (const f of readdirSync(dir).sort()) {
      const path = join(dir, f);
      out.push(fmt === 'json' ? parseJsonFile(readFileSync(path), { isMultiLineJson: multi }) : await parseWithDuckDb(path, fmt));
    }
    return out;
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
    const files = await this.parseFiles(batch);
    let n = 0;
    let chunk: IngestMessage[] = [];
    const base = { sandboxId: ctx.sandbox.id, orgId: ctx.orgId, inletId: '', datasetId: ds.id, receivedAt: now, requestId: ctx.requestId };
    const flush = async () => {
      if (chunk.length) await this.deps.log.append(chunk);
      chunk = [];
    };
    for (let fi = 0; fi < files.length; fi++) {
      for (const row of files[fi]!) {
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
