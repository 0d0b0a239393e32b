import type { ProfileService } from '../profile/profile-service.js';
import type { IdentityRef } from '../profile/identity-resolver.js';
import type { Clock } from '../shared/clock.js';
import { ok, err, type Result } from '../shared/result.js';
import type { ProfileUpdateSink } from './journey-ports.js';

/** Where a sandbox's journey profile updates go: the system dataset and its lake table. */
export interface ProfileUpdateTarget {
  datasetId: string;
  table: string;
}

/** The lake part this needs (Lake.appendRecords). */
export interface ProfileUpdateLake {
  appendRecords(sandboxId: string, table: string, rows: Array<{ id: string | null; timestamp: number | null; batchId: string; offset: number; ingestedAt: number; record: string }>): Promise<void>;
}

export const PROFILE_UPDATES_BATCH = 'journeys';

/**
 * `updateProfile` actions: the fragment becomes a record of the sandbox's "Journey Profile Updates" dataset
 * (profile-enabled): applied to the profile store (which emits the profile change segmentation and journeys
 * follow) and appended to the dataset's lake table. Applying the same fragment twice (an action repeated after a
 * crash) leaves the profile as once; the lake row carries the idempotency key as its `_id`.
 */
export class ProfileUpdates implements ProfileUpdateSink {
  constructor(
    private readonly profiles: ProfileService,
    private readonly lake: ProfileUpdateLake,
    private readonly targetOf: (sandboxId: string) => Promise<ProfileUpdateTarget | undefined>,
    private readonly clock: Clock,
  ) {}

  async write(sandboxId: string, identity: IdentityRef, record: Record<string, unknown>, idempotencyKey: string): Promise<Result<void, string>> {
    const target = await this.targetOf(sandboxId);
    if (!target) return err('the sandbox has no journey profile dataset');
    const now = this.clock.now();
    const r = await this.profiles.applyRecord(sandboxId, { datasetId: target.datasetId, batchId: PROFILE_UPDATES_BATCH, primary: identity, record, eventTime: now });
    if (!r.ok) return err(String(r.error.body.detail ?? r.error.body.title ?? `profile write refused (${r.error.status})`));
    await this.lake.appendRecords(sandboxId, target.table, [{ id: idempotencyKey, timestamp: null, batchId: PROFILE_UPDATES_BATCH, offset: 0, ingestedAt: now, record: JSON.stringify(record) }]);
    return ok(undefined);
  }
}
