import type { Result } from '../shared/result.js';
import type { Problem } from '../shared/problem.js';
import type { DefinitionService, ListQuery, SandboxRef } from './definition-service.js';
import type { StreamingRuntime } from './streaming-runtime.js';
import type { SegmentJob, SegmentJobService } from './job-service.js';
import type { PreviewService } from './preview-service.js';
import type { AudienceService, ExportJob } from './audience-service.js';
import type { AudienceCatalog } from './audience-catalog.js';
import type { SegmentSearch } from './search/segment-search.js';
import type { MembershipWriter } from './membership-writer.js';
import type { SegmentDefinition } from './segment-types.js';
import type { ScheduleService } from './schedule/schedule-service.js';

/**
 * What the HTTP routes call (through the processor's RPC: every argument and result is structured-clonable).
 * Every call names its sandbox; the runtime remembers it to evaluate that sandbox's profiles.
 */
export class SegmentationApi {
  constructor(
    private readonly d: {
      definitions: DefinitionService;
      runtime: StreamingRuntime;
      jobs: SegmentJobService;
      previews: PreviewService;
      audiences: AudienceService;
      catalog: AudienceCatalog;
      search: SegmentSearch;
      writer: MembershipWriter;
      schedules: ScheduleService;
      tick: () => Promise<{ timers: number; events: number; scheduled: number }>;
    },
  ) {}

  private seen(sb: SandboxRef): void {
    this.d.runtime.rememberSandbox(sb);
  }

  async createDefinition(sb: SandboxRef, body: unknown): Promise<Result<SegmentDefinition, Problem>> {
    this.seen(sb);
    return this.d.definitions.create(sb, body);
  }
  async getDefinition(sb: SandboxRef, id: string) {
    return this.d.definitions.get(sb, id);
  }
  async listDefinitions(sb: SandboxRef, q: ListQuery) {
    return this.d.definitions.list(sb, q);
  }
  async bulkGetDefinitions(sb: SandboxRef, ids: string[]) {
    return this.d.definitions.bulkGet(sb, ids);
  }
  async patchDefinition(sb: SandboxRef, id: string, body: unknown) {
    this.seen(sb);
    return this.d.definitions.patch(sb, id, body);
  }
  async deleteDefinition(sb: SandboxRef, id: string) {
    return this.d.definitions.delete(sb, id);
  }

  async createJob(sb: SandboxRef, body: unknown): Promise<Result<SegmentJob, Problem>> {
    this.seen(sb);
    return this.d.jobs.create(sb, body);
  }
  async getJob(sb: SandboxRef, id: string) {
    return this.d.jobs.get(sb, id);
  }
  async listJobs(sb: SandboxRef, q: { status?: string; start?: number; limit?: number; segmentId?: string }) {
    return this.d.jobs.list(sb, q);
  }
  async cancelJob(sb: SandboxRef, id: string) {
    return this.d.jobs.cancel(sb, id);
  }

  async createSchedule(sb: SandboxRef, body: unknown) {
    this.seen(sb);
    return this.d.schedules.create(sb, body);
  }
  async getSchedule(sb: SandboxRef, id: string) {
    return this.d.schedules.get(sb, id);
  }
  async listSchedules(sb: SandboxRef, q: { start?: number; limit?: number }) {
    return this.d.schedules.list(sb, q);
  }
  async patchSchedule(sb: SandboxRef, id: string, body: unknown) {
    return this.d.schedules.patch(sb, id, body);
  }
  async deleteSchedule(sb: SandboxRef, id: string) {
    return this.d.schedules.delete(sb, id);
  }

  async createPreview(sb: SandboxRef, body: unknown) {
    this.seen(sb);
    return this.d.previews.create(sb, body);
  }
  async getPreview(sb: SandboxRef, id: string, q: { limit?: number; offset?: number }) {
    return this.d.previews.get(sb, id, q);
  }
  async getEstimate(sb: SandboxRef, id: string) {
    return this.d.previews.estimate(sb, id);
  }
  async deletePreview(sb: SandboxRef, id: string) {
    return this.d.previews.delete(sb, id);
  }

  async listAudiences(sb: SandboxRef, q: { start?: number; limit?: number; name?: string; description?: string; property?: string; sort?: string }) {
    return this.d.catalog.list(sb, q);
  }
  async getAudience(sb: SandboxRef, id: string) {
    return this.d.catalog.get(sb, id);
  }
  async createAudience(sb: SandboxRef, body: unknown) {
    this.seen(sb);
    return this.d.catalog.create(sb, body);
  }
  async putAudience(sb: SandboxRef, id: string, body: unknown) {
    this.seen(sb);
    return this.d.catalog.put(sb, id, body);
  }
  async patchAudience(sb: SandboxRef, id: string, ops: unknown) {
    this.seen(sb);
    return this.d.catalog.patch(sb, id, ops);
  }
  async deleteAudience(sb: SandboxRef, id: string) {
    return this.d.catalog.delete(sb, id);
  }
  async bulkGetAudiences(sb: SandboxRef, ids: string[]) {
    return this.d.catalog.bulkGet(sb, ids);
  }
  async searchNamespaces(sb: SandboxRef, q: { schemaName?: string; s?: string }) {
    return this.d.search.namespaces(sb, q);
  }
  async searchEntities(sb: SandboxRef, q: { schemaName?: string; namespace?: string; s?: string; entityId?: string; limit?: number; page?: number }) {
    return this.d.search.entities(sb, q);
  }
  async searchTaxonomy(sb: SandboxRef, q: { schemaName?: string; namespace?: string; entityId?: string }) {
    return this.d.search.taxonomy(sb, q);
  }
  async createExport(sb: SandboxRef, body: unknown): Promise<Result<ExportJob, Problem>> {
    return this.d.audiences.createExport(sb, body);
  }
  async getExport(sb: SandboxRef, id: string) {
    return this.d.audiences.getExport(sb, id);
  }
  async exportFile(sb: SandboxRef, id: string) {
    return this.d.audiences.exportFile(sb, id);
  }
  async listExports(sb: SandboxRef, q: { limit?: number; offset?: number }) {
    return this.d.audiences.listExports(sb, q);
  }
  async deleteExport(sb: SandboxRef, id: string) {
    return this.d.audiences.deleteExport(sb, id);
  }

  /** The system datasets of a sandbox were (re)provisioned. */
  async systemChanged(sandboxId: string): Promise<void> {
    this.d.writer.forgetSystem(sandboxId);
  }
  /** Runs due timers and flushes audience events now (tests; the ticker does it every 500 ms). */
  async tick() {
    return this.d.tick();
  }
  async drain(): Promise<void> {
    await this.d.runtime.drain();
    await this.d.jobs.idle();
  }
}
