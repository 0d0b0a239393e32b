import type { ResourceStore } from '../store/resource-store.js';
import type { Clock } from '../shared/clock.js';
import { uuid } from '../shared/ids.js';
import type { IdentityRef } from '../profile/identity-resolver.js';
import type { MembershipRow, SegmentUnitView } from './segment-store.js';
import {
  MEMBERSHIP_NAMESPACE, SYSTEM_KIND,
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
 * Writes membership transitions: the membership row with its audience-membership event in segment.db (inside the
 * runtime's unit-of-work transaction). The profile shows the row as `segmentMembership.ups.<segmentId>`: the
 * entities API reads memberships from segment.db with the graph's identities (membership-view.ts), so a transition
 * is one write, and the row, its event and what the profile shows commit together.
 */
export class MembershipWriter {
  private readonly systemCache = new Map<string, SegmentSystemDatasets | null>();

  constructor(
    private readonly store: SegmentUnitView,
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

  forgetSystem(sandboxId: string): void {
    this.systemCache.delete(sandboxId);
  }

  /**
   * Applies one evaluation result. `prev` is the profile's current row for the segment (possibly under an older
   * profile id after a graph merge); the row is re-keyed to `pid` when it changes.
   */
  apply(
    sandboxId: string,
    def: Pick<SegmentDefinition, 'id' | 'name' | 'version'>,
    pid: string,
    top: IdentityRef,
    prev: MembershipRow | undefined,
    qualifies: boolean,
    mode: EvaluationMode,
    jobId?: string,
  ): MembershipStatus | undefined {
    const status = nextStatus(prev, qualifies, mode);
    if (!status) {
      if (prev && prev.pid !== pid) this.store.transaction(() => {
        this.store.deleteMembership(sandboxId, def.id, prev.pid);
        this.store.putMembership(sandboxId, { ...prev, pid, ref: top });
      });
      return undefined;
    }
    const now = this.clock.now();
    const membership = { status, lastQualificationTime: iso(now), version: def.version };
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
