import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { uuid } from '../shared/ids.js';
import type { IdentityRef } from '../profile/identity-resolver.js';
import type { ProfileService, RecordInput } from '../profile/profile-service.js';
import type { MembershipRow, SegmentStore } from './segment-store.js';
import {
  FALLBACK_MEMBERSHIP_DATASET, MEMBERSHIP_NAMESPACE, SYSTEM_KIND,
  type MembershipStatus, type SegmentDefinition, type SegmentSystemDatasets,
} from './segment-types.js';

export type EvaluationMode = 'streaming' | 'batch';
const iso = (ms: number): string => new Date(ms).toISOString();
const isIn = (m: MembershipRow | undefined): boolean => m !== undefined && m.status !== 'exited';

/** The status a membership moves to, or undefined when nothing changes. */
export function nextStatus(prev: MembershipRow | undefined, qualifies: boolean, mode: EvaluationMode): MembershipStatus | undefined {
  if (qualifies && !isIn(prev)) return 'realized';
  // a batch run that finds a realized member still qualifying marks it existing (AEP); streaming leaves it be
  if (qualifies && prev?.status === 'realized' && mode === 'batch') return 'existing';
  if (!qualifies && isIn(prev)) return 'exited';
  return undefined;
}

/**
 * Writes membership transitions: the profile's `segmentMembership.ups.<segmentId>` (a fragment of the
 * membership system dataset under the profile's entity identity, event time = now, so the newest assertion wins
 * in the merged view; buffered per unit of work, see flush()), and the membership row with its
 * audience-membership event in segment.db (inside the runtime's unit-of-work transaction).
 */
export class MembershipWriter {
  private readonly systemCache = new Map<string, SegmentSystemDatasets | null>();
  /** Membership fragments of the current unit of work, one per profile identity, written by flush(). */
  private readonly pending = new Map<string, { sandboxId: string; input: RecordInput }>();

  constructor(
    private readonly store: SegmentStore,
    private readonly profiles: ProfileService,
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
  ) {}

  async system(sandboxId: string): Promise<SegmentSystemDatasets | undefined> {
    let s = this.systemCache.get(sandboxId);
    if (s === undefined) {
      s = (await this.resources.get<SegmentSystemDatasets>(SYSTEM_KIND, sandboxId, 'datasets'))?.doc ?? null;
      this.systemCache.set(sandboxId, s); // provisioning through the API calls forgetSystem()
    }
    return s ?? undefined;
  }
  /**
   * Writes the buffered membership fragments in one profile-store transaction. Called by the runtime before it
   * commits the unit of work's membership rows and events: a crash in between repeats the transitions on the
   * next evaluation (the fragment write is idempotent; events are recorded only with their rows).
   */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const items = [...this.pending.values()].map((f) => ({ kind: 'record' as const, sandboxId: f.sandboxId, input: f.input }));
    this.pending.clear();
    await this.profiles.applyBatch(items);
  }

  forgetSystem(sandboxId: string): void {
    this.systemCache.delete(sandboxId);
  }

  /**
   * Applies one evaluation result. `prev` is the profile's current row for the segment (possibly under an older
   * profile id after a graph merge); the row is re-keyed to `pid` when it changes.
   */
  async apply(
    sandboxId: string,
    def: Pick<SegmentDefinition, 'id' | 'name' | 'version'>,
    pid: string,
    top: IdentityRef,
    prev: MembershipRow | undefined,
    qualifies: boolean,
    mode: EvaluationMode,
    jobId?: string,
  ): Promise<MembershipStatus | undefined> {
    const status = nextStatus(prev, qualifies, mode);
    if (!status) {
      if (prev && prev.pid !== pid) this.store.transaction(() => {
        this.store.deleteMembership(sandboxId, def.id, prev.pid);
        this.store.putMembership(sandboxId, { ...prev, pid, ref: top });
      });
      return undefined;
    }
    const now = this.clock.now();
    const sys = await this.system(sandboxId);
    const membership = { status, lastQualificationTime: iso(now), version: def.version };
    const datasetId = sys?.membershipDatasetId ?? FALLBACK_MEMBERSHIP_DATASET;
    const key = `${sandboxId}\u0000${datasetId}\u0000${top.namespace.toLowerCase()}\u0000${top.id}`;
    let frag = this.pending.get(key);
    if (!frag) {
      frag = { sandboxId, input: { datasetId, batchId: jobId ?? 'segmentation', primary: top, record: { segmentMembership: { [MEMBERSHIP_NAMESPACE]: {} } }, eventTime: now } };
      this.pending.set(key, frag);
    }
    (frag.input.record.segmentMembership as Record<string, Record<string, unknown>>)[MEMBERSHIP_NAMESPACE]![def.id] = membership;
    this.store.transaction(() => {
      if (prev && prev.pid !== pid) this.store.deleteMembership(sandboxId, def.id, prev.pid);
      this.store.putMembership(sandboxId, { segmentId: def.id, pid, ref: top, status, lastQualificationTime: now, version: def.version });
      this.store.addOutbox(sandboxId, now, {
        _id: uuid(),
        timestamp: iso(now),
        eventType: `segmentMembership.${status}`,
        identityMap: { [top.namespace]: [{ id: top.id, primary: true }] },
        segmentMembership: { [MEMBERSHIP_NAMESPACE]: { [def.id]: membership } },
        _kith: {
          audienceMembership: {
            segmentId: def.id, segmentName: def.name, status, previousStatus: prev?.status ?? null, version: def.version,
            profileId: pid, evaluation: mode, ...(jobId ? { jobId } : {}),
          },
        },
      });
    });
    return status;
  }
}
