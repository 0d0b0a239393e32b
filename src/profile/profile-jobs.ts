import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { ok, err, type Result } from '../shared/result.js';
import { badRequest, notFound, type Problem } from '../shared/problem.js';
import { uuid } from '../shared/ids.js';
import type { ProfileService } from './profile-service.js';

/** A profile system job (`/data/core/ups/system/jobs`): delete profile data of a dataset or a batch. Runs synchronously. */
export interface ProfileJob {
  id: string;
  imsOrgId: string;
  dataSetId?: string;
  batchId?: string;
  jobType: 'DELETE';
  status: 'SUCCEEDED';
  metrics: { startTime: string; endTime: string; rowsRemoved: number };
  requestId: string;
  createEpoch: number;
}
const KIND = 'profile-system-job';

export class ProfileJobService {
  constructor(private readonly resources: ResourceStore, private readonly clock: Clock, private readonly profiles: ProfileService) {}

  async create(sandboxId: string, orgId: string, requestId: string, body: unknown): Promise<Result<ProfileJob, Problem>> {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const ds = b.dataSetId, batch = b.batchId;
    if ((typeof ds !== 'string' || ds === '') === (typeof batch !== 'string' || batch === ''))
      return err(badRequest('Exactly one of dataSetId or batchId is required'));
    const start = this.clock.now();
    const r = typeof ds === 'string' ? await this.profiles.deleteByDataset(sandboxId, ds) : await this.profiles.deleteByBatch(sandboxId, batch as string);
    const end = this.clock.now();
    const job: ProfileJob = {
      id: uuid(), imsOrgId: orgId, jobType: 'DELETE', status: 'SUCCEEDED',
      metrics: { startTime: new Date(start).toISOString(), endTime: new Date(end).toISOString(), rowsRemoved: r.removed },
      requestId, createEpoch: start,
    };
    if (typeof ds === 'string') job.dataSetId = ds;
    else job.batchId = batch as string;
    await this.resources.put(KIND, sandboxId, job.id, job);
    return ok(job);
  }
  async list(sandboxId: string): Promise<ProfileJob[]> {
    return (await this.resources.list<ProfileJob>(KIND, sandboxId, { limit: 1000 })).map((r) => r.doc);
  }
  async get(sandboxId: string, id: string): Promise<Result<ProfileJob, Problem>> {
    const r = await this.resources.get<ProfileJob>(KIND, sandboxId, id);
    return r ? ok(r.doc) : err(notFound(`Job ${id} not found`));
  }
  async delete(sandboxId: string, id: string): Promise<Result<void, Problem>> {
    return (await this.resources.delete(KIND, sandboxId, id)) ? ok(undefined) : err(notFound(`Job ${id} not found`));
  }
}
