import { mkdirSync, createWriteStream, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { uuid } from '../shared/ids.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, notFound, type Problem } from '../shared/problem.js';
import type { DefinitionService, SandboxRef } from './definition-service.js';
import type { SegmentStore } from './segment-store.js';
import type { RuntimeDeps } from './streaming-runtime.js';
import { profileSnapshot } from './profile-snapshot.js';
import { pickPaths } from './pick-paths.js';
import { EXPORT_KIND, type SegmentDefinition } from './segment-types.js';
import { isObj } from '../shared/objects.js';
import { pageOf } from '../shared/paging.js';

/** Where exported profiles go when the destination is a dataset (the lake, by table). */
export interface ExportTarget {
  tableOf(sandboxId: string, datasetId: string): Promise<string | undefined>;
  append(sandboxId: string, table: string, batchId: string, records: Array<{ id: string; record: string }>): Promise<void>;
}

export interface ExportJob {
  id: string;
  jobType: 'BATCH';
  status: 'NEW' | 'PROCESSING' | 'SUCCEEDED' | 'FAILED';
  fields?: string;
  filter: { segments: Array<{ segmentId: string; segmentNs: string; status: string[] }> };
  destination: { datasetId?: string; batchId?: string; format?: 'jsonl' };
  schema: { name: string };
  imsOrgId: string;
  sandbox: { sandboxId: string; sandboxName: string };
  metrics: { totalTime?: { startTimeInMs: number; endTimeInMs: number; totalTimeInMs: number }; profileExportTime?: Record<string, number>; totalExportedProfileCounter?: number };
  /** Where a JSON-lines export (format jsonl) is downloaded: a path relative to the server's base URL. */
  _links?: { download: { href: string } };
  errors?: Array<{ code: string; msg: string }>;
  creationTime: number;
  updateTime: number;
}

/** The download URL of a file export, relative to the server's base URL. */
export const exportDownloadHref = (id: string): string => `/data/core/ups/export/jobs/${encodeURIComponent(id)}/download`;

/** A job as clients see it: records written before downloads were links carried the server's file path; never show it. */
function jobView(j: ExportJob & { file?: unknown }): ExportJob {
  const { file: _path, ...job } = j;
  return job.destination.format === 'jsonl' && job.status === 'SUCCEEDED' ? { ...job, _links: { download: { href: exportDownloadHref(job.id) } } } : job;
}

/**
 * Audiences (the definitions with their current sizes; AudienceCatalog serves `/data/core/ups/audiences`) and member export
 * (`/export/jobs`): the merged profiles of an audience's members (status realized/existing by default) written to
 * a dataset (one new batch in the lake) or to a JSON-lines file to download.
 */
export class AudienceService {
  constructor(
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
    private readonly definitions: DefinitionService,
    private readonly store: SegmentStore,
    private readonly deps: Pick<RuntimeDeps, 'profiles' | 'profileStore' | 'computedAttributes'>,
    private readonly dataDir: string,
    private readonly target?: ExportTarget,
  ) {}

  private audienceOf(d: SegmentDefinition, counts: Record<string, number> | undefined): Record<string, unknown> {
    const realized = counts?.realized ?? 0, existing = counts?.existing ?? 0, exited = counts?.exited ?? 0;
    return {
      id: d.id,
      audienceId: d.id,
      name: d.name,
      namespace: 'AEPSegments',
      ...(d.description ? { description: d.description } : {}),
      type: 'SegmentDefinition',
      lifecycleState: 'published',
      expression: d.expression,
      evaluationInfo: d.evaluationInfo,
      mergePolicyId: d.mergePolicyId,
      ttlInDays: d.ttlInDays,
      ...(Array.isArray(d.labels) ? { labels: d.labels } : {}),
      dependencies: d.dependencies,
      isSystem: false,
      originName: 'REAL_TIME_CUSTOMER_PROFILE',
      profileInstanceId: 'ups',
      schema: d.schema,
      imsOrgId: d.imsOrgId,
      sandbox: d.sandbox,
      metrics: { data: { totalProfiles: realized + existing, realized, existing, exited } },
      creationTime: d.creationTime,
      createEpoch: Math.floor(d.creationTime / 1000),
      updateTime: d.updateTime,
      updateEpoch: d.updateEpoch,
    };
  }

  /** Every definition of the sandbox as an audience with its size (unpaged: AudienceCatalog filters and pages). */
  async all(sb: SandboxRef): Promise<Array<Record<string, unknown>>> {
    const counts = await this.store.counts(sb.sandbox.id);
    return (await this.definitions.all(sb.sandbox.id)).map((d) => this.audienceOf(d, counts.get(d.id)));
  }

  async get(sb: SandboxRef, id: string): Promise<Result<Record<string, unknown>, Problem>> {
    const d = await this.definitions.get(sb, id);
    if (!d.ok) return d;
    return ok(this.audienceOf(d.value, (await this.store.counts(sb.sandbox.id)).get(id)));
  }

  async createExport(sb: SandboxRef, body: unknown): Promise<Result<ExportJob, Problem>> {
    if (!isObj(body)) return err(badRequest('Body must be a JSON object'));
    const filter = isObj(body.filter) ? body.filter : {};
    const segs = Array.isArray(filter.segments) ? filter.segments : [];
    if (segs.length === 0) return err(badRequest('filter.segments must name at least one { "segmentId" }'));
    const wanted: ExportJob['filter']['segments'] = [];
    for (const s of segs) {
      if (!isObj(s) || typeof s.segmentId !== 'string') return err(badRequest('Every filter.segments item needs a segmentId'));
      const d = await this.definitions.get(sb, s.segmentId);
      if (!d.ok) return err(badRequest(`Segment definition ${s.segmentId} not found`));
      const status = Array.isArray(s.status) ? s.status.filter((x): x is string => typeof x === 'string') : ['realized', 'existing'];
      const bad = status.find((x) => !['realized', 'existing', 'exited'].includes(x));
      if (bad) return err(badRequest(`filter.segments.status: unknown status "${bad}"`));
      wanted.push({ segmentId: s.segmentId, segmentNs: typeof s.segmentNs === 'string' ? s.segmentNs : 'ups', status });
    }
    const dest = isObj(body.destination) ? body.destination : {};
    let datasetId: string | undefined;
    if (typeof dest.datasetId === 'string') {
      if (!this.target || !(await this.target.tableOf(sb.sandbox.id, dest.datasetId))) return err(badRequest(`Dataset ${dest.datasetId} not found`));
      datasetId = dest.datasetId;
    }
    if (body.fields !== undefined && typeof body.fields !== 'string') return err(badRequest('fields must be a comma-separated string'));
    const now = this.clock.now();
    const job: ExportJob = {
      id: uuid(),
      jobType: 'BATCH',
      status: 'PROCESSING',
      ...(typeof body.fields === 'string' ? { fields: body.fields } : {}),
      filter: { segments: wanted },
      destination: datasetId ? { datasetId, batchId: uuid() } : { format: 'jsonl' },
      schema: { name: '_xdm.context.profile' },
      imsOrgId: sb.orgId,
      sandbox: { sandboxId: sb.sandbox.id, sandboxName: sb.sandbox.name },
      metrics: {},
      creationTime: now,
      updateTime: now,
    };
    await this.resources.put(EXPORT_KIND, sb.sandbox.id, job.id, job);
    const done = await this.runExport(sb, job);
    return ok(jobView(done));
  }

  private async runExport(sb: SandboxRef, job: ExportJob): Promise<ExportJob> {
    const t0 = performance.now();
    const start = this.clock.now();
    const pids = new Map<string, { namespace: string; id: string }>();
    for (const s of job.filter.segments)
      for (const m of await this.store.memberships(sb.sandbox.id, s.segmentId)) if (s.status.includes(m.status)) pids.set(m.pid, m.ref);
    const fields = job.fields?.split(',').map((f) => f.trim()).filter(Boolean);
    let n = 0;
    const lines: Array<{ id: string; record: string }> = [];
    try {
      for await (const p of profileSnapshot(this.deps, sb, pids.values(), { withEvents: false, withCA: false })) {
        const entity = fields ? pickPaths(p.entity, fields) : p.entity;
        lines.push({ id: p.pid, record: JSON.stringify({ ...entity, identityMap: p.entity.identityMap ?? { [p.top.namespace]: [{ id: p.top.id, primary: true }] } }) });
        n++;
      }
      let file: string | undefined;
      if (job.destination.datasetId) {
        const table = (await this.target!.tableOf(sb.sandbox.id, job.destination.datasetId))!;
        await this.target!.append(sb.sandbox.id, table, job.destination.batchId!, lines);
      } else {
        const dir = join(this.dataDir, 'exports', sb.sandbox.id);
        mkdirSync(dir, { recursive: true });
        file = this.exportPath(sb, job.id);
        await new Promise<void>((resolve, reject) => {
          const w = createWriteStream(file!);
          w.on('error', reject);
          for (const l of lines) w.write(`${l.record}\n`);
          w.end(resolve);
        });
      }
      const end = this.clock.now();
      const next: ExportJob = { ...job, status: 'SUCCEEDED', ...(file ? { _links: { download: { href: exportDownloadHref(job.id) } } } : {}), metrics: { totalTime: { startTimeInMs: start, endTimeInMs: end, totalTimeInMs: Math.round(performance.now() - t0) }, totalExportedProfileCounter: n }, updateTime: end };
      await this.resources.put(EXPORT_KIND, sb.sandbox.id, job.id, next);
      return next;
    } catch (e) {
      const next: ExportJob = { ...job, status: 'FAILED', errors: [{ code: 'EXPORT-FAILED', msg: (e instanceof Error ? e.message : String(e)).split(this.dataDir).join('<data>') }], updateTime: this.clock.now() };
      await this.resources.put(EXPORT_KIND, sb.sandbox.id, job.id, next);
      return next;
    }
  }

  async getExport(sb: SandboxRef, id: string): Promise<Result<ExportJob, Problem>> {
    const r = await this.resources.get<ExportJob>(EXPORT_KIND, sb.sandbox.id, id);
    return r ? ok(jobView(r.doc)) : err(notFound(`Export job ${id} not found`));
  }

  private exportPath(sb: SandboxRef, id: string): string {
    return join(this.dataDir, 'exports', sb.sandbox.id, `${id}.jsonl`);
  }

  /** The file behind a job's download link (for the download route only: a path never goes into a response). */
  async exportFile(sb: SandboxRef, id: string): Promise<Result<string, Problem>> {
    const j = await this.getExport(sb, id);
    if (!j.ok) return j;
    const path = this.exportPath(sb, j.value.id);
    if (!j.value._links || !existsSync(path)) return err(badRequest('This export job wrote to a dataset or has no file yet'));
    return ok(path);
  }

  async listExports(sb: SandboxRef, q: { limit?: number; offset?: number } = {}): Promise<Record<string, unknown>> {
    const all = (await this.resources.list<ExportJob>(EXPORT_KIND, sb.sandbox.id, { limit: 100_000 })).map((r) => jobView(r.doc)).sort((a, b) => b.creationTime - a.creationTime);
    const { items: records, start: offset, limit, next } = pageOf(all, { start: q.offset, limit: q.limit });
    return { records, page: { sortField: 'createdTime', sort: 'desc', pageOffset: String(offset), pageSize: records.length }, link: next !== undefined ? { next: `?offset=${next}&limit=${limit}` } : {} };
  }

  async deleteExport(sb: SandboxRef, id: string): Promise<Result<ExportJob, Problem>> {
    const j = await this.getExport(sb, id);
    if (!j.ok) return j;
    await this.resources.delete(EXPORT_KIND, sb.sandbox.id, id);
    rmSync(this.exportPath(sb, j.value.id), { force: true });
    return ok(j.value);
  }
}
